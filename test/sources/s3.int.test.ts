// S3ObjectSource against fauxqs, and its error table (the one answer to "may a retry succeed?" for S3).
import { beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SourceError } from '../../lambda/ports';
import { S3ObjectSource, classifyS3Error } from '../../lambda/sources/s3';
import { uniq } from '../support/aws';

const s3 = new S3Client({ forcePathStyle: true });
let bucket: string;

beforeAll(async () => {
  bucket = uniq('src');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

async function readAll(it: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

describe('S3ObjectSource', () => {
  it('streams an object in chunks', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 0x61);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/x/part-00000.gz', Body: body }));
    const src = new S3ObjectSource(s3);
    const { bytes, chunks } = await readAll(await src.open({ bucket, key: 'data/x/part-00000.gz' }));
    expect(bytes.equals(body)).toBe(true);
    expect(chunks).toBeGreaterThan(1);
  });

  it('a missing key is a permanent SourceError (not-found) that keeps the S3 error as its cause', async () => {
    const src = new S3ObjectSource(s3);
    const err = await src.open({ bucket, key: 'nope' }).catch((e) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ transient: false, code: 'not-found' });
    expect((err.cause as Error).name).toBe('NoSuchKey');
  });

  it('no bucket is a permanent invalid request', async () => {
    const err = await new S3ObjectSource(s3).open({ bucket: null, key: 'x' }).catch((e) => e);
    expect(err).toMatchObject({ transient: false, code: 'invalid-request' });
  });

  it('an aborted read stops with a transient SourceError', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: Buffer.alloc(4 * 1024 * 1024, 1) }));
    const ac = new AbortController();
    const it = await new S3ObjectSource(s3).open({ bucket, key: 'big' }, ac.signal);
    ac.abort();
    const err = await readAll(it).catch((e) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err.transient).toBe(true);
  });
});

describe('classifyS3Error', () => {
  const err = (name: string, status?: number, extra: object = {}) =>
    Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}), ...extra });
  it.each([
    // permanent: a retry cannot help
    [err('NoSuchKey', 404), false, 'not-found'],
    [err('NotFound', 404), false, 'not-found'],
    [err('NoSuchBucket', 404), false, 'not-found'],
    [err('AccessDenied', 403), false, 'access-denied'],
    [err('InvalidObjectState', 403), false, 'archived'],
    [err('KMS.AccessDeniedException', 400), false, 'kms-denied'],
    [err('KMS.DisabledException', 400), false, 'kms-denied'],
    [err('Error', 400, { Code: 'AccessDenied' }), false, 'access-denied'],
    [err('PermanentRedirect', 301), false, 'invalid-request'],
    // transient: throttling, timeouts (S3's RequestTimeout comes with HTTP 400), 5xx, the network
    [err('SlowDown', 503), true, 'throttled'],
    [err('ThrottlingException', 400), true, 'throttled'],
    [err('TooManyRequestsException', 429), true, 'throttled'],
    [err('RequestTimeout', 400), true, 'timeout'],
    [err('TimeoutError'), true, 'timeout'],
    [err('InternalError', 500), true, 'server-error'],
    [err('ServiceUnavailable', 503), true, 'server-error'],
    [err('Error', undefined, { code: 'ECONNRESET' }), true, 'network'],
    [err('TimeoutError', undefined, { code: 'ECONNRESET' }), true, 'network'], // how the SDK reports a reset socket
    [Object.assign(new Error('socket hang up'), { cause: { code: 'ECONNRESET' } }), true, 'network'],
    [err('AbortError'), true, 'aborted'],
    // unknown: transient (SQS retries, the DLQ catches what never succeeds)
    [err('SomethingElse', 400), true, 'unknown'],
    [new TypeError('boom'), true, 'unknown'],
    ['a string', true, 'unknown'],
  ])('%s → transient %s (%s)', (e, transient, code) => {
    expect(classifyS3Error(e)).toEqual({ transient, code });
  });
});
