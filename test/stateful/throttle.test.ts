// Throttling (LogScale filter-alert semantics) through the pipeline and the stateful stage, state in memory: one
// published alert per (rule, alert type, throttle field values) per period; it composes with redelivery.
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../lambda/stores/state-memory';
import { alertSchemaErrors } from '../support/alert-schema';
import { psexec, runObject, statefulRule, T0 } from '../support/stateful';

const throttled = statefulRule('test-psexec-throttled'); // PsExecLaunch, throttle { fields: [aid], period: 1h }
const shadow = statefulRule('test-netuse-shadow');
const M = 60_000;
const OTHER = '6e1d1b2c3d4e5f6a7b8c9d0e1f2a3b4c';

describe('throttling', () => {
  const object = [psexec(T0 + 1 * M), psexec(T0 + 10 * M), psexec(T0 + 20 * M)];

  it('publishes the first alert of a key per period; the others say which alert holds the slot', async () => {
    const { state } = await runObject([throttled], new MemoryStateStore(), 'data/p.gz', object);
    expect(state.publish).toHaveLength(1);
    const holder = state.publish[0];
    expect(holder.throttle).toMatchObject({ fields: { aid: object[0].aid }, period: '1h', period_start: T0, period_end: T0 + 60 * M });
    expect(holder.throttled).toBeUndefined();
    expect(state.throttled).toHaveLength(2);
    for (const t of state.throttled) {
      expect(t.throttled).toEqual({ reason: 'throttled: one PsExecLaunch alert per aid per 1h', held_by: holder.alert_id });
      expect(t.throttle!.key).toBe(holder.throttle!.key);
      expect(alertSchemaErrors(t)).toEqual([]);
    }
    expect(alertSchemaErrors(holder)).toEqual([]);
  });

  it('three deliveries of one object: the same alert published each time (dedupe keeps it single), the same ones throttled', async () => {
    const store = new MemoryStateStore();
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push((await runObject([throttled], store, 'data/p.gz', object)).state);
    for (const r of runs) {
      expect(r.publish.map((a) => a.alert_id)).toEqual(runs[0].publish.map((a) => a.alert_id));
      expect(r.throttled.map((a) => a.alert_id)).toEqual(runs[0].throttled.map((a) => a.alert_id));
    }
  });

  it('across two objects: the second object’s alerts of the same key are throttled by the first’s', async () => {
    const store = new MemoryStateStore();
    const a = (await runObject([throttled], store, 'data/a.gz', [psexec(T0 + 5 * M)])).state;
    const b = (await runObject([throttled], store, 'data/b.gz', [psexec(T0 + 30 * M), psexec(T0 + 31 * M, { aid: OTHER })])).state;
    expect(b.throttled.map((x) => x.throttled!.held_by)).toEqual([a.publish[0].alert_id]);
    expect(b.publish.map((x) => x.aid)).toEqual([OTHER]); // another host: its own slot
    // The next period is a new slot.
    const c = (await runObject([throttled], store, 'data/c.gz', [psexec(T0 + 61 * M)])).state;
    expect(c.publish).toHaveLength(1);
  });

  it('a slot held by an alert whose publication failed stays its: the retry publishes that alert', async () => {
    const store = new MemoryStateStore();
    const a = [psexec(T0 + 5 * M)];
    const first = (await runObject([throttled], store, 'data/a.gz', a)).state; // say SNS failed
    const other = (await runObject([throttled], store, 'data/b.gz', [psexec(T0 + 6 * M)])).state;
    expect(other.publish).toEqual([]);
    const retry = (await runObject([throttled], store, 'data/a.gz', a)).state;
    expect(retry.publish.map((a) => a.alert_id)).toEqual(first.publish.map((a) => a.alert_id));
  });
});

describe('shadow rules', () => {
  const netUse = {
    event_simpleName: 'ProcessRollup2',
    aid: 'a'.repeat(32),
    timestamp: String(T0),
    ImageFileName: '\\Device\\HarddiskVolume3\\Windows\\System32\\net.exe',
    CommandLine: 'net use \\\\10.0.7.40\\C$',
    TargetProcessId: '77',
  };

  it('are evaluated and held back: alerts marked shadow, none to publish', async () => {
    const { state } = await runObject([shadow, throttled], new MemoryStateStore(), 'data/s.gz', [netUse, psexec(T0)]);
    expect(state.shadow.map((a) => [a.alert_type, a.shadow])).toEqual([['NetUseShadow', true]]);
    expect(state.publish.map((a) => a.alert_type)).toEqual(['PsExecLaunch']);
    expect(alertSchemaErrors(state.shadow[0])).toEqual([]);
  });
});
