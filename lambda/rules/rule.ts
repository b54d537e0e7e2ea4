/**
 * A rule: its metadata (`<id>.json`, validated against packs/rule.schema.json), its compiled query (`.cql`) and what
 * the metadata means once parsed (mode, throttles, the aggregation window, suppression). The loader (packs/loader.ts)
 * builds LoadedRules; every stage reads the parsed plan, never the raw durations.
 */
import type { CompiledQuery } from './types';

export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';

/** `alert`: published; `shadow`: evaluated, counted and logged, never published; `disabled`: not run. */
export type RuleMode = 'alert' | 'shadow' | 'disabled';

/** A throttle as metadata writes it: at most one published alert per values of `fields` per `period`. */
export interface ThrottleMeta {
  fields: string[];
  period: string;
}

/** A suppression rule: the alert type is suppressed when the matched entries carry the tags (see context/policy.ts). */
export interface SuppressionMeta {
  alert_type: string;
  /** The user must carry one of these tags. */
  userTags?: string[];
  /** The event's host must carry one of these tags. */
  hostTags?: string[];
  /** The remote host (found by the event's remote address only) must carry one of these tags. */
  remoteHostTags?: string[];
  reason: string;
}

/** Rule metadata, kept next to the .cql file as `<id>.json`. */
export interface RuleMeta {
  id: string;
  title: string;
  description?: string;
  technique: string;
  tactic: string;
  /** Severity per alert_type the query assigns; `default` for anything else. */
  severity: Record<string, Severity> & { default: Severity };
  /** The .cql file, relative to the metadata file. */
  query: string;
  /** The sample cases file, relative to the metadata file. */
  samples: string;
  /** Default `alert`. */
  mode?: RuleMode;
  /** Every alert type of the rule; `throttleByType` overrides it per type. */
  throttle?: ThrottleMeta;
  throttleByType?: Record<string, ThrottleMeta>;
  /** Aggregate rules: the search window (`10m`), how late an event may arrive (default: the window). */
  window?: string;
  lateness?: string;
  suppress?: SuppressionMeta[];
  /** Aggregate rules that form one detection: a firing of one keeps the others quiet for the same `fields` values. */
  quietGroup?: { name: string; fields: string[] };
  /** Per alert type: what a responder reads (email text, docs). */
  guide?: Record<string, AlertGuide>;
}

export interface AlertGuide {
  summary: string;
  why: string;
  falsePositives: string;
  tuning: string;
  /** The evidence fields, in reading order. */
  evidence?: string[];
}

export interface ThrottlePlan {
  fields: string[];
  period: string;
  periodMs: number;
}

export interface AggregatePlan {
  window: string;
  windowMs: number;
  /** Buckets of window/10: the resolution of the sliding window. */
  bucketMs: number;
  /** Buckets a run spans: window/bucket + 1, so every span of the window lies within one run. */
  runBuckets: number;
  /** A group that fired is quiet this long (its throttle period; default the window). */
  quietMs: number;
  latenessMs: number;
  /** The quiet group's name and fields (firing markers shared with the group's other rules). */
  quietGroup?: { name: string; fields: string[] };
}

export interface LoadedRule {
  meta: RuleMeta;
  query: CompiledQuery;
  /** Where the rule was loaded from (for messages). */
  path: string;
  /** The pack (directory) it came from. */
  pack: string;
  mode: RuleMode;
  /** The throttle of each alert type (`*`: every other type of the rule). */
  throttles: Map<string, ThrottlePlan>;
  /** Set for aggregate rules (a query with groupBy and metadata with `window`). */
  aggregate?: AggregatePlan;
  suppress: SuppressionMeta[];
}

/** The throttle an alert type of a rule is under, if any. */
export function throttleOf(rule: LoadedRule, alertType: string): ThrottlePlan | undefined {
  return rule.throttles.get(alertType) ?? rule.throttles.get('*');
}
