/**
 * The per-object alert cap. An object may hold any number of matches (a scanner's million connections to 445);
 * memory and the SOC's inbox must not grow with it. The first `cap` matches of an object are kept whole; later
 * ones are folded — counted per (rule, alert type, host, user) without their events — and, after suppression, leave
 * the pipeline as one summary alert per object (`alert_type: "AlertsFolded"`) with the counts per alert type and
 * host. Nothing is dropped silently: every folded match is in a count.
 */
import { createHash } from 'node:crypto';
import type { ObjectRef } from '../ports';
import type { Severity } from '../rules/rule';
import { ALERT_SCHEMA, type AlertRecord, type OverflowSummary } from './types';

export const OVERFLOW_ALERT_TYPE = 'AlertsFolded';
export const OVERFLOW_RULE_ID = 'fdr-detect.alert-cap';
/** Matches of one object kept whole (each becomes an alert or a suppressed record). */
export const DEFAULT_MAX_ALERTS_PER_OBJECT = 1000;
/** Distinct (rule, type, host, user) keys folded per object; past this, folded matches count under one key. */
export const MAX_FOLDED_KEYS = 50_000;
const MAX_HOSTS_LISTED = 100;

const RANK: Record<Severity, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** One folded alert's facts (after suppression): what the summary counts. */
export interface FoldedAlert {
  alertType: string;
  severity: Severity;
  technique: string;
  tactic: string;
  aid: string | null;
  computerName: string | null;
  count: number;
  firstLine: number;
  lastLine: number;
  firstTs: number | null;
  lastTs: number | null;
}

/** The summary alert of an object's folded alerts (deterministic id: one per object, redelivery dedupes it). */
export function overflowAlert(ref: ObjectRef, cap: number, folded: FoldedAlert[]): AlertRecord | null {
  if (folded.length === 0) return null;
  const byType: Record<string, number> = {};
  const hosts = new Map<string, { aid: string | null; ComputerName: string | null; count: number }>();
  let total = 0;
  let severity: Severity = 'informational';
  const techniques = new Map<string, number>();
  const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
  const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  let firstLine: number | null = null;
  let lastLine: number | null = null;
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  for (const f of folded) {
    total += f.count;
    byType[f.alertType] = (byType[f.alertType] ?? 0) + f.count;
    const hk = `${f.aid ?? ''}\u0000${f.computerName ?? ''}`;
    const h = hosts.get(hk) ?? { aid: f.aid, ComputerName: f.computerName, count: 0 };
    h.count += f.count;
    hosts.set(hk, h);
    if (RANK[f.severity] > RANK[severity]) severity = f.severity;
    techniques.set(f.technique, (techniques.get(f.technique) ?? 0) + f.count);
    firstLine = min(firstLine, f.firstLine);
    lastLine = max(lastLine, f.lastLine);
    firstTs = min(firstTs, f.firstTs);
    lastTs = max(lastTs, f.lastTs);
  }
  const ranked = [...hosts.values()].sort((a, b) => b.count - a.count || String(a.aid).localeCompare(String(b.aid)));
  // The summary speaks for the technique most of its alerts are about.
  const technique = [...techniques].sort((a, b) => b[1] - a[1])[0][0];
  const tactic = folded.find((f) => f.technique === technique)!.tactic;
  const overflow: OverflowSummary = {
    folded: total,
    cap,
    by_alert_type: byType,
    by_host: ranked.slice(0, MAX_HOSTS_LISTED),
    hosts_not_listed: Math.max(0, ranked.length - MAX_HOSTS_LISTED),
    first_line: firstLine,
    last_line: lastLine,
    first_timestamp: firstTs,
    last_timestamp: lastTs,
  };
  const single = ranked.length === 1 ? ranked[0] : null;
  return {
    schema: ALERT_SCHEMA,
    alert_id: createHash('sha256').update(`${OVERFLOW_RULE_ID}\n${ref.bucket ?? ''}\n${ref.key}`).digest('hex').slice(0, 32),
    alert_type: OVERFLOW_ALERT_TYPE,
    rule_id: OVERFLOW_RULE_ID,
    severity,
    technique,
    tactic,
    '@timestamp': lastTs,
    event_id: null,
    event_simpleName: null,
    aid: single?.aid ?? null,
    cid: null,
    ComputerName: single?.ComputerName ?? null,
    UserName: null,
    UserSid: null,
    FileName: null,
    CommandLine: null,
    RemoteAddressIP4: null,
    RemotePort: null,
    attribution: null,
    context: { host: null, user: null, names: { ComputerName: null, UserName: null }, degraded: null },
    source: { bucket: ref.bucket, key: ref.key, line: firstLine },
    redacted: [],
    fields: {},
    overflow,
  };
}
