/**
 * The S3 adapter of the ObjectSource port: GetObject, body streamed as it arrives (never buffered whole).
 *
 * Error classes for the handler (the pipeline applies the same split to `open` errors):
 * - permanent — retrying cannot help: NoSuchKey, NoSuchBucket, AccessDenied (S3 answers 403 for a missing key
 *   when the reader may not list the bucket), InvalidObjectState (archived), other 4xx;
 * - transient — retry: throttling (SlowDown, 503), 5xx, timeouts, connection resets (also mid-stream).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectRef, ObjectSource } from '../ports';
import { s3Client } from '../aws/clients';
import { isTransientError } from '../aws/retry';

const PERMANENT_NAMES = new Set([
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
  'AccessDenied',
  'InvalidObjectState',
  'InvalidBucketName',
  'InvalidArgument',
  'PermanentRedirect',
]);

/** True when reading the object again may succeed (throttling, 5xx, network); false for permanent errors. */
export function isTransient(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || typeof e !== 'object') return false;
  if ((e.name && PERMANENT_NAMES.has(e.name)) || (e.Code && PERMANENT_NAMES.has(e.Code))) return false;
  if (isTransientError(err)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return false;
  // Unknown errors without an HTTP status (sockets, aborted streams) are treated as transient: a retry is cheap,
  // the SQS redrive policy bounds it, and losing a batch is not.
  return status === undefined && !(err instanceof TypeError) && !(err instanceof SyntaxError);
}

export function readErrorKind(err: unknown): 'transient' | 'permanent' {
  return isTransient(err) ? 'transient' : 'permanent';
}

export class S3ObjectSource implements ObjectSource {
  constructor(private readonly client: S3Client = s3Client()) {}

  async open(ref: ObjectRef, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    if (!ref.bucket) throw Object.assign(new Error(`no bucket for ${ref.key}`), { name: 'InvalidArgument' });
    const res = await this.client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), {
      abortSignal: signal,
    });
    const body = res.Body as unknown as (AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void }) | undefined;
    if (!body) return (async function* () {})();
    if (signal) {
      const onAbort = (): void => body.destroy?.(Object.assign(new Error('aborted: time budget exhausted'), { name: 'AbortError' }));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    return body;
  }
}
