// Every class of read failure, driven through the real handler against fauxqs and dynalite behind a fault-injecting
// proxy, and the record's fate: retried (SQS redelivers it; nothing published for the object) or acknowledged
// (retrying cannot help; counted in ObjectErrors with the reason). A transient error never acknowledges a record
// whose detections were not produced: once the fault is gone, the same record publishes them.
import { readFileSync, readdirSync } from 'node:fs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { newDynamoClient, newS3Client } from '../../lambda/aws/clients';
import { S3ObjectSource } from '../../lambda/sources/s3';
import { DynamoContextStore } from '../../lambda/stores/context-dynamodb/lookup';
import { DynamoDedupeStore } from '../../lambda/stores/dedupe-dynamodb';
import { createTable, uniq } from '../support/aws';
import { ContextTable } from '../support/context-table';
import { startFaultProxy, type FaultAction, type FaultProxy } from '../support/fault-proxy';
import { harness, lambdaContext, s3Body, sqsEvent } from '../support/handler-harness';

const FDR = new URL('../../events/fdr/data/', import.meta.url);
const BATCH = readdirSync(FDR).sort()[0]; // 3 alerts, none suppressed
const OBJECT = readFileSync(new URL(`${BATCH}/part-00000.gz`, FDR));
const CONTEXT_FILE = JSON.parse(readFileSync(new URL('../../events/context.json', import.meta.url), 'utf8'));

let bucket: string;
let contextTable: string;
let s3proxy: FaultProxy;
let ddbproxy: FaultProxy;

beforeAll(async () => {
  bucket = uniq('faults');
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/good/part-00000.gz', Body: OBJECT }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/zstd/part-00000.gz', Body: Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), gzipSync('x')]) }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'fdrv2/aidmaster/part-00000.gz', Body: gzipSync('{"aid":"a1","ComputerName":"H1","Time":"1795000000"}\n') }));
  contextTable = uniq('ctx');
  await createTable(contextTable);
  await new ContextTable({ tableName: contextTable }).putEntries(CONTEXT_FILE);
  s3proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_S3!);
  ddbproxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
});
afterAll(async () => {
  await s3proxy?.stop();
  await ddbproxy?.stop();
});

/** The handler reading S3 through the proxy with the production client settings (timeouts, SDK retries). */
const viaProxy = () =>
  harness({ contextTable, wrap: (d) => ({ ...d, source: new S3ObjectSource(newS3Client({ endpoint: s3proxy.url })) }) });

const onKey = (key: string, action: FaultAction, times?: number) => ({ match: (r: { url: string }) => r.url.includes(key), action, times });

