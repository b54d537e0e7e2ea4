/**
 * The S3 adapter of the ObjectSource port: GetObject, body streamed as it arrives (never buffered whole).
 *
 * It owns the answer to "may reading this object succeed on a retry?" for S3, as one table (`classifyS3Error`),
 * applied to GetObject errors and to errors while the body streams; both are thrown as SourceError:
 * - permanent — retrying cannot help: the key, version or bucket does not exist, access is denied (also by KMS),
 *   the object is archived, the request is malformed (no bucket, wrong region);
 * - transient — everything else: throttling, RequestTimeout (S3 sends it with HTTP 400), 5xx, timeouts,
 *   connection resets, an aborted read, and any error the table does not know: SQS retries the record and its
 *   dead-letter queue catches what never succeeds, whereas calling an unknown error permanent would lose the
 *   object's detections.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../aws/clients';
import { SourceError, type ObjectRef, type ObjectSource } from '../ports';

/** IAM actions this adapter calls. */
export const S3_SOURCE_ACTIONS = ['s3:GetObject'] as const;

/** Error names (or `Code`s) after which a retry cannot succeed, with the reason reported for them. */
const PERMANENT: Readonly<Record<string, string>> = {
  NoSuchKey: 'not-found',
  NotFound: 'not-found',
  NoSuchVersion: 'not-found',
  NoSuchBucket: 'not-found',
  AccessDenied: 'access-denied',
  AllAccessDisabled: 'access-denied',
  AccountProblem: 'access-denied',
  InvalidObjectState: 'archived',
  'KMS.AccessDeniedException': 'kms-denied',
  'KMS.DisabledException': 'kms-denied',
  'KMS.KMSInvalidStateException': 'kms-denied',
  'KMS.NotFoundException': 'kms-denied',
  InvalidBucketName: 'invalid-request',
  InvalidArgument: 'invalid-request',
  PermanentRedirect: 'invalid-request',
  AuthorizationHeaderMalformed: 'invalid-request',
};

const THROTTLING = /throttl|slowdown|toomanyrequests|requestlimitexceeded|provisionedthroughput/i;
const TIMEOUT = /timeout|timedout/i;
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface ErrorLike {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** The S3 error table: transient or not, and a short reason. Unknown errors are transient. */
export function classifyS3Error(err: unknown): { transient: boolean; code: string } {
  const e = (err && typeof err === 'object' ? err : {}) as ErrorLike;
  for (const name of [e.name, e.Code]) {
    if (name && PERMANENT[name]) return { transient: false, code: PERMANENT[name] };
  }
  const status = e.$metadata?.httpStatusCode;
  const name = `${e.name ?? ''} ${e.Code ?? ''}`;
  if (THROTTLING.test(name) || status === 429) return { transient: true, code: 'throttled' };
  // The SDK reports a reset socket as a TimeoutError with code ECONNRESET: the code says what happened.
  const cause = e.cause as ErrorLike | undefined;
  if ((e.code && NETWORK_CODES.has(e.code)) || (cause?.code && NETWORK_CODES.has(cause.code))) return { transient: true, code: 'network' };
  if (TIMEOUT.test(name) || e.code === 'ETIMEDOUT') return { transient: true, code: 'timeout' };
  if (e.name === 'AbortError') return { transient: true, code: 'aborted' };
  if (typeof status === 'number' && status >= 500) return { transient: true, code: 'server-error' };
  return { transient: true, code: 'unknown' };
}

function sourceError(err: unknown, what: string): SourceError {
  if (err instanceof SourceError) return err;
  const { transient, code } = classifyS3Error(err);
  const e = err as ErrorLike;
  const detail = e?.name && e.name !== 'Error' ? `${e.name}: ${e.message ?? ''}` : (e?.message ?? String(err));
  return new SourceError(`${what}: ${detail}`, transient, code, { cause: err });
}

/** The body, with every error it raises while streaming turned into a SourceError. */
async function* classified(body: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (err) {
    throw sourceError(err, what);
  }
}

export class S3ObjectSource implements ObjectSource {
  constructor(private readonly client: S3Client = s3Client()) {}

  async open(ref: ObjectRef, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    if (!ref.bucket) throw new SourceError(`no bucket for ${ref.key}`, false, 'invalid-request');
    const what = `s3://${ref.bucket}/${ref.key}`;
    let res;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { abortSignal: signal });
    } catch (err) {
      throw sourceError(err, `GetObject ${what}`);
    }
    const body = res.Body as unknown as (AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void }) | undefined;
    if (!body) return (async function* () {})();
    if (signal) {
      const onAbort = (): void => body.destroy?.(new SourceError(`reading ${what}: aborted (time budget exhausted)`, true, 'aborted'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    return classified(body, `reading ${what}`);
  }
}
