import type { HostEntry, UserEntry } from '../context/types';

export const ALERT_SCHEMA = 'fdr-detect.alert/v1';

export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';

/** How the process behind a network event was identified. */
export type Attribution = 'event' | 'joined' | 'unresolved' | null;

/** Where a name in the alert came from (resolution order: event → same-object identity / well-known SID → context → none). */
export type NameSource = 'event' | 'stream' | 'well-known' | 'context' | null;

/** The alert record: SNS message body and `replay --format ndjson` line. Every key present; unknown = null. */
export interface AlertRecord {
  schema: typeof ALERT_SCHEMA;
  alert_id: string;
  alert_type: string;
  rule_id: string;
  severity: Severity;
  technique: string;
  tactic: string;
  '@timestamp': number | null;
  event_id: string | null;
  event_simpleName: string | null;
  aid: string | null;
  cid: string | null;
  ComputerName: string | null;
  UserName: string | null;
  UserSid: string | null;
  FileName: string | null;
  CommandLine: string | null;
  RemoteAddressIP4: string | null;
  RemotePort: string | null;
  attribution: Attribution;
  context: {
    host: (HostEntry & { source?: string }) | null;
    user: (UserEntry & { source?: string }) | null;
    /** Where ComputerName / UserName came from. */
    names: { ComputerName: NameSource; UserName: NameSource };
    /** Set when the context store was unavailable: the alert was not checked for suppression. */
    degraded: string | null;
  };
  source: { bucket: string | null; key: string | null; line: number | null };
  /** Fields whose secrets were replaced before the record left the pipeline. */
  redacted: string[];
  /** Only on suppressed matches. */
  suppressed?: { reason: string; entry: { user?: UserEntry | null; host?: HostEntry | null } };
  /** Only on the summary alert of an object whose alerts went past the per-object cap (alerts/overflow.ts). */
  overflow?: OverflowSummary;
}

/** What the alerts folded into one summary alert were. */
export interface OverflowSummary {
  /** Alerts folded into this one (beyond the cap; suppressed matches are not among them). */
  folded: number;
  /** The per-object cap: this many alerts of the object were published whole. */
  cap: number;
  by_alert_type: Record<string, number>;
  /** The hosts with the most folded alerts (at most 100), most first. */
  by_host: { aid: string | null; ComputerName: string | null; count: number }[];
  /** Hosts with folded alerts that `by_host` does not list. */
  hosts_not_listed: number;
  first_line: number | null;
  last_line: number | null;
  first_timestamp: number | null;
  last_timestamp: number | null;
}