describe('S3 read failures through the real handler', () => {
  const KEY = 'data/good/part-00000.gz';
  it.each([
    ['NoSuchKey', { error: { status: 404, code: 'NoSuchKey' } }, 'not-found'],
    ['AccessDenied', { error: { status: 403, code: 'AccessDenied' } }, 'access-denied'],
    ['AccessDenied by KMS', { error: { status: 403, code: 'AccessDenied', message: 'not authorized to perform: kms:Decrypt' } }, 'access-denied'],
    ['KMS.DisabledException', { error: { status: 400, code: 'KMS.DisabledException' } }, 'kms-denied'],
    ['InvalidObjectState (archived)', { error: { status: 403, code: 'InvalidObjectState' } }, 'archived'],
  ] as const)('%s: permanent — acknowledged, counted, not retried', async (_name, action, reason) => {
    s3proxy.rules = [onKey(KEY, action)];
    const h = await viaProxy();
    const res = await h.handler(sqsEvent([s3Body(bucket, KEY)]), lambdaContext());
    expect(res).toEqual({ batchItemFailures: [] });
    expect(h.metric('ObjectErrors')).toEqual([['ObjectErrors', 1, expect.objectContaining({ kind: 'permanent', reason })]]);
    expect(await h.alerts()).toHaveLength(0);
  });

  it.each([
    ['SlowDown (503)', { error: { status: 503, code: 'SlowDown' } }, 'throttled'],
    ['ThrottlingException (400)', { error: { status: 400, code: 'ThrottlingException' } }, 'throttled'],
    ['RequestTimeout (400)', { error: { status: 400, code: 'RequestTimeout' } }, 'timeout'],
    ['InternalError (500)', { error: { status: 500, code: 'InternalError' } }, 'server-error'],
    ['an unknown 4xx', { error: { status: 400, code: 'SomethingNewFromS3' } }, 'unknown'],
    ['a connection reset', { reset: true }, 'network'],
    ['a reset in the middle of the body', { resetAfterBytes: 1500 }, 'network'],
  ] as const)('%s: transient — the record is retried with nothing published; without the fault it publishes', async (_name, action, reason) => {
    s3proxy.rules = [onKey(KEY, action as FaultAction)];
    const h = await viaProxy();
    const event = sqsEvent([s3Body(bucket, KEY)]);
    const res = await h.handler(event, lambdaContext());
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    const err = h.metric('ObjectErrors');
    expect(err).toHaveLength(1);
    expect(err[0][2]).toMatchObject({ kind: 'transient' });
    if (!('resetAfterBytes' in action)) expect(err[0][2]).toMatchObject({ reason });
    expect(await h.alerts()).toHaveLength(0);
    s3proxy.rules = [];
    expect(await h.handler(event, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect((await h.alerts(4)).map((a) => a.alert.alert_type).sort()).toEqual(['NetUseAdminShare', 'PsExecExecution', 'RemoteExecService', 'SMB445Connection']);
  });

  it('an unsupported format (zstd) is permanent: acknowledged, counted with its reason, nothing read as events', async () => {
    s3proxy.rules = [];
    const h = await viaProxy();
    const res = await h.handler(sqsEvent([s3Body(bucket, 'data/zstd/part-00000.gz')]), lambdaContext());
    expect(res).toEqual({ batchItemFailures: [] });
    expect(h.metric('ObjectErrors')).toEqual([['ObjectErrors', 1, expect.objectContaining({ kind: 'permanent', reason: 'unsupported-format' })]]);
    expect(h.metricCalls().LinesSkipped ?? 0).toBe(0);
  });

  it('the context sync reads the same table: throttling retries the fdrv2 record, a missing object does not', async () => {
    const KEY2 = 'fdrv2/aidmaster/part-00000.gz';
    s3proxy.rules = [onKey(KEY2, { error: { status: 503, code: 'SlowDown' } })];
    const h = await viaProxy();
    expect(await h.handler(sqsEvent([s3Body(bucket, KEY2)]), lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(h.metric('ContextSyncErrors')[0][2]).toMatchObject({ kind: 'transient-open', reason: 'throttled' });
    s3proxy.rules = [onKey(KEY2, { error: { status: 404, code: 'NoSuchKey' } })];
    const h2 = await viaProxy();
    expect(await h2.handler(sqsEvent([s3Body(bucket, KEY2)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(h2.metric('ContextSyncErrors')[0][2]).toMatchObject({ kind: 'permanent-open', reason: 'not-found' });
  });
});

describe('a dependency that accepts connections and never answers', () => {
  const BATCH_GET = (r: { target?: string }) => r.target === 'DynamoDB_20120810.BatchGetItem';

  it('a black-holed context table degrades within the lookup time limit: alerts go out unsuppressed, marked degraded', async () => {
    ddbproxy.rules = [{ match: BATCH_GET, action: { blackHole: true } }];
    const h = await harness({
      contextTable,
      wrap: (d) => ({ ...d, context: new DynamoContextStore({ tableName: contextTable, client: newDynamoClient({ endpoint: ddbproxy.url }), cache: null }) }),
    });
    const started = Date.now();
    const res = await h.handler(sqsEvent([s3Body(bucket, 'data/good/part-00000.gz')]), lambdaContext());
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(res).toEqual({ batchItemFailures: [] });
    const got = await h.alerts(4);
    expect(got).toHaveLength(4);
    for (const g of got) expect(g.alert.context.degraded).toMatch(/context store unavailable: no answer within 5000 ms/);
    expect(h.metricCalls().ContextDegraded).toBe(1);
  });

  it('a black-holed dedupe table fails the record within the client timeouts (nothing published, retried)', async () => {
    ddbproxy.rules = [{ match: (r) => r.target === 'DynamoDB_20120810.PutItem', action: { blackHole: true } }];
    const h = await harness({
      contextTable,
      wrap: (d) => ({ ...d, dedupe: new DynamoDedupeStore({ tableName: uniq('dd-blackhole'), client: newDynamoClient({ endpoint: ddbproxy.url }) }) }),
    });
    const started = Date.now();
    const res = await h.handler(sqsEvent([s3Body(bucket, 'data/good/part-00000.gz')]), lambdaContext(120_000));
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(h.metricCalls().AlertsFailed).toBe(4);
    expect(await h.alerts()).toHaveLength(0);
  }, 90_000);
});
