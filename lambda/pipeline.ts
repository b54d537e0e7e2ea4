/**
 * The detection pipeline for one object, adapter-agnostic:
 *   bytes → decode (+ prefilters) → field view (+ same-object process join) → rules → identity + context →
 *   suppression policy → alert records.
 * Delivery (dedupe, SNS, stdout) is the caller's: the Lambda handler and the CLI are thin shells around this.
 *
 * Memory per object is bounded whatever it holds: the process join and identity indexes forget their oldest entries,
 * events waiting for their process line (connections, file writes) are capped (past that decided at once, failing open), and past
 * `maxAlertsPerObject` matches are folded into counts that leave as one summary alert (alerts/overflow.ts).
 */
import { DEFAULT_MAX_ALERTS_PER_OBJECT, MAX_FOLDED_KEYS, overflowAlert, type FoldedAlert } from './alerts/overflow';
import { buildAlert, severityOf } from './alerts/record';
import { redactCommandLine } from './alerts/redact';
import type { AlertRecord } from './alerts/types';
import { decide, lookup, subjectOf, type Names, type Subject } from './context/enrich';
import { policyOf, type SuppressionRule } from './context/policy';
import { decodeEvents } from './fdr/decode';
import { emptyStats } from './fdr/lines';
import { isProcessEvent, processInfo, PROCESS_EVENT_TYPES, str, viewOf, JOINED_FIELDS } from './fdr/fieldview';
import { IDENTITY_EVENT_TYPES, IdentityIndex, WELL_KNOWN_SIDS } from './fdr/identity';
import { ProcessIndex } from './fdr/join';
import type { DecodedEvent, DecodeOptions, DecodeStats, LineGate } from './fdr/types';
import { SourceError, isTransientSourceError, type ContextStore, type ObjectRef, type ObjectSource } from './ports';
import { byteNeedles, linePredicate } from './rules/literals';
import { throttleOf, type LoadedRule, type Severity } from './rules/rule';
import type { Fields } from './rules/types';
import { RuleAggregation } from './stateful/collect';

export interface PipelineDeps {
  source: ObjectSource;
  rules: LoadedRule[];
  context: ContextStore;
  /** Suppression policy; default: the rules' own (`suppress` in their metadata). */
  policy?: readonly SuppressionRule[];
  decode?: DecodeOptions;
  /** Skip JSON.parse of lines whose bytes lack the rules' literals (default true; false parses every candidate). */
  literalGates?: boolean;
  /** Aborts reading (e.g. Lambda time running out). */
  signal?: AbortSignal;
  /** Matches kept whole per object; later ones are folded into one summary alert. Default 1000. */
  maxAlertsPerObject?: number;
}

export interface ObjectResult {
  ref: ObjectRef;
  stats: DecodeStats;
  /** Rule matches (alerts + suppressed). */
  matches: number;
  /** Unsuppressed alerts, redacted, ready for a sink. */
  alerts: AlertRecord[];
  /** Suppressed matches, with `suppressed: {reason, entry}`; never published. */
  suppressed: AlertRecord[];
  /** Context store outage message, when alerts went out without context. */
  contextDegraded?: string;
  /** Set when the object could not be read to its end (stats.error has the details). */
  error?: { kind: 'transient' | 'permanent'; code: string; message: string };
  /** Matches past the per-object cap: counted, folded into the summary alert among `alerts` (or suppressed). */
  folded: { matches: number; alerts: number; suppressed: number };
  /**
   * Matches that repeat one kept whole in this object — same rule, alert type, throttle slot (its fields and
   * period), host, user and addresses — so they can only be throttled (or suppressed with it), past the room kept
   * for such repeats (the cap again, outside its count): counted here, not kept whole.
   */
  repeats: { throttled: number; suppressed: number };
  /** What the bounded join state forgot: process starts evicted, network events decided before the object's end. */
  join: { processesForgotten: number; decidedEarly: number };
  /** The object's contributions to its aggregate rules (the stateful stage stores them and evaluates the windows). */
  aggregates: RuleAggregation[];
}

