/**
 * Suppression policy: data, not code — each rule's metadata lists it (`suppress`, packs/rule.schema.json). A match
 * is suppressed when a policy rule for its alert type finds every tag set it names on the matched entries — the
 * user, the event's host, the remote host (found by the event's remote address only) — and none of those entries
 * has expired at the event's time. Each suppressed match keeps the entries and reason that suppressed it.
 */
import type { SuppressionMeta } from '../rules/rule';
import type { HostEntry, UserEntry } from './types';

export type SuppressionRule = SuppressionMeta;

export interface Suppression {
  reason: string;
  entry: { user?: UserEntry | null; host?: HostEntry | null; remoteHost?: HostEntry | null };
}

/** The entries a match was checked against. */
export interface MatchedEntries {
  user: UserEntry | null;
  host: HostEntry | null;
  /** The host behind the event's remote address, for rules that name `remoteHostTags`. */
  remoteHost?: HostEntry | null;
}

/** An entry past its expiresAt suppresses nothing; compared with the event's time (now when the event has none). */
export function isExpired(entry: { expiresAt?: string }, eventTimeMs: number | null): boolean {
  if (!entry.expiresAt) return false;
  const at = Date.parse(entry.expiresAt);
  if (Number.isNaN(at)) return true; // unreadable expiry: fail safe, do not suppress
  return (eventTimeMs ?? Date.now()) >= at;
}

function carries(entry: { tags?: string[]; expiresAt?: string } | null | undefined, tags: string[], t: number | null): boolean {
  if (!entry || isExpired(entry, t)) return false;
  const have = new Set((entry.tags ?? []).map((x) => x.toLowerCase()));
  return tags.some((x) => have.has(x.toLowerCase()));
}

export function suppressionFor(alertType: string, m: MatchedEntries, eventTimeMs: number | null, policy: readonly SuppressionRule[]): Suppression | null {
  for (const rule of policy) {
    if (rule.alert_type !== alertType) continue;
    if (!rule.userTags && !rule.hostTags && !rule.remoteHostTags) continue; // no condition would suppress everything
    if (rule.userTags && !carries(m.user, rule.userTags, eventTimeMs)) continue;
    if (rule.hostTags && !carries(m.host, rule.hostTags, eventTimeMs)) continue;
    if (rule.remoteHostTags && !carries(m.remoteHost, rule.remoteHostTags, eventTimeMs)) continue;
    const entry: Suppression['entry'] = {};
    if (rule.userTags) entry.user = m.user;
    if (rule.hostTags) entry.host = m.host;
    if (rule.remoteHostTags) entry.remoteHost = m.remoteHost ?? null;
    return { reason: rule.reason, entry };
  }
  return null;
}

/** The policy of a rule set: every rule's `suppress` list. */
export function policyOf(rules: readonly { suppress: readonly SuppressionRule[] }[]): SuppressionRule[] {
  return rules.flatMap((r) => r.suppress);
}
