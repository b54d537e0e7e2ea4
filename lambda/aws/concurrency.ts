/** Bounded concurrency for the adapters' fan-out of requests (dedupe claims, context writes, SNS batches). */

export interface MapLimitOptions {
  /** After the first rejection start no new item (they are reported rejected with that error). Default false. */
  stopOnError?: boolean;
}

/** `fn` over `items`, at most `limit` at once; every item's outcome, in input order. Never rejects itself. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  o: MapLimitOptions = {},
): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  let firstError: { reason: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      if (firstError && o.stopOnError) {
        out[i] = { status: 'rejected', reason: firstError.reason };
        continue;
      }
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i], i) };
      } catch (reason) {
        firstError ??= { reason };
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(limit, items.length)) }, worker));
  return out;
}

/** The values of settled results, or the first rejection thrown. */
export function valuesOrThrow<R>(results: PromiseSettledResult<R>[]): R[] {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}
