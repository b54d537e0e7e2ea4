/**
 * Suppression policy: data, not code. A match is suppressed when a rule for its alert_type finds every required
 * tag on the matched user/host entries, and none of those entries has expired at the event's time.
 * Each suppressed match keeps the entries and reason that suppressed it.
 */
import type { HostEntry, UserEntry } from './types';

export interface SuppressionRule {
  alert_type: string;
  /** The user must carry one of these tags. */
  userTags?: string[];
  /** The host must carry one of these tags. */
  hostTags?: string[];
  reason: string;
}

export const DEFAULT_POLICY: readonly SuppressionRule[] = [
  {
    alert_type: 'PsExecExecution',
    userTags: ['psexec-sanctioned'],
    hostTags: ['it-admin'],
    reason: 'sanctioned PsExec: user tagged psexec-sanctioned, source host tagged it-admin',
  },
  {
    alert_type: 'SMB445Connection',
    hostTags: ['monitoring', 'backup'],
    reason: 'SMB from a monitoring or backup host',
  },
];

export interface Suppression {
  reason: string;
  entry: { user?: UserEntry | null; host?: HostEntry | null };
}

/** An entry past its expiresAt suppresses nothing; compared with the event's time (now when the event has none). */
export function isExpired(entry: { expiresAt?: string }, eventTimeMs: number | null): boolean {
  if (!entry.expiresAt) return false;
  const at = Date.parse(entry.expiresAt);
  if (Number.isNaN(at)) return true; // unreadable expiry: fail safe, do not suppress
  return (eventTimeMs ?? Date.now()) >= at;
}

function carries(entry: { tags?: string[]; expiresAt?: string } | null, tags: string[], t: number | null): boolean {
  if (!entry || isExpired(entry, t)) return false;
  const have = new Set((entry.tags ?? []).map((x) => x.toLowerCase()));
  return tags.some((x) => have.has(x.toLowerCase()));
}

export function suppressionFor(
  alertType: string,
  user: UserEntry | null,
  host: HostEntry | null,
  eventTimeMs: number | null,
  policy: readonly SuppressionRule[] = DEFAULT_POLICY,
): Suppression | null {
  for (const rule of policy) {
    if (rule.alert_type !== alertType) continue;
    if (!rule.userTags && !rule.hostTags) continue; // a rule with no condition would suppress everything
    if (rule.userTags && !carries(user, rule.userTags, eventTimeMs)) continue;
    if (rule.hostTags && !carries(host, rule.hostTags, eventTimeMs)) continue;
    const entry: Suppression['entry'] = {};
    if (rule.userTags) entry.user = user;
    if (rule.hostTags) entry.host = host;
    return { reason: rule.reason, entry };
  }
  return null;
}
