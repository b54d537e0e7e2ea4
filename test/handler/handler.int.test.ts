// The Lambda handler end to end against the local servers: fauxqs (S3, SNS → SQS) and dynalite (dedupe, context).
import { readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse } from 'aws-lambda';
import { ContextTable } from '../support/context-table';
import { TtlLruCache } from '../../lambda/stores/context-dynamodb/cache';
import { S3ObjectSource } from '../../lambda/sources/s3';
import type { AlertRecord } from '../../lambda/alerts/types';
import type { AlertSink, ObjectRef, ObjectSource } from '../../lambda/ports';
import { createTable, drain, uniq } from '../support/aws';
import { harness as sharedHarness, lambdaContext, s3Body as sharedS3Body, sqsEvent, type HarnessOptions } from '../support/handler-harness';
import { alertSchemaErrors } from '../support/alert-schema';

const s3 = new S3Client({ forcePathStyle: true });
const FDR = new URL('../../events/fdr/data/', import.meta.url);
const BATCHES = readdirSync(FDR).sort(); // [A: 4 alerts, B: 3 alerts + 2 suppressed]
const gz = (uuid: string) => readFileSync(new URL(`${uuid}/part-00000.gz`, FDR));
const KEY_A = `data/${BATCHES[0]}/part-00000.gz`;
const KEY_B = `data/${BATCHES[1]}/part-00000.gz`;
const CONTEXT_FILE = JSON.parse(readFileSync(new URL('../../events/context.json', import.meta.url), 'utf8'));

let bucket: string;
let contextTable: string;

beforeAll(async () => {
  bucket = uniq('fdr');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const a = gz(BATCHES[0]);
  const b = gz(BATCHES[1]);
  const puts: [string, Uint8Array][] = [
    [KEY_A, a],
    [KEY_B, b],
    [`data/${BATCHES[0]}/_SUCCESS`, new Uint8Array()],
    ['data/corrupt/part-00000.gz', a.subarray(0, Math.floor(a.length * 0.6))],
    ['data/with space/part-00000.gz', b],
  ];
  for (const [Key, Body] of puts) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
  contextTable = uniq('ctx');
  await createTable(contextTable);
  await new ContextTable({ tableName: contextTable, cache: new TtlLruCache() }).putEntries(CONTEXT_FILE);
});

const s3Body = (key: string, size = 100) => sharedS3Body(bucket, key, size);
const harness = (o: Partial<HarnessOptions> = {}) => sharedHarness({ contextTable, ...o });

const bodies = async (queueUrl: string, expected?: number) => {
  const msgs = await drain(queueUrl, expected);
  return msgs.map((m) => ({ alert: JSON.parse(m.Body!) as AlertRecord, attrs: m.MessageAttributes ?? {} }));
};

