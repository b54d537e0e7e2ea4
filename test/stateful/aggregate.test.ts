// Aggregate rules over event time, through the pipeline and the stateful stage with state in memory (the same
// contract as the DynamoDB store: test/stores/state.int.test.ts; the Lambda path: test/handler/stateful.int.test.ts).
import { describe, expect, it } from 'vitest';
import { alertSchemaErrors } from '../support/alert-schema';
import { MemoryStateStore } from '../../lambda/stores/state-memory';
import { Summary } from '../../lambda/cli/summary';
import { MAX_VALUES } from '../../lambda/stateful/collect';
import { addEvent, emptyPartial, outputs } from '../../lambda/stateful/partial';
import { ruleOf } from '../support/rules';
import { AID, runObject, smb, statefulRule, T0, targets } from '../support/stateful';

const fanout = statefulRule('test-smb-fanout'); // 10 distinct targets per (aid, process) within 5m
const S = 1000;
const M = 60 * S;

describe('aggregate rules: the sliding window', () => {
  it('10 distinct targets within 5 minutes that straddle a bucket edge (and the 5-minute mark) fire', async () => {
    // Buckets are 30 s; a tumbling 5-minute window would see 5 + 5.
    const events = [...targets(5).map((t, i) => smb(T0 + 4 * M + 50 * S + i * S, t)), ...targets(5, 20).map((t, i) => smb(T0 + 5 * M + i * S, t))];
    const { state } = await runObject([fanout], new MemoryStateStore(), 'data/a.gz', events);
    expect(state.publish.map((a) => a.alert_type)).toEqual(['SmbFanOut']);
    const a = state.publish[0];
    expect(a.aggregate).toMatchObject({ group: { aid: AID }, count: 10, values: { targets: '10' } });
    expect(a.aggregate!.first_seen).toBe(T0 + 4 * M + 50 * S);
    expect(a.aggregate!.last_seen).toBe(T0 + 5 * M + 4 * S);
    expect(a.aggregate!.window.start).toBeLessThanOrEqual(a.aggregate!.first_seen);
    expect(a.aggregate!.window.end).toBeGreaterThan(a.aggregate!.last_seen);
    expect(alertSchemaErrors(a)).toEqual([]);
  });

  it('10 targets spanning just under the window from the end of a bucket fire', async () => {
    const first = T0 + 29 * S + 900; // the last 100 ms of bucket 0
    const events = targets(10).map((t, i) => smb(first + Math.round((i * (5 * M - 1000)) / 9), t));
    const { state } = await runObject([fanout], new MemoryStateStore(), 'data/a.gz', events);
    expect(state.publish).toHaveLength(1);
  });

  it('the same 10 targets spread over 2 hours do not fire; nor over 6 minutes (more than 1.1 × the window)', async () => {
    const spread = targets(10).map((t, i) => smb(T0 + i * 12 * M, t));
    expect((await runObject([fanout], new MemoryStateStore(), 'data/a.gz', spread)).state.publish).toEqual([]);
    const six = targets(10).map((t, i) => smb(T0 + i * 40 * S, t));
    expect((await runObject([fanout], new MemoryStateStore(), 'data/b.gz', six)).state.publish).toEqual([]);
  });

  it('groups are per (aid, process): 10 targets from 10 processes do not fire', async () => {
    const events = targets(10).map((t, i) => smb(T0 + i * S, t, { pid: String(100 + i) }));
    expect((await runObject([fanout], new MemoryStateStore(), 'data/a.gz', events)).state.publish).toEqual([]);
  });
});