interface Match {
  rule: LoadedRule;
  fields: Fields;
  ev: DecodedEvent;
  attribution: 'event' | 'joined' | 'unresolved' | null;
  /** Later matches of this object that repeat this one's throttle slot, host and user (Matches.add). */
  repeats?: number;
}

/** Events waiting for their process line, per object (each holds its parsed line, whatever number of rules wait on it). */
const MAX_PENDING = 20_000;

/** Fields a non-process event may take from another line (the process join): literals on them prove nothing. */
const JOIN_OPAQUE: ReadonlySet<string> = new Set([...JOINED_FIELDS, 'UserSid']);
const NOTHING_OPAQUE: ReadonlySet<string> = new Set();

/**
 * Literal gates per event type (the decoder's second-stage prefilter): a line is JSON.parsed only when its bytes
 * hold the literals some rule needs for that type; process starts and identity events that fail (all of them, for a
 * type no rule matches) still feed the process join and the user and host names, through a few fields read from
 * their text. Undefined when a rule does not constrain the event type (then every line is parsed).
 */
export function literalGates(rules: readonly LoadedRule[]): Map<string, LineGate> | undefined {
  const ruleTypes = ruleEventTypes(rules);
  if (ruleTypes === null) return undefined;
  const gates = new Map<string, LineGate>();
  for (const type of ruleTypes) {
    const processType = isProcessEvent(type);
    const dnf = rules.flatMap((r) => r.query.requiredLiterals(type, processType ? NOTHING_OPAQUE : JOIN_OPAQUE));
    // Process starts and identity events feed the joins even when no rule can match them: those are kept partial.
    gates.set(type, { keep: linePredicate(dnf), partial: processType || IdentityIndex.isIdentityEvent(type), needles: byteNeedles(dnf) });
  }
  for (const type of [...PROCESS_EVENT_TYPES, ...IDENTITY_EVENT_TYPES]) {
    if (!gates.has(type)) gates.set(type, { keep: () => false, partial: true });
  }
  return gates;
}

/** The `#event_simpleName` values worth parsing: what the rules can match plus what joins and identity need. */
export function candidateEventTypes(rules: readonly LoadedRule[]): string[] | null {
  const types = new Set<string>([...PROCESS_EVENT_TYPES, ...IDENTITY_EVENT_TYPES]);
  for (const r of rules) {
    if (r.query.eventTypes === null) return null;
    for (const t of r.query.eventTypes) types.add(t);
  }
  return [...types];
}

/** What a rule set asks of the decoder, derived once per rule set (not per object). */
interface RulePlan {
  /** The `#event_simpleName` values worth parsing (null: every line). */
  eventTypes: string[] | null;
  /** The types a rule can match (null: unconstrained). */
  ruleTypes: Set<string> | null;
  gates: Map<string, LineGate> | undefined;
}

const plans = new WeakMap<readonly LoadedRule[], RulePlan>();

function planFor(rules: readonly LoadedRule[]): RulePlan {
  let p = plans.get(rules);
  if (!p) {
    p = { eventTypes: candidateEventTypes(rules), ruleTypes: ruleEventTypes(rules), gates: literalGates(rules) };
    plans.set(rules, p);
  }
  return p;
}

