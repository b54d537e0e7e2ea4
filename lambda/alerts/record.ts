/**
 * Builds alert records (`fdr-detect.alert/v1`, README "Alert record"): every fixed key present, unknown values null;
 * `fields` holds the rule's own output. Command lines (and every rule-defined value) leave the pipeline with their
 * credentials redacted; detection ran on the originals.
 */
import { createHash } from 'node:crypto';
import type { Names } from '../context/enrich';
import type { Suppression } from '../context/policy';
import type { HostEntry, UserEntry } from '../context/types';
import { throttleOf, type LoadedRule, type RuleMeta } from '../rules/rule';
import type { Fields } from '../rules/types';
import { redactCommandLine } from './redact';
import { ALERT_SCHEMA, type AggregateSummary, type AlertRecord, type AlertThrottle, type Attribution, type Severity } from './types';

/**
 * Deterministic alert id: the same event matched by the same rule always gets the same id, so a redelivered
 * object can be de-duplicated. The event is FDR's own `id` when present, else a hash of its raw line.
 */
export function alertId(ruleId: string, eventId: string | null, rawLine: string): string {
  const eventKey = eventId ? `id:${eventId}` : `raw:${createHash('sha256').update(rawLine).digest('hex')}`;
  return createHash('sha256').update(`${ruleId}\n${eventKey}`).digest('hex').slice(0, 32);
}

/** The id of an aggregate alert: one per (rule, group, window start), so a redelivery never pages twice. */
export function aggregateAlertId(ruleId: string, group: string, windowStart: number): string {
  return createHash('sha256').update(`${ruleId}\naggregate\n${group}\n${windowStart}`).digest('hex').slice(0, 32);
}

/** Keys a record always has (or never takes from a rule): a rule's output under these names is not in `fields`. */
const RECORD_KEYS: ReadonlySet<string> = new Set([
  'schema', 'alert_id', 'alert_type', 'rule_id', 'severity', 'technique', 'tactic', '@timestamp', '#event_simpleName',
  'event_id', 'event_simpleName', 'id', 'aid', 'cid', 'ComputerName', 'UserName', 'UserSid', 'FileName', 'CommandLine',
  'RemoteAddressIP4', 'RemotePort', 'attribution', 'context', 'source', 'redacted', 'fields',
]);

/** The names of a rule's own output fields: what its presentation shows and what it assigns, less the fixed keys. */
export function outputFieldNames(rule: Pick<LoadedRule, 'query'>): string[] {
  const q = rule.query;
  const names = [...(q.presentation?.fields ?? q.table?.fields ?? []), ...q.assignedFields];
  return [...new Set(names)].filter((n) => !RECORD_KEYS.has(n));
}

/** A value as it may leave the pipeline: credentials redacted. */
function safe(value: string | undefined): { value: string | null; redacted: boolean } {
  if (value === undefined || value === '') return { value: null, redacted: false };
  const r = redactCommandLine(value);
  return { value: r.redacted ? r.text : value, redacted: r.redacted };
}

/** The rule's output fields with their values from `f` (redacted), and the fields whose secrets were replaced. */
function outputFields(names: readonly string[], f: Fields, arrays: readonly string[] = []): { fields: Record<string, string | null>; redacted: string[] } {
  const fields: Record<string, string | null> = {};
  const redacted: string[] = [];
  const put = (name: string): void => {
    const s = safe(f[name]);
    fields[name] = s.value;
    if (s.redacted) redacted.push(`fields.${name}`);
  };
  for (const name of names) put(name);
  for (const prefix of arrays) for (const k of Object.keys(f)) if (k.startsWith(`${prefix}[`) && !RECORD_KEYS.has(k)) put(k);
  return { fields, redacted };
}

/** The throttle slot an alert of `rule` with these fields would hold, or undefined when its type is not throttled. */
export function throttleFor(rule: LoadedRule, alertType: string, f: Fields, ts: number | null): AlertThrottle | undefined {
  const t = throttleOf(rule, alertType);
  if (!t) return undefined;
  const at = ts ?? 0;
  const periodStart = Math.floor(at / t.periodMs) * t.periodMs;
  const values = t.fields.map((name) => f[name] ?? null);
  const key = createHash('sha256').update(JSON.stringify([rule.meta.id, alertType, values])).digest('hex').slice(0, 32);
  const fields: Record<string, string | null> = {};
  t.fields.forEach((name, i) => (fields[name] = values[i] === null ? null : safe(values[i] ?? undefined).value));
  return { key: `${key}#${periodStart / t.periodMs}`, fields, period: t.period, period_start: periodStart, period_end: periodStart + t.periodMs };
}

/** What every alert record is built from besides its event or window: the rule, where it was read, names, context. */
interface RecordFacts {
  rule: LoadedRule;
  attribution: Attribution;
  source: { bucket: string | null; key: string | null; line: number | null };
  names: Names;
  host: HostEntry | null;
  user: UserEntry | null;
  degraded: string | null;
  suppressed: Suppression | null;
}

export interface MatchFacts extends RecordFacts {
  /** The view plus the rule's assignments (alert_type). */
  fields: Fields;
  rawLine: string;
}

