// S3ObjectSource against fauxqs, and the error classification.
import { beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectSource, isTransient, readErrorKind } from '../../lambda/sources/s3';
import { uniq } from './helpers';

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

  it('a missing key is a permanent NoSuchKey', async () => {
    const src = new S3ObjectSource(s3);
    const err = await src.open({ bucket, key: 'nope' }).catch((e) => e);
    expect(err.name).toBe('NoSuchKey');
    expect(isTransient(err)).toBe(false);
  });

  it('an aborted read stops', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: Buffer.alloc(4 * 1024 * 1024, 1) }));
    const ac = new AbortController();
    const it = await new S3ObjectSource(s3).open({ bucket, key: 'big' }, ac.signal);
    ac.abort();
    await expect(readAll(it)).rejects.toThrow();
  });
});

describe('isTransient', () => {
  const err = (name: string, status?: number, extra: object = {}) =>
    Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}), ...extra });
  it.each([
    [err('NoSuchKey', 404), false],
    [err('AccessDenied', 403), false],
    [err('NoSuchBucket', 404), false],
    [err('InvalidObjectState', 403), false],
    [err('SomethingElse', 400), false],
    [err('SlowDown', 503), true],
    [err('InternalError', 500), true],
    [err('ServiceUnavailable', 503), true],
    [err('ThrottlingException', 400), true],
    [err('Error', undefined, { code: 'ECONNRESET' }), true],
    [err('TimeoutError'), true],
    [Object.assign(new Error('socket hang up'), { cause: { code: 'ECONNRESET' } }), true],
  ])('%s → %s', (e, transient) => {
    expect(isTransient(e)).toBe(transient);
    expect(readErrorKind(e)).toBe(transient ? 'transient' : 'permanent');
  });
});
