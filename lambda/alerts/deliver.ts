/**
 * claim → publish → confirm (or release): each alert id is published once across retries and duplicates.
 *
 * - `published`: accepted by the sink and confirmed (a confirm error is reported in `unconfirmed` but the alert
 *   counts as published: failing the record would only make a retry wait for the lease and publish it again).
 * - `deduplicated`: already published earlier (or repeated within this call).
 * - `busy`: claimed by another live attempt; not published here — the caller must retry later (fail the record),
 *   so the alert is not lost if that other attempt dies.
 * - `failed`: the sink did not take them (claims released so a retry can publish at once), or the dedupe store
 *   was unreachable (nothing published).
 */
import type { AlertRecord } from './types';
import { errorMessage } from '../util';
import type { AlertSink, DedupeStore, PublishFailure } from '../ports';

export interface DeliveryResult {
  published: string[];
  deduplicated: string[];
  busy: string[];
  failed: PublishFailure[];
  /** Published but the dedupe store did not record it (a later duplicate may republish after the lease). */
  unconfirmed: string[];
}

/** What leaves the pipeline: suppression data stays in logs and replay, never reaches a subscriber. */
function forSink(a: AlertRecord): AlertRecord {
  if (!a.suppressed) return a;
  const { suppressed: _s, ...rest } = a;
  return rest;
}

export async function deliverAlerts(
  alerts: AlertRecord[],
  deps: { dedupe: DedupeStore; sink: AlertSink },
): Promise<DeliveryResult> {
  const result: DeliveryResult = { published: [], deduplicated: [], busy: [], failed: [], unconfirmed: [] };
  const byId = new Map<string, AlertRecord>();
  for (const a of alerts) {
    if (byId.has(a.alert_id)) result.deduplicated.push(a.alert_id);
    else byId.set(a.alert_id, a);
  }
  if (byId.size === 0) return result;

  let claimed: { fresh: string[]; duplicate: string[]; busy: string[] };
  try {
    claimed = await deps.dedupe.claim([...byId.keys()]);
  } catch (err) {
    const error = `dedupe claim: ${errorMessage(err)}`;
    for (const id of byId.keys()) result.failed.push({ alert_id: id, error });
    return result;
  }
  result.deduplicated.push(...claimed.duplicate);
  result.busy.push(...claimed.busy);
  if (claimed.fresh.length === 0) return result;

  const fresh = claimed.fresh.map((id) => byId.get(id)!).filter(Boolean).map(forSink);
  let published: string[] = [];
  try {
    const res = await deps.sink.publish(fresh);
    published = res.published;
    result.failed.push(...res.failed);
    // Anything the sink neither published nor reported is a failure too (nothing may vanish).
    const known = new Set([...res.published, ...res.failed.map((f) => f.alert_id)]);
    for (const a of fresh) if (!known.has(a.alert_id)) result.failed.push({ alert_id: a.alert_id, error: 'not reported by sink' });
  } catch (err) {
    const error = `sink: ${errorMessage(err)}`;
    for (const a of fresh) result.failed.push({ alert_id: a.alert_id, error });
  }
  result.published.push(...published);

  if (published.length > 0) {
    try {
      await deps.dedupe.confirm(published);
    } catch {
      result.unconfirmed.push(...published);
    }
  }
  const toRelease = result.failed.map((f) => f.alert_id).filter((id) => claimed.fresh.includes(id));
  if (toRelease.length > 0) {
    // Best effort: an unreleased claim only delays the retry until its lease ends.
    await deps.dedupe.release(toRelease).catch(() => undefined);
  }
  return result;
}