describe('handler: SQS-wrapped S3 event', () => {
  it('publishes the batch alerts with body and message attributes', async () => {
    const h = await harness();
    const res = await h.handler(sqsEvent([s3Body(KEY_A, gz(BATCHES[0]).length)]), lambdaContext());
    expect(res).toEqual({ batchItemFailures: [] });
    const got = await bodies(h.queueUrl, 4);
    expect(got).toHaveLength(4);
    expect(got.map((g) => g.alert.alert_type).sort()).toEqual(['NetUseAdminShare', 'PsExecExecution', 'RemoteExecService', 'SMB445Connection']);
    const psexec = got.find((g) => g.alert.alert_type === 'PsExecExecution')!;
    expect(psexec.alert).toMatchObject({
      schema: 'fdr-detect.alert/v1',
      technique: 'T1021.002',
      tactic: 'lateral-movement',
      ComputerName: 'WKS-FIN07',
      UserName: 'CORP\\mallory',
      source: { bucket, key: KEY_A },
    });
    expect(psexec.alert.suppressed).toBeUndefined();
    // What a subscriber receives is a valid fdr-detect.alert/v1 record.
    for (const g of got) expect(alertSchemaErrors(g.alert)).toEqual([]);
    expect(psexec.attrs.alert_type?.StringValue).toBe('PsExecExecution');
    expect(psexec.attrs.rule_id?.StringValue).toBe(psexec.alert.rule_id);
    expect(psexec.attrs.severity?.StringValue).toBe(psexec.alert.severity);
    expect(psexec.attrs.technique?.StringValue).toBe('T1021.002');
    expect(psexec.attrs.ComputerName?.StringValue).toBe('WKS-FIN07');
    const m = h.metricCalls();
    expect(m).toMatchObject({ ObjectsProcessed: 1, Matches: 4, AlertsPublished: 4, AlertsSuppressed: 0, AlertsDeduplicated: 0 });
    expect(m.BytesRead).toBe(gz(BATCHES[0]).length);
    expect(m.EventsScanned).toBeGreaterThan(10);
    expect(m.ContextLookups).toBeGreaterThan(0);
    expect(m.ObjectErrors).toBeUndefined();
    const summary = h.logs('info').find((l) => l.msg === 'object summary')!;
    expect(summary.extra).toMatchObject({ matches: 4, alerts: 4, published: 4, deduplicated: 0 });
  });

  it('the same event three times (different SQS messages) publishes each alert once; suppressed never', async () => {
    const h = await harness();
    for (let i = 0; i < 3; i++) {
      const res = await h.handler(sqsEvent([s3Body(KEY_B)]), lambdaContext());
      expect(res).toEqual({ batchItemFailures: [] });
    }
    // and twice in one batch
    expect(await h.handler(sqsEvent([s3Body(KEY_B), s3Body(KEY_B)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    const got = await bodies(h.queueUrl);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((g) => g.alert.alert_id)).size).toBe(3);
    expect(got.every((g) => g.alert.suppressed === undefined)).toBe(true);
    const m = h.metricCalls();
    expect(m.AlertsPublished).toBe(3);
    expect(m.AlertsDeduplicated).toBe(12); // 5 reads × 3 alerts − 3 published
    expect(m.AlertsSuppressed).toBe(10); // 2 per object read, 5 reads
    expect(m.ContextCacheHits).toBeGreaterThan(0); // later reads hit the container cache
    const suppressed = h.logs('info').filter((l) => l.msg.startsWith('match suppressed'));
    expect(suppressed).toHaveLength(10);
    expect(suppressed[0].extra.reason).toBeTruthy();
    expect(suppressed[0].extra.entry).toBeTruthy();
  });

  it('missing object, corrupt gzip, s3:TestEvent and a good object: good alerts published, nothing retried', async () => {
    const h = await harness();
    const event = sqsEvent([
      s3Body('data/missing/part-00000.gz'),
      s3Body('data/corrupt/part-00000.gz'),
      { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: bucket },
      s3Body('data/with space/part-00000.gz'),
    ]);
    const res = await h.handler(event, lambdaContext());
    expect(res).toEqual({ batchItemFailures: [] });
    const got = await bodies(h.queueUrl);
    const fromGood = got.filter((g) => g.alert.source.key === 'data/with space/part-00000.gz');
    expect(fromGood).toHaveLength(3);
    // the corrupt copy's readable part may yield alerts too; never more than the whole batch has
    expect(got.filter((g) => g.alert.source.key === 'data/corrupt/part-00000.gz').length).toBeLessThanOrEqual(4);
    const m = h.metricCalls();
    expect(m.ObjectErrors).toBe(2);
    const errors = h.logs('error').map((l) => l.msg);
    expect(errors.filter((e) => e.startsWith('permanent read error'))).toHaveLength(2);
    expect(h.logs('info').some((l) => l.msg === 'S3 test event acknowledged')).toBe(true);
  });

  it('skips _SUCCESS, folder markers and 0-byte objects; acknowledges fdrv2/ and unrecognised messages', async () => {
    const h = await harness();
    const res = await h.handler(
      sqsEvent([
        s3Body(`data/${BATCHES[0]}/_SUCCESS`, 0),
        s3Body('data/folder/', 0),
        s3Body('data/x/part-00009.gz', 0),
        s3Body('fdrv2/aidmaster/part-00000.gz', 100),
        { hello: 'world' },
      ]),
      lambdaContext(),
    );
    expect(res).toEqual({ batchItemFailures: [] });
    expect(h.metricCalls().ObjectsProcessed).toBeUndefined();
    expect(h.logs('info').some((l) => l.msg.startsWith('FDR secondary data acknowledged'))).toBe(true);
    expect(h.logs('warn').some((l) => l.msg.startsWith('unrecognised message'))).toBe(true);
  });

  it('a transient read error fails only that record, publishes nothing for it; the retry publishes', async () => {
    let failNext = true;
    const h = await harness({
      wrap: (d) => ({
        ...d,
        source: {
          async open(ref: ObjectRef, signal?: AbortSignal) {
            const body = await new S3ObjectSource().open(ref, signal);
            if (!failNext || ref.key !== KEY_B) return body;
            failNext = false;
            return (async function* () {
              for await (const c of body) {
                yield c.subarray(0, Math.floor(c.length / 2));
                throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
              }
            })();
          },
        } satisfies ObjectSource,
      }),
    });
    const event = sqsEvent([s3Body(KEY_A), s3Body(KEY_B)]);
    const res = await h.handler(event, lambdaContext());
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1].messageId }] });
    let got = await bodies(h.queueUrl);
    expect(got.map((g) => g.alert.source.key)).toEqual([KEY_A, KEY_A, KEY_A, KEY_A]);
    expect(h.metricCalls().ObjectErrors).toBe(1);
    // SQS redelivers the failed record
    expect(await h.handler({ Records: [event.Records[1]] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    got = await bodies(h.queueUrl);
    expect(got).toHaveLength(3);
    expect(got.every((g) => g.alert.source.key === KEY_B)).toBe(true);
  });

  it('fails the record cleanly when the time budget is too short, before reading or publishing', async () => {
    const h = await harness({ env: { TIME_SAFETY_MARGIN_MS: '10000' } });
    const event = sqsEvent([s3Body(KEY_A)]);
    const res = await h.handler(event, lambdaContext(8_000));
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0].messageId }] });
    expect(await bodies(h.queueUrl)).toHaveLength(0);
    expect(h.logs('warn').some((l) => l.msg.startsWith('not enough time left'))).toBe(true);
  });

  it('aborts a read that outlives the budget and publishes nothing', async () => {
    const h = await harness({
      env: { TIME_SAFETY_MARGIN_MS: '1000' },
      wrap: (d) => ({
        ...d,
        source: {
          async open(_ref: ObjectRef, signal?: AbortSignal) {
            return (async function* () {
              const line = Buffer.from('{"event_simpleName":"DnsRequest","aid":"x"}\n');
              for (;;) {
                yield line;
                await new Promise((r) => setTimeout(r, 20));
                if (signal?.aborted) throw new Error('aborted');
              }
            })();
          },
        },
      }),
    });
    const event = sqsEvent([s3Body(KEY_A)]);
    const started = Date.now();
    const res = await h.handler(event, lambdaContext(1_500));
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0].messageId }] });
    expect(h.metricCalls().ObjectErrors).toBe(1);
  });

  it('a context outage still alerts (unsuppressed), says so in the alert and a metric', async () => {
    const h = await harness({ contextTable: uniq('no-such-table') });
    const res = await h.handler(sqsEvent([s3Body(KEY_B)]), lambdaContext());
    expect(res).toEqual({ batchItemFailures: [] });
    const got = await bodies(h.queueUrl);
    expect(got).toHaveLength(5);
    expect(got.every((g) => typeof g.alert.context.degraded === 'string' && g.alert.context.degraded.length > 0)).toBe(true);
    expect(h.metricCalls()).toMatchObject({ ContextDegraded: 1, AlertsSuppressed: 0, AlertsPublished: 5 });
  });

  it('a sink failure fails the record; the retry publishes each alert once', async () => {
    let broken = true;
    const h = await harness({
      wrap: (d) => ({
        ...d,
        sink: {
          async publish(alerts: AlertRecord[]) {
            if (broken) return { published: [], failed: alerts.map((a) => ({ alert_id: a.alert_id, error: 'Throttled' })) };
            return d.sink.publish(alerts);
          },
        } satisfies AlertSink,
      }),
    });
    const event = sqsEvent([s3Body(KEY_A)]);
    expect((await h.handler(event, lambdaContext())) as SQSBatchResponse).toMatchObject({ batchItemFailures: [{}] });
    broken = false;
    expect(await h.handler(event, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await h.handler(event, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await bodies(h.queueUrl)).toHaveLength(4);
  });
});

