/** Error classification and a small backoff helper for the AWS adapters (on top of the SDK's own retries). */

const THROTTLE_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'Throttled',
  'ThrottledException',
  'ThrottledRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'KMSThrottlingException',
  'LimitExceededException',
]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSInternalException',
  'KMSDisabledException',
  'NetworkingError',
]);

interface ErrorLike {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  cause?: unknown;
}

export function isThrottling(err: unknown): boolean {
  const e = err as ErrorLike | null;
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable?.throttling) return true;
  if ((e.name && THROTTLE_NAMES.has(e.name)) || (e.Code && THROTTLE_NAMES.has(e.Code))) return true;
  return e.$metadata?.httpStatusCode === 429;
}

/** Worth retrying: throttling, 5xx, timeouts and network errors (a connection reset mid-stream included). */
export function isTransientError(err: unknown, depth = 0): boolean {
  const e = err as ErrorLike | null;
  if (!e || typeof e !== 'object' || depth > 4) return false;
  if (isThrottling(e)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  if (e.cause) return isTransientError(e.cause, depth + 1);
  return false;
}

export { errorMessage } from '../util';

export interface BackoffOptions {
  /** Total attempts, first one included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Full-jitter exponential delay for retry number `retry` (1-based). */
export function backoffDelay(retry: number, o: BackoffOptions = {}): number {
  const base = o.baseDelayMs ?? 100;
  const max = o.maxDelayMs ?? 5_000;
  const cap = Math.min(max, base * 2 ** (retry - 1));
  return Math.round((o.random ?? Math.random)() * cap);
}
