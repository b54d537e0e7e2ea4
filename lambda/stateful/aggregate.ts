/**
 * Aggregate rules across objects (LogScale aggregate-alert semantics, over event time):
 *
 *   this object's partials per (group, bucket) → drop buckets older than the allowed lateness (LateEvents) →
 *   store them (one contribution per group, bucket and object: a redelivery replaces its own) → read every
 *   contribution within a run's reach of the touched buckets → evaluate runs of buckets → claim the firing marker →
 *   one alert per firing.
 *
 * The sliding window is bucketed: buckets of window/10 and runs of 11 consecutive buckets, so every span of events
 * no longer than the window lies within one run (spans up to 1.1 × the window may fire too). A run is evaluated
 * only when it starts at a bucket that holds events and contains a bucket this object touched. The earliest run
 * whose merged result passes the rule's post-aggregation stages fires; the group then stays quiet for its quiet
 * period (the rule's throttle period, default the window) from that run's start. The firing's own run fires again
 * only for the object that fired it (same alert id: its redelivery, or a retry after a failed publication,
 * publishes it; the dedupe table keeps it single). The watermark (newest event time seen per rule) never passes
 * the wall clock.
 *
 * Rules of one quiet group (`quietGroup` in their metadata: a fan-out per process and per host, say) share one
 * firing marker per value of the group's fields: whichever fires first keeps the others quiet.
 */
import { createHash } from 'node:crypto';
import { aggregateAlertId, buildAggregateAlert } from '../alerts/record';
import type { AlertRecord, Attribution } from '../alerts/types';
import { decide, lookup, subjectOf, type NameSource, type Names } from '../context/enrich';
import type { SuppressionRule } from '../context/policy';
import type { AggregateContribution, AggregateFiring, ContextStore, GroupRange, ObjectRef, StateStore } from '../ports';
import type { LoadedRule } from '../rules/rule';
import type { Fields } from '../rules/types';
import { groupId, SAMPLE_ATTRIBUTION, type RuleAggregation } from './collect';
import { mergePartials, outputs, type Partial } from './partial';


export interface AggregateStageDeps {
  store: StateStore;
  context: ContextStore;
  policy: readonly SuppressionRule[];
  /** Wall clock (ms): expiry of stored state, the watermark's ceiling. */
  now: number;
}

export interface AggregateOutcome {
  /** Fired, not suppressed. */
  alerts: AlertRecord[];
  /** Fired, suppressed by the policy (never published). */
  suppressed: AlertRecord[];
  /** Events of buckets older than the rule's watermark minus its allowed lateness: counted, not merged. */
  late: number;
  /** Groups that met their condition but were quiet (fired less than their quiet period before). */
  quiet: number;
  /** Contributions stored. */
  contributions: number;
  contextDegraded?: string;
}

/** Who contributed: the object (a redelivery of it replaces its contributions, never adds to them). */
export function contributorOf(ref: ObjectRef): string {
  return createHash('sha256').update(`${ref.bucket ?? ''}/${ref.key}`).digest('hex').slice(0, 24);
}

interface Touched {
  agg: RuleAggregation;
  group: string;
  values: Record<string, string>;
  buckets: number[];
  /** Whose firing marker keeps this group quiet: its own, or its quiet group's for the same field values. */
  marker: { rule: string; group: string };
}

/** The firing marker a group shares: `Q#<quiet group>` and the values of its fields, or the rule's own group. */
function markerOf(rule: LoadedRule, group: string, values: Record<string, string>): { rule: string; group: string } {
  const q = rule.aggregate?.quietGroup;
  if (!q) return { rule: rule.meta.id, group };
  return { rule: `Q#${q.name}`, group: groupId(q.fields.map((f) => values[f] ?? '')) };
}

interface Firing {
  rule: LoadedRule;
  group: string;
  marker: { rule: string; group: string };
  values: Record<string, string>;
  runStart: number;
  merged: Partial;
  row: Fields;
}

const emptyOutcome = (): AggregateOutcome => ({ alerts: [], suppressed: [], late: 0, quiet: 0, contributions: 0 });