const v = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);
const SEVERITIES: ReadonlySet<string> = new Set(['informational', 'low', 'medium', 'high', 'critical']);
/** The metadata's severity for the type, unless the query assigned one (`severity := "low"` in a case branch). */
export const severityOf = (meta: RuleMeta, alertType: string, f: Fields): Severity => {
  const assigned = f.severity?.toLowerCase();
  return assigned !== undefined && SEVERITIES.has(assigned) ? (assigned as Severity) : (meta.severity[alertType] ?? meta.severity.default);
};

/** The fixed part of a record, from an event's fields (a match, or an aggregate's latest event). */
function base(meta: RuleMeta, alertType: string, f: Fields, names: Names, attribution: Attribution) {
  const redacted: string[] = [];
  const cmd = safe(f.CommandLine);
  if (cmd.redacted) redacted.push('CommandLine');
  const ts = f['@timestamp'] !== undefined ? Number(f['@timestamp']) : NaN;
  return {
    record: {
      schema: ALERT_SCHEMA as typeof ALERT_SCHEMA,
      alert_type: alertType,
      rule_id: meta.id,
      severity: severityOf(meta, alertType, f),
      technique: meta.technique,
      tactic: meta.tactic,
      '@timestamp': Number.isFinite(ts) ? ts : null,
      event_id: v(f.id),
      event_simpleName: v(f['#event_simpleName']),
      aid: v(f.aid),
      cid: v(f.cid),
      ComputerName: names.ComputerName,
      UserName: names.UserName,
      UserSid: v(f.UserSid),
      FileName: v(f.FileName),
      CommandLine: cmd.value,
      RemoteAddressIP4: v(f.RemoteAddressIP4),
      RemotePort: v(f.RemotePort),
      attribution,
    },
    redacted,
  };
}

/** The record's context: the entries found for host and user, where the names came from, and why none was looked up. */
function contextOf(m: RecordFacts): AlertRecord['context'] {
  return { host: m.host, user: m.user, names: { ComputerName: m.names.ComputerNameSource, UserName: m.names.UserNameSource }, degraded: m.degraded };
}

export function buildAlert(m: MatchFacts): AlertRecord {
  const f = m.fields;
  const alertType = f.alert_type ?? m.rule.meta.id;
  const { record: fixed, redacted } = base(m.rule.meta, alertType, f, m.names, m.attribution);
  const out = outputFields(outputFieldNames(m.rule), f, m.rule.query.assignedArrays);
  const record: AlertRecord = {
    alert_id: alertId(m.rule.meta.id, fixed.event_id, m.rawLine),
    ...fixed,
    context: contextOf(m),
    source: m.source,
    redacted: [...redacted, ...out.redacted],
    fields: out.fields,
  };
  const throttle = throttleFor(m.rule, alertType, f, fixed['@timestamp']);
  if (throttle) record.throttle = throttle;
  if (m.rule.mode === 'shadow') record.shadow = true;
  if (m.suppressed) record.suppressed = { reason: m.suppressed.reason, entry: m.suppressed.entry };
  return record;
}

export interface AggregateFacts extends RecordFacts {
  /** The group's hash (its id in the state) and its field values. */
  group: string;
  groupValues: Record<string, string>;
  /** The row after the stages that follow the aggregation (group fields, outputs, assignments). */
  row: Fields;
  window: { start: number; end: number };
  count: number;
  eventIds: string[];
  firstSeen: number;
  lastSeen: number;
  /** The latest event of the window: the record's fixed fields (host, user, process). */
  sample: Fields;
}

export function buildAggregateAlert(m: AggregateFacts): AlertRecord {
  const alertType = m.row.alert_type ?? m.rule.meta.id;
  const { record: fixed, redacted } = base(m.rule.meta, alertType, { ...m.sample, '@timestamp': String(m.lastSeen), id: undefined }, m.names, m.attribution);
  const spec = m.rule.query.aggregate!;
  const names = [...new Set([...spec.groupBy, ...spec.outputs, ...outputFieldNames(m.rule)])].filter((n) => !RECORD_KEYS.has(n));
  const out = outputFields(names, m.row, m.rule.query.assignedArrays);
  const values: Record<string, string> = {};
  for (const o of spec.outputs) {
    const s = safe(m.row[o]);
    if (s.value !== null) values[o] = s.value;
  }
  const aggregate: AggregateSummary = {
    group: m.groupValues,
    window: { start: m.window.start, end: m.window.end, size: m.rule.aggregate?.window ?? '' },
    count: m.count,
    values,
    event_ids: m.eventIds,
    first_seen: m.firstSeen,
    last_seen: m.lastSeen,
  };
  const record: AlertRecord = {
    alert_id: aggregateAlertId(m.rule.meta.id, m.group, m.window.start),
    ...fixed,
    context: contextOf(m),
    source: m.source,
    redacted: [...redacted, ...out.redacted],
    fields: out.fields,
    aggregate,
  };
  if (m.rule.mode === 'shadow') record.shadow = true;
  if (m.suppressed) record.suppressed = { reason: m.suppressed.reason, entry: m.suppressed.entry };
  return record;
}
