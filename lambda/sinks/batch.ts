/**
 * What every batching sink needs, apart from its service call: entries split into requests within an entry-count
 * and a payload limit (ids distinct per request), and the send/retry loop — failed entries the service calls
 * retryable, and whole requests that failed with a transient error, are sent again with jittered exponential
 * backoff; the result accounts for every entry, published or failed.
 */
import { mapLimit } from '../aws/concurrency';
import { backoffDelay, defaultSleep, errorMessage, type BackoffOptions } from '../aws/retry';

/** One message, ready to send. */
export interface BatchEntry {
  /** The request-local id (distinct within a request). */
  id: string;
  /** What the caller tracks (the alert id). */
  key: string;
  /** Bytes this entry adds to a request. */
  bytes: number;
}

/** A request's outcome per entry id; ids it does not mention are retried (not known to be published). */
export interface SendResult {
  ok: string[];
  failed: { id: string; error: string; retryable: boolean }[];
}

export interface BatchPublishOptions {
  maxEntries: number;
  maxBytes: number;
  /** Requests in flight. */
  concurrency: number;
  /** attempts: total tries per entry (first included). */
  retry: BackoffOptions & { attempts: number };
  /** Whether a request that threw may succeed when sent again. */
  isTransient: (err: unknown) => boolean;
}

/** Split entries into requests within the entry-count and payload limits, with distinct ids per request. */
export function chunkEntries<E extends BatchEntry>(entries: E[], maxEntries: number, maxBytes: number): E[][] {
  const batches: E[][] = [];
  let cur: E[] = [];
  let curBytes = 0;
  let ids = new Set<string>();
  for (const e of entries) {
    if (cur.length > 0 && (cur.length >= maxEntries || curBytes + e.bytes > maxBytes || ids.has(e.id))) {
      batches.push(cur);
      cur = [];
      curBytes = 0;
      ids = new Set();
    }
    cur.push(e);
    curBytes += e.bytes;
    ids.add(e.id);
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

/** Sends every entry, retrying what may succeed; returns the keys published and the ones that failed, with why. */
export async function publishInBatches<E extends BatchEntry>(
  entries: E[],
  send: (batch: E[]) => Promise<SendResult>,
  o: BatchPublishOptions,
): Promise<{ published: string[]; failed: { key: string; error: string }[] }> {
  const published: string[] = [];
  const failed: { key: string; error: string }[] = [];
  let pending = entries;
  const sleep = o.retry.sleep ?? defaultSleep;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const retryable: { e: E; error: string }[] = [];
    await mapLimit(chunkEntries(pending, o.maxEntries, o.maxBytes), o.concurrency, async (batch) => {
      const byId = new Map(batch.map((e) => [e.id, e]));
      try {
        const res = await send(batch);
        const seen = new Set<string>();
        for (const id of res.ok) {
          const e = byId.get(id);
          if (e && !seen.has(id)) {
            seen.add(id);
            published.push(e.key);
          }
        }
        for (const f of res.failed) {
          const e = byId.get(f.id);
          if (!e || seen.has(f.id)) continue;
          seen.add(f.id);
          if (f.retryable) retryable.push({ e, error: f.error });
          else failed.push({ key: e.key, error: f.error });
        }
        for (const [id, e] of byId) if (!seen.has(id)) retryable.push({ e, error: 'missing from the response' });
      } catch (err) {
        const error = errorMessage(err);
        for (const e of batch) {
          if (o.isTransient(err)) retryable.push({ e, error });
          else failed.push({ key: e.key, error });
        }
      }
    });
    if (retryable.length === 0) break;
    if (attempt >= o.retry.attempts) {
      for (const r of retryable) failed.push({ key: r.e.key, error: `${r.error} (after ${attempt} attempts)` });
      break;
    }
    await sleep(backoffDelay(attempt, o.retry));
    pending = retryable.map((r) => r.e);
  }
  return { published, failed };
}