export async function evaluateAggregates(aggs: readonly RuleAggregation[], ref: ObjectRef, deps: AggregateStageDeps): Promise<AggregateOutcome> {
  const out = emptyOutcome();
  const active = aggs.filter((a) => a.groups.size > 0);
  if (active.length === 0) return out;
  const { store, now } = deps;
  const contributor = contributorOf(ref);
  const marks = await store.readWatermarks(active.map((a) => a.rule.meta.id));

  // 1. This object's contributions, less what is too late to merge.
  const contributions: AggregateContribution[] = [];
  const touched: Touched[] = [];
  for (const agg of active) {
    const plan = agg.rule.aggregate!;
    const mark = marks.get(agg.rule.meta.id) ?? 0;
    const lateBefore = mark > 0 ? mark - plan.latenessMs : -Infinity;
    const expiresAt = now + plan.windowMs + plan.bucketMs + plan.latenessMs + plan.quietMs;
    for (const [group, cells] of agg.groups) {
      const buckets: number[] = [];
      for (const [bucket, p] of cells.buckets) {
        if (bucket + plan.bucketMs <= lateBefore) {
          out.late += p.n;
          continue;
        }
        buckets.push(bucket);
        contributions.push({ rule: agg.rule.meta.id, group, bucket, contributor, values: cells.values, data: JSON.stringify(p), expiresAt });
      }
      if (buckets.length > 0) touched.push({ agg, group, values: cells.values, buckets: buckets.sort((a, b) => a - b), marker: markerOf(agg.rule, group, cells.values) });
    }
  }
  if (touched.length === 0) return out;
  await store.putContributions(contributions);
  out.contributions = contributions.length;

  // 2. Everything within a run's reach of the touched buckets (this object's contributions included), and the markers.
  const ranges: GroupRange[] = touched.map((t) => {
    const plan = t.agg.rule.aggregate!;
    const reach = (plan.runBuckets - 1) * plan.bucketMs;
    return { rule: t.agg.rule.meta.id, group: t.group, fromBucket: t.buckets[0] - reach, toBucket: t.buckets[t.buckets.length - 1] + reach };
  });
  const [stored, markers] = await Promise.all([
    store.readContributions(ranges),
    store.readFirings(uniqueMarkers(touched)),
  ]);
  const byGroup = new Map<string, AggregateContribution[]>();
  for (const c of stored) {
    const k = `${c.rule}\u0000${c.group}`;
    (byGroup.get(k) ?? byGroup.set(k, []).get(k)!).push(c);
  }
  const markerByKey = new Map(markers.map((m) => [`${m.rule}\u0000${m.group}`, m]));

  // 3. The earliest passing run of each group that may fire.
  const firings: Firing[] = [];
  for (const t of touched) {
    const k = `${t.agg.rule.meta.id}\u0000${t.group}`;
    const f = firstPassingRun(t, byGroup.get(k) ?? [], markerByKey.get(`${t.marker.rule}\u0000${t.marker.group}`), contributor);
    if (f === 'quiet') out.quiet++;
    else if (f) firings.push(f);
  }

  // 4. Claim the markers: concurrent invocations fire a group once.
  const claimed: Firing[] = [];
  // When rules of one quiet group fire together, the most specific (most group fields: per process before per host)
  // claims first, so its alert is the one that names the most.
  const specificity = (f: Firing): number => -f.rule.query.aggregate!.groupBy.length;
  firings.sort((x, y) => specificity(x) - specificity(y));
  for (const f of firings) {
    const plan = f.rule.aggregate!;
    const alertId = alertIdOf(f);
    const marker: AggregateFiring = {
      ...f.marker,
      runStart: f.runStart,
      quietUntil: f.runStart + plan.quietMs,
      alertId,
      firedBy: contributor,
      expiresAt: now + plan.quietMs + plan.windowMs + plan.latenessMs,
    };
    if (await store.claimFiring(marker)) claimed.push(f);
    else out.quiet++;
  }

  // 5. Alerts, with context and suppression, as for any match.
  if (claimed.length > 0) {
    const subjects = claimed.map((f) => subjectOf(f.merged.sample, namesOf(f.merged.sample)));
    const snapshot = await lookup(deps.context, subjects);
    if (snapshot.degraded) out.contextDegraded = snapshot.degraded;
    claimed.forEach((f, i) => {
      const plan = f.rule.aggregate!;
      const s = subjects[i];
      const alertType = f.row.alert_type ?? f.rule.meta.id;
      const d = decide(snapshot, s, alertType, f.merged.last, deps.policy);
      const record = buildAggregateAlert({
        rule: f.rule,
        group: f.group,
        groupValues: f.values,
        row: f.row,
        window: { start: f.runStart, end: f.runStart + plan.runBuckets * plan.bucketMs },
        count: f.merged.n,
        eventIds: f.merged.ids,
        firstSeen: f.merged.first,
        lastSeen: f.merged.last,
        sample: f.merged.sample,
        attribution: (f.merged.sample[SAMPLE_ATTRIBUTION] as Attribution | undefined) ?? null,
        source: { bucket: ref.bucket, key: ref.key, line: null },
        names: s.names,
        host: d.host,
        user: d.user,
        degraded: snapshot.degraded ?? null,
        suppressed: d.suppressed,
      });
      (d.suppressed ? out.suppressed : out.alerts).push(record);
    });
  }

  // 6. Raise the watermarks, never past the wall clock: a host whose clock runs ahead cannot make the others late.
  const raise = new Map<string, number>();
  for (const agg of active) {
    const t = Math.min(agg.maxTs, now);
    if (Number.isFinite(t) && t > (marks.get(agg.rule.meta.id) ?? 0)) raise.set(agg.rule.meta.id, t);
  }
  if (raise.size > 0) await store.raiseWatermarks(raise);
  return out;
}

