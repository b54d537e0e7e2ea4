/**
 * Throttling (LogScale filter-alert semantics): at most one published alert per throttle key — (rule, alert type,
 * values of the throttle fields) — per period. Periods are fixed and aligned to the epoch, in event time, so a
 * redelivered object always falls in the same slots.
 *
 * Within an object the first alert of a key (in line order) is its candidate; the others are throttled by it. The
 * candidates then claim their slots in the state store: a slot is held by the alert id that took it, and that alert
 * may take it again, so
 * - a redelivered object's candidate holds its slot again: a published alert never turns into a throttled one, and
 *   a throttled one stays throttled;
 * - a publication that failed keeps its slot: the retry publishes the same alert (the dedupe table keeps it single).
 */
import type { AlertRecord } from '../alerts/types';
import type { StateStore, ThrottleSlot } from '../ports';
import { parseDuration } from './duration';

/** How long a slot outlives its period on the wall clock (late events of that period are still throttled). */
export const SLOT_GRACE_MS = 24 * 3_600_000;

export interface ThrottleOutcome {
  kept: AlertRecord[];
  /** With `throttled: {reason, held_by}`; never published. */
  throttled: AlertRecord[];
}

const describe = (a: AlertRecord): string => {
  const t = a.throttle!;
  const fields = Object.keys(t.fields);
  return `throttled: one ${a.alert_type} alert per ${fields.length > 0 ? fields.join(', ') : 'rule'} per ${t.period}`;
};

export async function applyThrottles(alerts: readonly AlertRecord[], store: StateStore, now: number): Promise<ThrottleOutcome> {
  const candidates = new Map<string, AlertRecord>();
  for (const a of alerts) if (a.throttle && !candidates.has(a.throttle.key)) candidates.set(a.throttle.key, a);
  if (candidates.size === 0) return { kept: [...alerts], throttled: [] };
  const slots: ThrottleSlot[] = [...candidates.values()].map((a) => ({
    key: a.throttle!.key,
    holder: a.alert_id,
    expiresAt: now + (parseDuration(a.throttle!.period) ?? 0) + SLOT_GRACE_MS,
  }));
  const holders = await store.claimThrottles(slots);
  const kept: AlertRecord[] = [];
  const throttled: AlertRecord[] = [];
  for (const a of alerts) {
    if (!a.throttle) {
      kept.push(a);
      continue;
    }
    const candidate = candidates.get(a.throttle.key)!;
    const holder = holders.get(a.throttle.key);
    if (a === candidate && holder === a.alert_id) kept.push(a);
    // Held by this object's candidate, or by whoever holds the slot instead of it.
    else throttled.push({ ...a, throttled: { reason: describe(a), held_by: holder === undefined ? candidate.alert_id : holder } });
  }
  return { kept, throttled };
}