describe('handler: line accounting', () => {
  it('counts skipped lines by reason (LinesSkipped with a reason property)', async () => {
    const h = await harness();
    const text = gunzipSync(gz(BATCHES[0])).toString('utf8');
    // Bad lines that could match (they carry the rule's literals); others are never parsed, so never judged.
    const bad = `${text}{"event_simpleName":"ProcessRollup2","ImageFileName":"PsExec.exe", broken\n[{"event_simpleName":"ProcessRollup2","ImageFileName":"PsExec.exe"}]\n`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/bad-lines/part-00000.gz', Body: gzipSync(bad) }));
    expect(await h.handler(sqsEvent([s3Body('data/bad-lines/part-00000.gz')]), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await bodies(h.queueUrl, 4)).toHaveLength(4);
    expect(h.metricCalls().LinesSkipped).toBe(2);
    const summary = h.logs('info').find((l) => l.msg === 'object summary')!;
    expect(summary.extra.skipped).toMatchObject({ 'invalid-json': 1, 'not-object': 1 });
  });
});

describe('handler: other invocation shapes', () => {
  it('a direct S3 event invocation publishes', async () => {
    const h = await harness();
    expect(await h.handler(s3Body(KEY_A), lambdaContext())).toEqual({ status: 'ok' });
    expect(await bodies(h.queueUrl, 4)).toHaveLength(4);
  });

  it('a direct invocation throws when it must be retried', async () => {
    const h = await harness({ env: { TIME_SAFETY_MARGIN_MS: '100000' } });
    await expect(h.handler(s3Body(KEY_A), lambdaContext(5_000))).rejects.toThrow(/time budget/);
  });

  it('a CrowdStrike FDR notification (SQS) publishes every file, skipping _SUCCESS', async () => {
    const h = await harness();
    const note = {
      cid: '3f9a0c1d2e4b4a6f8c0d1e2f3a4b5c6d',
      timestamp: Date.now(),
      fileCount: 3,
      totalSize: 1,
      bucket,
      pathPrefix: `data/${BATCHES[1]}`,
      files: [
        { path: KEY_A, size: 10, checksum: 'x' },
        { path: `data/${BATCHES[0]}/_SUCCESS`, size: 0, checksum: 'y' },
        { path: 'part-00000.gz', size: 10, checksum: 'z' }, // a bare file name is relative to pathPrefix
      ],
    };
    expect(await h.handler(sqsEvent([note]), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await bodies(h.queueUrl, 7)).toHaveLength(7);
  });

  it('the bundled events/lambda samples are accepted', async () => {
    const h = await harness();
    for (const f of ['sqs-s3-notification.json', 'sqs-crowdstrike-fdr.json', 'sqs-s3-test-event.json']) {
      const ev = JSON.parse(readFileSync(new URL(`../../events/lambda/${f}`, import.meta.url), 'utf8'));
      // the sample bucket does not exist here: missing objects are permanent errors, acknowledged
      expect(await h.handler(ev, lambdaContext())).toEqual({ batchItemFailures: [] });
    }
    const direct = JSON.parse(readFileSync(new URL('../../events/lambda/s3-direct.json', import.meta.url), 'utf8'));
    expect(await h.handler(direct, lambdaContext())).toEqual({ status: 'ok' });
  });
});

describe('sample batches', () => {
  it('are gzip NDJSON (sanity)', () => {
    const text = gunzipSync(gz(BATCHES[0])).toString('utf8');
    expect(text.split('\n').filter(Boolean).length).toBeGreaterThan(5);
    expect(gzipSync(Buffer.from('x')).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });
});
