/** Builds alert records (`fdr-detect.alert/v1`, README "Alert record"): every key present, unknown values null. */
import { createHash } from 'node:crypto';
import type { HostEntry, UserEntry } from '../context/types';
import type { Suppression } from '../context/policy';
import type { Fields } from '../rules/types';
import type { RuleMeta } from '../rules/rule';
import { redactCommandLine } from './redact';
import { ALERT_SCHEMA, type AlertRecord, type Attribution, type NameSource } from './types';

/**
 * Deterministic alert id: the same event matched by the same rule always gets the same id, so a redelivered
 * object can be de-duplicated. The event is FDR's own `id` when present, else a hash of its raw line.
 */
export function alertId(ruleId: string, eventId: string | null, rawLine: string): string {
  const eventKey = eventId ? `id:${eventId}` : `raw:${createHash('sha256').update(rawLine).digest('hex')}`;
  return createHash('sha256').update(`${ruleId}\n${eventKey}`).digest('hex').slice(0, 32);
}

export interface MatchFacts {
  rule: RuleMeta;
  /** The view plus the rule's assignments (alert_type). */
  fields: Fields;
  rawLine: string;
  attribution: Attribution;
  source: { bucket: string | null; key: string | null; line: number | null };
  names: {
    ComputerName: string | null;
    ComputerNameSource: NameSource;
    UserName: string | null;
    UserNameSource: NameSource;
  };
  host: HostEntry | null;
  user: UserEntry | null;
  degraded: string | null;
  suppressed: Suppression | null;
}

const v = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

export function buildAlert(m: MatchFacts): AlertRecord {
  const f = m.fields;
  const alertType = f.alert_type ?? m.rule.id;
  const ts = f['@timestamp'] !== undefined ? Number(f['@timestamp']) : NaN;
  const eventId = v(f.id);
  const redacted: string[] = [];
  let commandLine = v(f.CommandLine);
  if (commandLine !== null) {
    const r = redactCommandLine(commandLine);
    if (r.redacted) {
      commandLine = r.text;
      redacted.push('CommandLine');
    }
  }
  const record: AlertRecord = {
    schema: ALERT_SCHEMA,
    alert_id: alertId(m.rule.id, eventId, m.rawLine),
    alert_type: alertType,
    rule_id: m.rule.id,
    severity: m.rule.severity[alertType] ?? m.rule.severity.default,
    technique: m.rule.technique,
    tactic: m.rule.tactic,
    '@timestamp': Number.isFinite(ts) ? ts : null,
    event_id: eventId,
    event_simpleName: v(f['#event_simpleName']),
    aid: v(f.aid),
    cid: v(f.cid),
    ComputerName: m.names.ComputerName,
    UserName: m.names.UserName,
    UserSid: v(f.UserSid),
    FileName: v(f.FileName),
    CommandLine: commandLine,
    RemoteAddressIP4: v(f.RemoteAddressIP4),
    RemotePort: v(f.RemotePort),
    attribution: m.attribution,
    context: {
      host: m.host,
      user: m.user,
      names: { ComputerName: m.names.ComputerNameSource, UserName: m.names.UserNameSource },
      degraded: m.degraded,
    },
    source: m.source,
    redacted,
  };
  if (m.suppressed) record.suppressed = { reason: m.suppressed.reason, entry: m.suppressed.entry };
  return record;
}
