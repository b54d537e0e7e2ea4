// Stateful rules through the real handler against the local servers: the state table on dynalite shared by
// handler instances (separate containers), alerts read back from the subscriber queue.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertSink } from '../../lambda/ports';
import { alertSchemaErrors } from '../support/alert-schema';
import { createTable, uniq } from '../support/aws';
import { harness, lambdaContext, s3Body, sqsEvent } from '../support/handler-harness';
import { psexec, smb, STATEFUL_PACK, T0, targets } from '../support/stateful';

const s3 = new S3Client({ forcePathStyle: true });
const M = 60_000;
let bucket: string;
let contextTable: string;

const ndjson = (events: object[]) => gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
async function put(key: string, events: object[]): Promise<number> {
  const Body = ndjson(events);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body }));
  return Body.length;
}

beforeAll(async () => {
  bucket = uniq('fdr-state');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  contextTable = uniq('ctx');
  await createTable(contextTable);
});

/** Handler instances sharing one state table and one dedupe table (as Lambda containers share the stack's). */
async function instances(n: number, wrapSink?: (s: AlertSink) => AlertSink) {
  const state = uniq('state');
  const dedupe = uniq('dedupe');
  await createTable(state);
  await createTable(dedupe);
  const env = { RULE_PACKS: STATEFUL_PACK, STATE_TABLE_NAME: state, DEDUPE_TABLE_NAME: dedupe };
  return Promise.all(Array.from({ length: n }, () => harness({ contextTable, env, wrap: wrapSink ? (d) => ({ ...d, sink: wrapSink(d.sink) }) : undefined })));
}

describe('handler: aggregate rules', () => {
  it('a fan-out split across two objects and two handler instances fires once; redelivery never pages again', async () => {
    const [h1, h2] = await instances(2);
    const a = await put('data/fan/a.gz', targets(6).map((t, i) => smb(T0 + i * 5000, t)));
    const b = await put('data/fan/b.gz', targets(4, 16).map((t, i) => smb(T0 + 60_000 + i * 5000, t)));
    expect(await h1.handler(sqsEvent([s3Body(bucket, 'data/fan/a.gz', a)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await h1.alerts()).toEqual([]);
    expect(await h2.handler(sqsEvent([s3Body(bucket, 'data/fan/b.gz', b)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    const got = await h2.alerts(1);
    expect(got).toHaveLength(1);
    const alert = got[0].alert;
    expect(alert).toMatchObject({ alert_type: 'SmbFanOut', rule_id: 'test-smb-fanout', aggregate: { count: 10, values: { targets: '10' } } });
    expect(got[0].attrs.rule_id?.StringValue).toBe('test-smb-fanout');
    expect(alertSchemaErrors(alert)).toEqual([]);
    expect(h2.metricCalls()).toMatchObject({ AggregateFirings: 1, AlertsPublished: 1 });
    // The state table is read and written per object, not per event.
    expect(h2.metricCalls().StateRequests).toBeGreaterThan(0);
    expect(h2.metricCalls().StateRequests).toBeLessThanOrEqual(8);

    // Both objects delivered again, to either instance: nothing new reaches the subscriber.
    await h1.handler(sqsEvent([s3Body(bucket, 'data/fan/b.gz', b)]), lambdaContext());
    await h2.handler(sqsEvent([s3Body(bucket, 'data/fan/a.gz', a)]), lambdaContext());
    expect([...(await h1.alerts()), ...(await h2.alerts())]).toEqual([]);
  });

  it('late events are counted (LateEvents), not merged', async () => {
    const [h] = await instances(1);
    const now = await put('data/late/now.gz', [smb(T0 + 60 * M, '10.0.9.1')]);
    const old = await put('data/late/old.gz', targets(10).map((t, i) => smb(T0 + i * 1000, t)));
    await h.handler(sqsEvent([s3Body(bucket, 'data/late/now.gz', now)]), lambdaContext());
    await h.handler(sqsEvent([s3Body(bucket, 'data/late/old.gz', old)]), lambdaContext());
    expect(h.metricCalls().LateEvents).toBe(20); // 10 events, late for each of the pack's two aggregate rules
    expect(await h.alerts()).toEqual([]);
  });
});

describe('handler: throttles and shadow rules', () => {
  it('three deliveries of one object publish one alert; the others are throttled each time', async () => {
    const [h] = await instances(1);
    const size = await put('data/thr/p.gz', [psexec(T0), psexec(T0 + M), psexec(T0 + 2 * M)]);
    for (let i = 0; i < 3; i++) {
      expect(await h.handler(sqsEvent([s3Body(bucket, 'data/thr/p.gz', size)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    }
    const got = await h.alerts(1);
    expect(got.map((g) => g.alert.alert_type)).toEqual(['PsExecLaunch']);
    expect(got[0].alert.throttle).toMatchObject({ period: '1h', fields: { aid: expect.any(String) } });
    expect(h.metricCalls()).toMatchObject({ AlertsThrottled: 6, AlertsPublished: 1, AlertsDeduplicated: 2 });
  });

  it('a failed publication keeps its slot: another object in the meantime is throttled, the retry publishes the first', async () => {
    let fail = true;
    const [h] = await instances(1, (sink) => ({
      publish: async (alerts) => (fail ? { published: [], failed: alerts.map((a) => ({ alert_id: a.alert_id, error: 'SNS down' })) } : sink.publish(alerts)),
    }));
    const x = await put('data/thr/x.gz', [psexec(T0 + 5 * M)]);
    const y = await put('data/thr/y.gz', [psexec(T0 + 6 * M)]);
    const first = await h.handler(sqsEvent([s3Body(bucket, 'data/thr/x.gz', x)]), lambdaContext());
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    fail = false;
    await h.handler(sqsEvent([s3Body(bucket, 'data/thr/y.gz', y)]), lambdaContext());
    expect(await h.alerts()).toEqual([]); // y is throttled by x's alert, which is still to be published
    await h.handler(sqsEvent([s3Body(bucket, 'data/thr/x.gz', x)]), lambdaContext()); // SQS redelivers x
    const got = await h.alerts(1);
    expect(got.map((g) => g.alert.source.key)).toEqual(['data/thr/x.gz']);
  });

  it('shadow rules are evaluated and counted (AlertsShadow), never published', async () => {
    const [h] = await instances(1);
    const size = await put('data/shadow/s.gz', [
      { event_simpleName: 'ProcessRollup2', aid: 'a'.repeat(32), timestamp: String(T0), ImageFileName: '\\Device\\HarddiskVolume3\\Windows\\System32\\net.exe', CommandLine: 'net use \\\\10.0.7.40\\C$', TargetProcessId: '7' },
    ]);
    await h.handler(sqsEvent([s3Body(bucket, 'data/shadow/s.gz', size)]), lambdaContext());
    expect(await h.alerts()).toEqual([]);
    expect(h.metricCalls().AlertsShadow).toBe(1);
    expect(h.logs('info').some((l) => l.msg === 'shadow rule alert (not published)' && l.extra.alert_type === 'NetUseShadow')).toBe(true);
  });

  it('refuses to start without a state table when a rule is stateful', async () => {
    const { buildDeps } = await import('../../lambda/handler');
    const { readConfig } = await import('../../lambda/handler/config');
    const config = readConfig({ ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:t', DEDUPE_TABLE_NAME: 'd', RULE_PACKS: STATEFUL_PACK });
    expect(() => buildDeps(config)).toThrow(/STATE_TABLE_NAME is not set, but these rules throttle or aggregate: test-psexec-throttled, test-smb-fanout-host, test-smb-fanout/);
  });
});