export async function processObject(ref: ObjectRef, deps: PipelineDeps): Promise<ObjectResult> {
  const plan = planFor(deps.rules);
  const { eventTypes, ruleTypes } = plan;
  const gates = deps.literalGates === false ? undefined : plan.gates;
  const processes = new ProcessIndex();
  const identity = new IdentityIndex();
  const matches = new Matches(deps.maxAlertsPerObject ?? DEFAULT_MAX_ALERTS_PER_OBJECT);
  const aggregations = new Map(deps.rules.filter((r) => r.aggregate && r.query.aggregate).map((r) => [r, new RuleAggregation(r)]));
  /** A rule's match: an alert of a filter rule, or an event an aggregate rule counts. */
  const matched = (m: Match): void => {
    const agg = aggregations.get(m.rule);
    if (agg) agg.add(m.fields, m.attribution);
    else matches.add(m);
  };
  /**
   * Events of a context process (connections, file writes, …) whose process line may come later in the object: a
   * rule that reads what the join fills waits for it; so does a match that does not, so that its alert names the
   * process as the join finds it at the end of the object.
   */
  const pending: { rules: LoadedRule[]; ev: DecodedEvent }[] = [];
  let decidedEarly = 0;

  /** Decide a waiting event for the rules that wait on it, with what is known now; an unattributed process fails open. */
  const settle = (rules: readonly LoadedRule[], ev: DecodedEvent): void => {
    const view = viewOf(ev.event, processes, true);
    for (const rule of rules) {
      const r = rule.query.evaluate(view.fields);
      if (r.status === 'match') matched({ rule, fields: r.fields, ev, attribution: view.attribution });
    }
  };
  let lastLine = 0;
  const consume = (ev: DecodedEvent): void => {
    lastLine = ev.line;
    const raw = ev.event;
    const type = str(raw.event_simpleName);
    if (isProcessEvent(type)) {
      if (ev.partial) {
        processes.addLine(ev.text); // failed the literal gate: no rule can match it, it only feeds the join
        return;
      }
      const p = processInfo(raw);
      if (p) processes.add(str(raw.aid), str(raw.TargetProcessId), p);
    } else if (IdentityIndex.isIdentityEvent(type)) {
      if (ev.partial) {
        identity.addLine(ev.text, type!); // no rule can match it: it only names users and hosts
        return;
      }
      identity.add(raw);
    }
    if (ruleTypes !== null && (type === undefined || !ruleTypes.has(type))) return;
    const view = viewOf(raw, processes);
    const unknown = view.pending ? JOINED_FIELDS : undefined;
    let waiting: LoadedRule[] | undefined;
    for (const rule of deps.rules) {
      const r = rule.query.evaluate(view.fields, unknown);
      if (r.status === 'match' && !view.pending) matched({ rule, fields: r.fields, ev, attribution: view.attribution });
      else if (r.status !== 'nomatch') (waiting ??= []).push(rule);
    }
    if (!waiting) return;
    if (pending.length < MAX_PENDING) pending.push({ rules: waiting, ev });
    else {
      decidedEarly++;
      settle(waiting, ev); // memory stays bounded: decide now, failing open as at the end of the object
    }
  };
  const decodeOptions: DecodeOptions = { ...deps.decode, eventTypes, gates, signal: deps.signal, onEvent: consume };

  let stats: DecodeStats | undefined;
  let error: ObjectResult['error'];
  try {
    const body = await deps.source.open(ref, deps.signal);
    const decoded = decodeEvents(body, decodeOptions);
    stats = decoded.stats;
    for await (const _ of decoded.events); // reads the object: its events go to consume as each line is read (onEvent)
    if (stats.error?.stage === 'gzip' && !deps.signal?.aborted) {
      stats = await recoverBeforeDamage(ref, deps, decodeOptions, () => lastLine, consume, stats);
    }
    if (stats.error) {
      const e = stats.error;
      error = { kind: e.transient ? 'transient' : 'permanent', code: e.code, message: e.message };
    }
  } catch (err) {
    // Opening the object failed (missing, denied, network): nothing was read. The source says whether a retry may help.
    const code = err instanceof SourceError ? err.code : 'unknown';
    error = { kind: isTransientSourceError(err) ? 'transient' : 'permanent', code, message: (err as Error)?.message ?? String(err) };
  }
  stats ??= emptyStats();

  // The whole object has been read: joins that were waiting either resolve now or fail open (LogScale's `!=`
  // passes on a missing field), marked `attribution: "unresolved"`.
  for (const { rules, ev } of pending) settle(rules, ev);
  for (const agg of aggregations.values()) for (const sample of agg.samples()) completeSample(sample, identity);

  const { alerts, suppressed, degraded, folded, repeats } = await enrich(ref, matches, identity, deps);
  return {
    ref,
    stats,
    matches: matches.total,
    alerts,
    suppressed,
    contextDegraded: degraded,
    error,
    folded,
    repeats,
    join: { processesForgotten: processes.evicted, decidedEarly },
    aggregates: [...aggregations.values()],
  };
}

