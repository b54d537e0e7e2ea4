import type { HostEntry, UserEntry } from '../context/types';
import type { Severity } from '../rules/rule';

export type { Severity };

export const ALERT_SCHEMA = 'fdr-detect.alert/v1';

/** How the process behind a network event was identified. */
export type Attribution = 'event' | 'joined' | 'unresolved' | null;

/** Where a name in the alert came from (resolution order: event → same-object identity / well-known SID → context → none). */
export type { NameSource } from '../context/enrich';
import type { NameSource } from '../context/enrich';

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
  /**
   * The rule's own output: the fields its table()/select() names, its `:=` and functions assign, or its aggregation
   * computes — those that are not the record's fixed keys. Values are strings (secrets redacted), or null.
   */
  fields: Record<string, string | null>;
  /** Only on suppressed matches. */
  suppressed?: { reason: string; entry: { user?: UserEntry | null; host?: HostEntry | null; remoteHost?: HostEntry | null } };
  /** When the rule throttles this alert type: the slot this alert holds (published) or wanted (throttled). */
  throttle?: AlertThrottle;
  /** Only on throttled matches (never published; `replay --include-throttled`). */
  throttled?: { reason: string; held_by: string | null };
  /** Only on alerts of shadow rules (never published; `replay --include-shadow`). */
  shadow?: true;
  /** Only on alerts of aggregate rules: the group and the window that fired. */
  aggregate?: AggregateSummary;
  /** Only on the summary alert of an object whose alerts went past the per-object cap (alerts/overflow.ts). */
  overflow?: OverflowSummary;
}

/** The throttle slot of an alert: one published alert per key (rule, alert type, field values) and period. */
export interface AlertThrottle {
  key: string;
  /** The throttle fields and this alert's values of them (secrets redacted). */
  fields: Record<string, string | null>;
  period: string;
  /** The period this alert falls in (event time, ms; periods are aligned to the epoch). */
  period_start: number;
  period_end: number;
}

/** What an aggregate alert fired on. */
export interface AggregateSummary {
  /** The group's field values. */
  group: Record<string, string>;
  /** The run of buckets that met the condition (event time, ms) and the rule's window. */
  window: { start: number; end: number; size: string };
  /** Events in the window. */
  count: number;
  /** What the aggregate functions computed (and what the stages after them assigned). */
  values: Record<string, string>;
  /** Some of the events (at most 20 ids). */
  event_ids: string[];
  first_seen: number;
  last_seen: number;
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
