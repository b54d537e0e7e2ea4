/**
 * Reading FDR secondary data (fdrv2/: aidmaster, managedassets, userinfo; notmanaged and appinfo are recognised
 * and skipped): which kind a key holds (lambda/keys.ts) and the object's records, decoded like any FDR object.
 * What the records mean for the context is lambda/context/fdr-records.ts.
 */
import { secondaryRoute, SYNCED_KINDS, type SecondaryKind, type SecondaryRoute } from '../keys';
import { isTransientSourceError, SourceError, type ObjectRef, type ObjectSource } from '../ports';
import { decodeEvents } from './decode';
import { str } from './fieldview';
import type { DecodeOptions, DecodeStats, RawEvent } from './types';

/** FDR times come as epoch seconds (often with decimals) or milliseconds, as strings. → epoch ms, or null. */
export function fdrTimeMs(v: unknown): number | null {
  const s = str(v);
  if (s === undefined || s === '') return null;
  const n = Number(s);
  if (Number.isFinite(n)) return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  const d = Date.parse(s);
  return Number.isNaN(d) ? null : d;
}

export interface SecondaryRead {
  route: SecondaryRoute | null;
  /** Null when the object was not read (not a synced kind, or it could not be opened). */
  stats: DecodeStats | null;
  /** Opening failed: the source says whether a retry may help. Read errors are in `stats.error`. */
  openError?: { transient: boolean; code: string; message: string };
}

/**
 * Streams one secondary-data object and hands its records to `onBatch` (batched per decoded chunk, so a sink can
 * write in batches). Bad lines are skipped and counted by the decoder like any other object's.
 */
export async function readSecondaryObject(
  ref: ObjectRef,
  source: ObjectSource,
  onBatch: (kind: SecondaryKind, records: RawEvent[]) => Promise<void> | void,
  opts: DecodeOptions = {},
): Promise<SecondaryRead> {
  const route = secondaryRoute(ref.key);
  if (!route || route.kind !== 'secondary' || !SYNCED_KINDS.has(route.subtype)) return { route, stats: null };
  let body: AsyncIterable<Uint8Array>;
  try {
    body = await source.open(ref, opts.signal);
  } catch (err) {
    const code = err instanceof SourceError ? err.code : 'unknown';
    return { route, stats: null, openError: { transient: isTransientSourceError(err), code, message: (err as Error)?.message ?? String(err) } };
  }
  const { events, stats } = decodeEvents(body, { ...opts, eventTypes: null });
  for await (const batch of events) await onBatch(route.subtype, batch.map((e) => e.event));
  return { route, stats };
}