/**
 * An aggregate's sample (the latest event of a cell), once the object has been read: names from the object's
 * identity events (kept with their sources as `_ComputerNameSource` / `_UserNameSource`), and its command line
 * redacted, since the sample is stored with the group's state.
 */
function completeSample(sample: Fields, identity: IdentityIndex): void {
  const names = streamNames(sample, identity);
  if (names.ComputerName) [sample.ComputerName, sample._ComputerNameSource] = [names.ComputerName, names.ComputerNameSource ?? undefined];
  if (names.UserName) [sample.UserName, sample._UserNameSource] = [names.UserName, names.UserNameSource ?? undefined];
  if (sample.CommandLine) sample.CommandLine = redactCommandLine(sample.CommandLine).text;
}

/**
 * Corrupt gzip: Node's zlib drops the output of the one inflate call that hits the damage (up to a 256 KiB chunk —
 * in a small object, everything). The object is read again, fast up to shortly before where the damage was
 * reported and in ever smaller steps from there (first 256 B, then 1 B), and the events past the last line
 * already seen are consumed, so what precedes the damage is kept. Only corrupt objects pay for this. A pass's
 * statistics replace the previous one's (it saw the same lines, and more). If the object cannot be read again,
 * what was read stands.
 */
async function recoverBeforeDamage(
  ref: ObjectRef,
  deps: PipelineDeps,
  options: DecodeOptions,
  seen: () => number,
  consume: (ev: DecodedEvent) => void,
  first: DecodeStats,
): Promise<DecodeStats> {
  let stats = first;
  for (const [margin, step] of [
    [512 * 1024, 256],
    [1024, 1],
  ] as const) {
    const at = stats.error?.stage === 'gzip' ? stats.error.atByte : undefined;
    if (at === undefined) break;
    try {
      const lastLine = seen();
      const body = await deps.source.open(ref, deps.signal);
      const again = decodeEvents(body, {
        ...options,
        fineInflate: { from: Math.max(0, at - margin), step },
        onEvent: (ev) => ev.line > lastLine && consume(ev),
      });
      for await (const _ of again.events);
      if (again.stats.error?.stage !== 'gzip') break; // the object changed under us: keep what we have
      stats = again.stats;
    } catch {
      break;
    }
  }
  return stats;
}

function ruleEventTypes(rules: readonly LoadedRule[]): Set<string> | null {
  const s = new Set<string>();
  for (const r of rules) {
    if (r.query.eventTypes === null) return null;
    for (const t of r.query.eventTypes) s.add(t);
  }
  return s;
}

/** Resolution order: the event's own field → same-object identity events (or a well-known SID) → context → null. */
export function streamNames(f: Fields, identity: IdentityIndex): Names {
  const names: Names = { ComputerName: null, ComputerNameSource: null, UserName: null, UserNameSource: null };
  if (f.ComputerName) [names.ComputerName, names.ComputerNameSource] = [f.ComputerName, 'event'];
  else {
    const c = identity.computerName(f.aid);
    if (c) [names.ComputerName, names.ComputerNameSource] = [c, 'stream'];
  }
  if (f.UserName) [names.UserName, names.UserNameSource] = [f.UserName, 'event'];
  else {
    const wellKnown = f.UserSid ? WELL_KNOWN_SIDS[f.UserSid] : undefined;
    const u = wellKnown ?? identity.userName(f.aid, f.UserSid, f.AuthenticationId);
    if (u) [names.UserName, names.UserNameSource] = [u, wellKnown ? 'well-known' : 'stream'];
  }
  return names;
}

