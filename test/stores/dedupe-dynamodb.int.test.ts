// DynamoDedupeStore + deliverAlerts against dynalite.
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDedupeStore, dedupeKey } from '../../lambda/stores/dedupe-dynamodb';
import { deliverAlerts } from '../../lambda/alerts/deliver';
import { documentClient } from '../../lambda/aws/clients';
import type { AlertRecord } from '../../lambda/alerts/types';
import type { AlertSink, PublishResult } from '../../lambda/ports';
import { makeAlert } from '../support/alert-fixtures';
import { createTable, uniq } from '../support/aws';

class MemorySink implements AlertSink {
  published: string[] = [];
  failNext = new Set<string>();
  async publish(alerts: AlertRecord[]): Promise<PublishResult> {
    const res: PublishResult = { published: [], failed: [] };
    for (const a of alerts) {
      if (this.failNext.delete(a.alert_id)) res.failed.push({ alert_id: a.alert_id, error: 'InternalError' });
      else {
        this.published.push(a.alert_id);
        res.published.push(a.alert_id);
      }
    }
    return res;
  }
}

let table: string;
const doc = () => documentClient(new DynamoDBClient({}));

beforeAll(async () => {
  table = uniq('dedupe');
  await createTable(table);
});

describe('DynamoDedupeStore', () => {
  it('claim/confirm/duplicate/release and the item layout', async () => {
    const store = new DynamoDedupeStore({ tableName: table, client: doc() });
    const id = uniq('a');
    expect(await store.claim([id, id])).toEqual({ fresh: [id], duplicate: [], busy: [] });
    const pending = (await doc().send(new GetCommand({ TableName: table, Key: dedupeKey(id) }))).Item!;
    expect(pending).toMatchObject({ pk: `ALERT#${id}`, sk: 'ALERT', state: 'pending' });
    expect(pending.leaseUntil).toBeGreaterThan(Date.now());
    expect(pending.expiresAt).toBeGreaterThan(Date.now() / 1000 + 6 * 86400);
    expect(await store.claim([id])).toEqual({ fresh: [], duplicate: [], busy: [id] });
    await store.confirm([id]);
    const item = (await doc().send(new GetCommand({ TableName: table, Key: dedupeKey(id) }))).Item!;
    expect(item.state).toBe('published');
    expect(item.leaseUntil).toBeUndefined();
    expect(await store.claim([id])).toEqual({ fresh: [], duplicate: [id], busy: [] });
    await store.release([id]); // not pending: nothing happens
    expect(await store.claim([id])).toEqual({ fresh: [], duplicate: [id], busy: [] });

    const other = uniq('b');
    await store.claim([other]);
    await store.release([other]);
    expect(await store.claim([other])).toEqual({ fresh: [other], duplicate: [], busy: [] });
  });

  it('an expired published item (TTL not yet swept) alerts again', async () => {
    let now = Date.now();
    const store = new DynamoDedupeStore({ tableName: table, client: doc(), windowSeconds: 60, now: () => now });
    const id = uniq('ttl');
    await store.claim([id]);
    await store.confirm([id]);
    now += 61_000;
    expect((await store.claim([id])).fresh).toEqual([id]);
  });
});

describe('deliverAlerts (dynalite + memory sink)', () => {
  it('the same alerts delivered 3× are published once', async () => {
    const store = new DynamoDedupeStore({ tableName: table, client: doc() });
    const sink = new MemorySink();
    const alerts = Array.from({ length: 25 }, () => makeAlert({ alert_id: uniq('x') }));
    const r1 = await deliverAlerts(alerts, { dedupe: store, sink });
    const r2 = await deliverAlerts(alerts, { dedupe: store, sink });
    const r3 = await deliverAlerts([...alerts].reverse(), { dedupe: store, sink });
    expect(r1.published).toHaveLength(25);
    expect(r2).toMatchObject({ published: [], busy: [], failed: [] });
    expect(r2.deduplicated).toHaveLength(25);
    expect(r3.deduplicated).toHaveLength(25);
    expect(sink.published.sort()).toEqual(alerts.map((a) => a.alert_id).sort());
  });

  it('concurrent deliveries of the same alerts publish each once (the others see busy or duplicate)', async () => {
    const store = new DynamoDedupeStore({ tableName: table, client: doc() });
    const sink = new MemorySink();
    const alerts = Array.from({ length: 10 }, () => makeAlert({ alert_id: uniq('c') }));
    const results = await Promise.all([1, 2, 3].map(() => deliverAlerts(alerts, { dedupe: store, sink })));
    expect(sink.published.sort()).toEqual(alerts.map((a) => a.alert_id).sort());
    expect(results.reduce((n, r) => n + r.published.length, 0)).toBe(10);
  });

  it('a crash after the claim (no publish, no confirm) is retried after the lease and publishes', async () => {
    let now = Date.now();
    const store = new DynamoDedupeStore({ tableName: table, client: doc(), leaseMs: 30_000, now: () => now });
    const sink = new MemorySink();
    const alert = makeAlert({ alert_id: uniq('crash') });
    await store.claim([alert.alert_id]); // the crashed attempt
    const during = await deliverAlerts([alert], { dedupe: store, sink });
    expect(during.busy).toEqual([alert.alert_id]);
    expect(sink.published).toEqual([]);
    now += 31_000;
    const after = await deliverAlerts([alert], { dedupe: store, sink });
    expect(after.published).toEqual([alert.alert_id]);
    expect(sink.published).toEqual([alert.alert_id]);
    expect((await deliverAlerts([alert], { dedupe: store, sink })).deduplicated).toEqual([alert.alert_id]);
  });

  it('a crash after publish but before confirm republishes after the lease (documented at-least-once window)', async () => {
    let now = Date.now();
    const store = new DynamoDedupeStore({ tableName: table, client: doc(), leaseMs: 30_000, now: () => now });
    const sink = new MemorySink();
    const alert = makeAlert({ alert_id: uniq('window') });
    await store.claim([alert.alert_id]);
    await sink.publish([alert]); // crash before confirm
    now += 31_000;
    await deliverAlerts([alert], { dedupe: store, sink });
    expect(sink.published).toEqual([alert.alert_id, alert.alert_id]);
  });

  it('sink failures are released and published by the retry', async () => {
    const store = new DynamoDedupeStore({ tableName: table, client: doc() });
    const sink = new MemorySink();
    const alerts = [makeAlert({ alert_id: uniq('ok') }), makeAlert({ alert_id: uniq('fail') })];
    sink.failNext.add(alerts[1].alert_id);
    const r1 = await deliverAlerts(alerts, { dedupe: store, sink });
    expect(r1.published).toEqual([alerts[0].alert_id]);
    expect(r1.failed.map((f) => f.alert_id)).toEqual([alerts[1].alert_id]);
    const r2 = await deliverAlerts(alerts, { dedupe: store, sink });
    expect(r2.published).toEqual([alerts[1].alert_id]);
    expect(r2.deduplicated).toEqual([alerts[0].alert_id]);
  });

  it('a dedupe outage publishes nothing and fails every alert', async () => {
    const dead = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const store = new DynamoDedupeStore({ tableName: table, client: dead });
    const sink = new MemorySink();
    const r = await deliverAlerts([makeAlert({ alert_id: uniq('o') })], { dedupe: store, sink });
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0].error).toMatch(/dedupe claim/);
    expect(sink.published).toEqual([]);
  });
});