function uniqueMarkers(touched: readonly Touched[]): { rule: string; group: string }[] {
  const seen = new Map<string, { rule: string; group: string }>();
  for (const t of touched) seen.set(`${t.marker.rule}\u0000${t.marker.group}`, t.marker);
  return [...seen.values()];
}

/** The record's alert_id (buildAggregateAlert): the marker names the alert it fired. */
const alertIdOf = (f: Firing): string => aggregateAlertId(f.rule.meta.id, f.group, f.runStart);

/** The names an aggregate's sample carries (resolved from its own object when it was stored). */
function namesOf(sample: Fields): Names {
  const src = (v: string | undefined): NameSource => (v as NameSource | undefined) ?? null;
  return {
    ComputerName: sample.ComputerName || null,
    ComputerNameSource: sample.ComputerName ? (src(sample._ComputerNameSource) ?? 'event') : null,
    UserName: sample.UserName || null,
    UserNameSource: sample.UserName ? (src(sample._UserNameSource) ?? 'event') : null,
  };
}

/** The group's firing, 'quiet' when a run passed but the group is quiet, or null when no run passes. */
function firstPassingRun(t: Touched, stored: readonly AggregateContribution[], marker: AggregateFiring | undefined, contributor: string): Firing | 'quiet' | null {
  const rule = t.agg.rule;
  const spec = rule.query.aggregate!;
  const plan = rule.aggregate!;
  const fns = spec.functions;
  // Merge every contributor's partial per bucket.
  const buckets = new Map<number, Partial>();
  for (const c of stored) {
    const p = JSON.parse(c.data) as Partial;
    const cur = buckets.get(c.bucket);
    buckets.set(c.bucket, cur ? mergePartials(fns, cur, p) : p);
  }
  const starts = [...buckets.keys()].sort((a, b) => a - b);
  const span = (plan.runBuckets - 1) * plan.bucketMs;
  let quiet = false;
  for (const start of starts) {
    const end = start + span;
    // Only runs holding something of this object: the others were evaluated when their own events came.
    if (!t.buckets.some((b) => b >= start && b <= end)) continue;
    let merged: Partial | undefined;
    for (const b of starts) {
      if (b < start) continue;
      if (b > end) break;
      const p = buckets.get(b)!;
      merged = merged ? mergePartials(fns, merged, p) : p;
    }
    const row: Fields = { ...t.values, ...outputs(fns, merged!) };
    const r = spec.having(row);
    if (r.status !== 'match') continue;
    // Quiet, unless this is the firing's own run evaluated again by the object that fired it (a redelivery, or a
    // retry after a failed publication): then the same alert is given again.
    const again =
      marker !== undefined && start === marker.runStart && marker.firedBy === contributor && marker.alertId === aggregateAlertId(rule.meta.id, t.group, start);
    if (marker && !again && start < marker.quietUntil) {
      quiet = true;
      continue;
    }
    return { rule, group: t.group, marker: t.marker, values: t.values, runStart: start, merged: merged!, row: r.fields };
  }
  return quiet ? 'quiet' : null;
}