/** A folded match's key facts: enough to name its host and user and decide its suppression, not its event. */
interface FoldedKey {
  rule: LoadedRule;
  alertType: string;
  /** The highest severity among the folded matches (the metadata's, or what the query assigned). */
  severity: Severity;
  fields: Fields;
  count: number;
  firstLine: number;
  lastLine: number;
  firstTs: number | null;
  lastTs: number | null;
}

/** The fields a folded match keeps: what names and context lookups read. */
const FOLD_FIELDS = ['aid', 'UserSid', 'AuthenticationId', 'ComputerName', 'UserName', 'aip', 'LocalAddressIP4'] as const;

const SEVERITY_RANK: Record<Severity, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** What, besides the throttle slot, makes two matches certain to be decided alike: names, context, suppression. */
const REPEAT_FIELDS = [...FOLD_FIELDS, 'RemoteAddressIP4', 'RemoteAddressIP6'] as const;

/**
 * An object's matches: the first `cap` whole, the rest folded per (rule, alert type, host, user). A match of a
 * throttled alert type that repeats a kept match's throttle slot and its REPEAT_FIELDS (at most one alert of a slot
 * is published per period, and the two get the same names and suppression decision) does not count against the
 * cap: up to `cap` such repeats are kept whole besides, the rest only counted on the match they repeat — so one
 * noisy source cannot fold other detections of the object into the summary alert.
 */
class Matches {
  readonly kept: Match[] = [];
  private readonly folded = new Map<string, FoldedKey>();
  /** Kept matches of throttled alert types, by throttle slot and REPEAT_FIELDS (at most `cap` entries). */
  private readonly slots = new Map<string, Match>();
  /** Repeats kept whole (at most `cap`, outside the cap's count). */
  private repeatsKept = 0;
  total = 0;

  constructor(private readonly cap: number) {}

  add(m: Match): void {
    this.total++;
    const alertType = m.fields.alert_type ?? m.rule.meta.id;
    const slot = repeatKey(m, alertType);
    if (slot !== undefined) {
      const first = this.slots.get(slot);
      if (first) {
        // Kept whole while there is room for repeats (they stay visible: replay --include-throttled, the throttle
        // log), but never in the cap's count; past that room, counted on the first.
        if (this.repeatsKept < this.cap) {
          this.repeatsKept++;
          this.kept.push(m);
        } else first.repeats = (first.repeats ?? 0) + 1;
        return;
      }
    }
    if (this.kept.length - this.repeatsKept < this.cap) {
      this.kept.push(m);
      if (slot !== undefined) this.slots.set(slot, m);
      return;
    }
    let key = [m.rule.meta.id, alertType, ...FOLD_FIELDS.map((f) => m.fields[f] ?? '')].join('\u0000');
    if (!this.folded.has(key) && this.folded.size >= MAX_FOLDED_KEYS) key = `${m.rule.meta.id}\u0000${alertType}\u0000(other)`;
    const ts = Number(m.fields['@timestamp']);
    const t = Number.isFinite(ts) ? ts : null;
    const f = this.folded.get(key);
    const severity = severityOf(m.rule.meta, alertType, m.fields);
    if (f) {
      f.count++;
      if (SEVERITY_RANK[severity] > SEVERITY_RANK[f.severity]) f.severity = severity;
      f.lastLine = Math.max(f.lastLine, m.ev.line);
      f.firstLine = Math.min(f.firstLine, m.ev.line);
      if (t !== null) {
        f.firstTs = f.firstTs === null ? t : Math.min(f.firstTs, t);
        f.lastTs = f.lastTs === null ? t : Math.max(f.lastTs, t);
      }
      return;
    }
    const fields: Fields = {};
    for (const k of FOLD_FIELDS) if (m.fields[k] !== undefined) fields[k] = m.fields[k];
    this.folded.set(key, { rule: m.rule, alertType, severity, fields, count: 1, firstLine: m.ev.line, lastLine: m.ev.line, firstTs: t, lastTs: t });
  }