describe('aggregate rules: state across objects', () => {
  const first = targets(6).map((t, i) => smb(T0 + i * 10 * S, t));
  const second = targets(4, 16).map((t, i) => smb(T0 + 60 * S + i * 10 * S, t));

  it('a fan-out split across two objects fires once, in either order, with the same alert id', async () => {
    const ids: string[] = [];
    for (const order of [[first, second], [second, first]]) {
      const store = new MemoryStateStore();
      const a = await runObject([fanout], store, 'data/1.gz', order[0]);
      expect(a.state.publish).toEqual([]);
      const b = await runObject([fanout], store, 'data/2.gz', order[1]);
      expect(b.state.publish).toHaveLength(1);
      expect(b.state.publish[0].aggregate!.count).toBe(10);
      ids.push(b.state.publish[0].alert_id);
    }
    expect(ids[0]).toBe(ids[1]);
  });

  it('redelivering an object never counts its events twice: count() stays right', async () => {
    const counting = ruleOf('count10', '#event_simpleName=NetworkConnectIP4 RemotePort=445 | groupBy([aid], function=count(as=n)) | n >= 10', { window: '5m' });
    const store = new MemoryStateStore();
    const six = targets(6).map((t, i) => smb(T0 + i * S, t));
    for (let i = 0; i < 3; i++) expect((await runObject([counting], store, 'data/six.gz', six)).state.publish).toEqual([]);
    const three = targets(3, 30).map((t, i) => smb(T0 + 10 * S + i * S, t));
    expect((await runObject([counting], store, 'data/three.gz', three)).state.publish).toEqual([]); // 9, not 21
    const one = [smb(T0 + 20 * S, '10.0.7.99')];
    const fired = (await runObject([counting], store, 'data/one.gz', one)).state.publish;
    expect(fired).toHaveLength(1);
    expect(fired[0].aggregate!.count).toBe(10);
    expect(fired[0].fields).toMatchObject({ n: '10' });
  });

  it('a redelivered firing object gives the same alert again (the dedupe table keeps it single), not a new one', async () => {
    const store = new MemoryStateStore();
    await runObject([fanout], store, 'data/1.gz', first);
    const fired = (await runObject([fanout], store, 'data/2.gz', second)).state.publish;
    const again = (await runObject([fanout], store, 'data/2.gz', second)).state.publish;
    expect(again.map((a) => a.alert_id)).toEqual(fired.map((a) => a.alert_id));
  });

  it('a group that fired stays quiet for the window; a new run after it fires again', async () => {
    const store = new MemoryStateStore();
    const burst = (at: number, from: number) => targets(10, from).map((t, i) => smb(at + i * S, t));
    const one = (await runObject([fanout], store, 'data/1.gz', burst(T0, 10))).state;
    expect(one.publish).toHaveLength(1);
    const quiet = (await runObject([fanout], store, 'data/2.gz', burst(T0 + 2 * M, 40))).state;
    expect(quiet.publish).toEqual([]);
    expect(quiet.quiet).toBe(1);
    const later = (await runObject([fanout], store, 'data/3.gz', burst(T0 + 6 * M, 70))).state;
    expect(later.publish).toHaveLength(1);
    expect(later.publish[0].alert_id).not.toBe(one.publish[0].alert_id);
  });

  it('concurrent objects of one group fire it exactly once', async () => {
    const store = new MemoryStateStore();
    const [a, b] = await Promise.all([runObject([fanout], store, 'data/1.gz', first), runObject([fanout], store, 'data/2.gz', second)]);
    const ids = new Set([...a.state.publish, ...b.state.publish].map((x) => x.alert_id));
    expect(ids.size).toBe(1);
  });

  it('values past the per-object budget are counted (aggregateCapped), not kept; under it nothing is capped', async () => {
    // The budget itself: a distinct count keeps what the budget allows and counts the rest.
    const spec = ruleOf('budget', 'groupBy([aid], function=count(RemoteAddressIP4, distinct=true, as=n))', { window: '10m' }).query.aggregate!;
    const p = emptyPartial(spec.functions);
    const budget = { left: 20, dropped: 0 };
    for (let i = 0; i < 50; i++) addEvent(p, spec.functions, { aid: 'a', RemoteAddressIP4: `10.0.0.${i % 30}` }, i, {}, budget);
    expect(outputs(spec.functions, p)).toMatchObject({ n: '20' });
    expect(budget).toEqual({ left: 0, dropped: 10 }); // 10 unseen values of the last 20 events found no room (repeats of kept ones did)
    // Through the pipeline and the stateful stage: an object whose events would keep more than MAX_VALUES values.
    const n = MAX_VALUES / 1000 + 300; // groups of 1,000 distinct targets each (the partial's own cap), one bucket
    const evs = Array.from({ length: n * 1000 }, (_, i) => smb(T0 + (i % 50), `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, { pid: String(10n ** 18n + BigInt(Math.floor(i / 1000))) }));
    const big = await runObject([fanout], new MemoryStateStore(), 'data/big.gz', evs);
    const kept = [...big.result.aggregates[0].groups.values()]
      .flatMap((g) => [...g.buckets.values()])
      .reduce((k, part) => k + part.f.reduce((m, f) => m + ('v' in f && Array.isArray(f.v) ? f.v.length : 'c' in f ? f.c.flat().length : 0), 0), 0);
    expect(kept).toBe(MAX_VALUES);
    // Every event past the budget had at least its target refused (collect() refusals are counted too).
    expect(big.state.aggregateCapped).toBeGreaterThanOrEqual(n * 1000 - Math.ceil(MAX_VALUES / 1050) * 1000);
    // replay's summary says so.
    let printed = '';
    const summary = new Summary({ write: (t: string) => ((printed += t), true) } as unknown as NodeJS.WritableStream);
    summary.addObject(big.result, big.state);
    summary.finish();
    expect(printed).toContain(`aggregate_capped=${big.state.aggregateCapped} `);
    const small = await runObject([fanout], new MemoryStateStore(), 'data/small.gz', evs.slice(0, 5000));
    expect(small.state.aggregateCapped).toBe(0);
    expect(small.state.publish).toHaveLength(1); // five groups fire on one host: one quiet group (per aid), one alert
  });

  it('events older than the allowed lateness are counted, not merged', async () => {
    const store = new MemoryStateStore();
    await runObject([fanout], store, 'data/new.gz', [smb(T0 + 60 * M, '10.0.9.1')]); // the rule has seen 10:00
    const old = targets(10).map((t, i) => smb(T0 + i * S, t)); // 09:00, an hour behind: lateness is the window (5m)
    const { state } = await runObject([fanout], store, 'data/old.gz', old);
    expect(state.lateEvents).toBe(10);
    expect(state.publish).toEqual([]);
    // Within the lateness they still count.
    const recent = targets(10, 50).map((t, i) => smb(T0 + 57 * M + i * S, t));
    const ok = await runObject([fanout], store, 'data/recent.gz', recent);
    expect(ok.state.lateEvents).toBe(0);
    expect(ok.state.publish).toHaveLength(1);
  });

  it('a host clock in the future does not make everyone else late', async () => {
    const store = new MemoryStateStore();
    const now = T0 + 10 * M;
    await runObject([fanout], store, 'data/future.gz', [smb(T0 + 365 * 24 * 60 * M, '10.0.9.1', { aid: 'f'.repeat(32) })], { now });
    const { state } = await runObject([fanout], store, 'data/a.gz', targets(10).map((t, i) => smb(T0 + 8 * M + i * S, t)), { now });
    expect(state.lateEvents).toBe(0);
    expect(state.publish).toHaveLength(1);
  });
});

describe('aggregate rules: a quiet group (per process and per host, one detection)', () => {
  const host = statefulRule('test-smb-fanout-host'); // 20 distinct targets per aid, same quiet group, same alert type
  const rules = [host, fanout];

  it('a burst that crosses both thresholds is one alert, the per-process one', async () => {
    const burst = targets(20).map((t, i) => smb(T0 + i * S, t));
    const { state } = await runObject(rules, new MemoryStateStore(), 'data/a.gz', burst);
    expect(state.publish.map((a) => a.rule_id)).toEqual(['test-smb-fanout']);
    expect(state.publish[0].fields).toMatchObject({ ContextProcessId: expect.any(String), targets: '20' });
    expect(state.quiet).toBe(1);
  });

  it('20 targets from many processes fire the per-host rule; a per-process burst on that host in the window stays quiet', async () => {
    const store = new MemoryStateStore();
    const spread = targets(20).map((t, i) => smb(T0 + i * S, t, { pid: String(500 + i) }));
    const first = (await runObject(rules, store, 'data/a.gz', spread)).state;
    expect(first.publish.map((a) => a.rule_id)).toEqual(['test-smb-fanout-host']);
    const burst = targets(10, 100).map((t, i) => smb(T0 + 60 * S + i * S, t));
    const second = (await runObject(rules, store, 'data/b.gz', burst)).state;
    expect(second.publish).toEqual([]);
    expect(second.quiet).toBeGreaterThan(0);
    // Another host is its own group.
    const other = targets(10, 100).map((t, i) => smb(T0 + 60 * S + i * S, t, { aid: 'e'.repeat(32) }));
    expect((await runObject(rules, store, 'data/c.gz', other)).state.publish.map((a) => a.rule_id)).toEqual(['test-smb-fanout']);
  });
});