  foldedKeys(): FoldedKey[] {
    return [...this.folded.values()];
  }
}

/** The throttle slot of a match (rule, type, the throttle's field values, period) and its REPEAT_FIELDS; undefined when not throttled. */
function repeatKey(m: Match, alertType: string): string | undefined {
  const t = throttleOf(m.rule, alertType);
  if (!t) return undefined;
  const ts = Number(m.fields['@timestamp']);
  const period = Math.floor((Number.isFinite(ts) ? ts : 0) / t.periodMs);
  return JSON.stringify([m.rule.meta.id, alertType, period, t.fields.map((f) => m.fields[f] ?? null), REPEAT_FIELDS.map((f) => m.fields[f] ?? null)]);
}

/** Names and context queries of one match (whole or folded). */
function prepare(fields: Fields, identity: IdentityIndex): Subject {
  return subjectOf(fields, streamNames(fields, identity));
}

async function enrich(
  ref: ObjectRef,
  matches: Matches,
  identity: IdentityIndex,
  deps: PipelineDeps,
): Promise<{ alerts: AlertRecord[]; suppressed: AlertRecord[]; degraded?: string; folded: ObjectResult['folded']; repeats: ObjectResult['repeats'] }> {
  const folded = { matches: 0, alerts: 0, suppressed: 0 };
  const repeats = { throttled: 0, suppressed: 0 };
  if (matches.total === 0) return { alerts: [], suppressed: [], folded, repeats };
  const kept = matches.kept.sort((a, b) => a.ev.line - b.ev.line).map((m) => ({ m, s: prepare(m.fields, identity) }));
  const keys = matches.foldedKeys().map((k) => ({ k, s: prepare(k.fields, identity) }));
  // One batched lookup per object, with only the keys the matches need.
  const snapshot = await lookup(deps.context, [...kept.map((p) => p.s), ...keys.map((p) => p.s)]);
  const degraded = snapshot.degraded ?? null;
  const policy = deps.policy ?? policyOf(deps.rules);
  const alerts: AlertRecord[] = [];
  const suppressed: AlertRecord[] = [];
  for (const { m, s } of kept) {
    const alertType = m.fields.alert_type ?? m.rule.meta.id;
    const ts = Number(m.fields['@timestamp']);
    const d = decide(snapshot, s, alertType, Number.isFinite(ts) ? ts : null, policy);
    const record = buildAlert({
      rule: m.rule,
      fields: m.fields,
      rawLine: m.ev.text,
      attribution: m.attribution,
      source: { bucket: ref.bucket, key: ref.key, line: m.ev.line },
      names: s.names,
      host: d.host,
      user: d.user,
      degraded,
      suppressed: d.suppressed,
    });
    (d.suppressed ? suppressed : alerts).push(record);
    if (m.repeats) repeats[d.suppressed ? 'suppressed' : 'throttled'] += m.repeats;
  }
  const foldedAlerts: FoldedAlert[] = [];
  for (const { k, s } of keys) {
    folded.matches += k.count;
    // A shadow rule never pages, not even through the summary.
    if (k.rule.mode === 'shadow') continue;
    if (decide(snapshot, s, k.alertType, k.lastTs, policy).suppressed) {
      folded.suppressed += k.count;
      continue;
    }
    folded.alerts += k.count;
    const meta = k.rule.meta;
    foldedAlerts.push({
      alertType: k.alertType,
      severity: k.severity,
      technique: meta.technique,
      tactic: meta.tactic,
      aid: k.fields.aid ?? null,
      computerName: s.names.ComputerName,
      count: k.count,
      firstLine: k.firstLine,
      lastLine: k.lastLine,
      firstTs: k.firstTs,
      lastTs: k.lastTs,
    });
  }
  const summary = overflowAlert(ref, matches.kept.length, foldedAlerts);
  if (summary) alerts.push(summary);
  return { alerts, suppressed, degraded: degraded ?? undefined, folded, repeats };
}
