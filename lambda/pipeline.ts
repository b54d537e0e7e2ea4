/**
 * The detection pipeline for one object, adapter-agnostic (DESIGN.md §2):
 *   bytes → decode (+ prefilter) → field view (+ same-object process join) → rules → identity + context →
 *   suppression policy → alert records.
 * Delivery (dedupe, SNS, stdout) is the caller's: the Lambda handler and the CLI are thin shells around this.
 */
import { buildAlert } from './alerts/record';
import type { AlertRecord, NameSource } from './alerts/types';
import { DEFAULT_POLICY, suppressionFor, type SuppressionRule } from './context/policy';
import type { HostQuery, UserQuery } from './context/types';
import { ContextIndex } from './context/memory';
import { decodeEvents } from './fdr/decode';
import { emptyStats } from './fdr/lines';
import { isProcessEvent, processInfo, PROCESS_EVENT_TYPES, str, viewOf, JOINED_FIELDS } from './fdr/fieldview';
import { IDENTITY_EVENT_TYPES, IdentityIndex, WELL_KNOWN_SIDS } from './fdr/identity';
import { ProcessIndex } from './fdr/join';
import type { DecodedEvent, DecodeOptions, DecodeStats, LineGate } from './fdr/types';
import { SourceError, isTransientSourceError, type ContextSnapshot, type ContextStore, type ObjectRef, type ObjectSource } from './ports';
import { linePredicate } from './rules/literals';
import type { LoadedRule } from './rules/rule';
import type { Fields } from './rules/types';
import { errorMessage } from './util';

export interface PipelineDeps {
  source: ObjectSource;
  rules: LoadedRule[];
  context: ContextStore;
  /** Suppression policy; DEFAULT_POLICY when absent. */
  policy?: readonly SuppressionRule[];
  decode?: DecodeOptions;
  /** Skip JSON.parse of lines whose bytes lack the rules' literals (default true; false parses every candidate). */
  literalGates?: boolean;
  /** Aborts reading (e.g. Lambda time running out). */
  signal?: AbortSignal;
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
}

interface Match {
  rule: LoadedRule;
  fields: Fields;
  ev: DecodedEvent;
  attribution: 'event' | 'joined' | 'unresolved' | null;
}

/** Network events waiting for their process line, per object (each holds its parsed line). */
const MAX_PENDING = 20_000;

/** What a process start must keep for a join when no rule can match it (extracted without JSON.parse). */
const PROCESS_JOIN_FIELDS = ['aid', 'TargetProcessId', 'ImageFileName', 'FileName', 'UserSid', 'CommandLine'] as const;
/** Fields a non-process event may take from another line (the process join): literals on them prove nothing. */
const JOIN_OPAQUE: ReadonlySet<string> = new Set([...JOINED_FIELDS, 'UserSid']);
const NOTHING_OPAQUE: ReadonlySet<string> = new Set();

/**
 * Literal gates per event type (the decoder's second-stage prefilter): a line is JSON.parsed only when its bytes
 * hold the literals some rule needs for that type; process starts that fail still feed the join, through a few
 * extracted fields. Undefined when a rule does not constrain the event type (then every line is parsed).
 */
export function literalGates(rules: readonly LoadedRule[]): Map<string, LineGate> | undefined {
  const ruleTypes = ruleEventTypes(rules);
  if (ruleTypes === null) return undefined;
  const gates = new Map<string, LineGate>();
  for (const type of ruleTypes) {
    const processType = isProcessEvent(type);
    const dnf = rules.flatMap((r) => r.query.requiredLiterals(type, processType ? NOTHING_OPAQUE : JOIN_OPAQUE));
    gates.set(type, { keep: linePredicate(dnf), extract: processType ? PROCESS_JOIN_FIELDS : undefined });
  }
  for (const type of PROCESS_EVENT_TYPES) {
    if (!gates.has(type)) gates.set(type, { keep: () => false, extract: PROCESS_JOIN_FIELDS });
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

export async function processObject(ref: ObjectRef, deps: PipelineDeps): Promise<ObjectResult> {
  const eventTypes = candidateEventTypes(deps.rules);
  const ruleTypes = ruleEventTypes(deps.rules);
  const gates = deps.literalGates === false ? undefined : literalGates(deps.rules);
  const processes = new ProcessIndex();
  const identity = new IdentityIndex();
  const matches: Match[] = [];
  /** Network events whose outcome waits for their process line, which may come later in the object. */
  const pending: { rule: LoadedRule; ev: DecodedEvent }[] = [];

  /** Decide a waiting event with what is known now; an unattributed process fails open. */
  const settle = (rule: LoadedRule, ev: DecodedEvent): void => {
    const view = viewOf(ev.event, processes, true);
    const r = rule.query.evaluate(view.fields);
    if (r.status === 'match') matches.push({ rule, fields: r.fields, ev, attribution: view.attribution });
  };
  let lastLine = 0;
  const consume = (ev: DecodedEvent): void => {
    lastLine = ev.line;
    const raw = ev.event;
    const type = str(raw.event_simpleName);
    if (isProcessEvent(type)) {
      const p = processInfo(raw);
      if (p) processes.add(str(raw.aid), str(raw.TargetProcessId), p);
      if (ev.partial) return; // failed the literal gate: no rule can match it
    } else if (IdentityIndex.isIdentityEvent(type)) {
      identity.add(raw);
    }
    if (ruleTypes !== null && (type === undefined || !ruleTypes.has(type))) return;
    const view = viewOf(raw, processes);
    const unknown = view.pending ? JOINED_FIELDS : undefined;
    for (const rule of deps.rules) {
      const r = rule.query.evaluate(view.fields, unknown);
      if (r.status === 'match') matches.push({ rule, fields: r.fields, ev, attribution: view.attribution });
      else if (r.status === 'unknown') {
        if (pending.length < MAX_PENDING) pending.push({ rule, ev });
        else settle(rule, ev); // memory stays bounded: decide now, failing open as at the end of the object
      }
    }
  };
  const decodeOptions: DecodeOptions = { ...deps.decode, eventTypes, gates, signal: deps.signal };

  let stats: DecodeStats | undefined;
  let error: ObjectResult['error'];
  try {
    const body = await deps.source.open(ref, deps.signal);
    const decoded = decodeEvents(body, decodeOptions);
    stats = decoded.stats;
    for await (const batch of decoded.events) for (const ev of batch) consume(ev);
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
  for (const { rule, ev } of pending) settle(rule, ev);
  matches.sort((a, b) => a.ev.line - b.ev.line);

  const { alerts, suppressed, degraded } = await enrich(ref, matches, identity, deps);
  return { ref, stats, matches: matches.length, alerts, suppressed, contextDegraded: degraded, error };
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
      const again = decodeEvents(body, { ...options, fineInflate: { from: Math.max(0, at - margin), step } });
      for await (const batch of again.events) for (const ev of batch) if (ev.line > lastLine) consume(ev);
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

interface Names {
  ComputerName: string | null;
  ComputerNameSource: NameSource;
  UserName: string | null;
  UserNameSource: NameSource;
}

/** Resolution order: the event's own field → same-object identity events (or a well-known SID) → context → null. */
function streamNames(f: Fields, identity: IdentityIndex): Names {
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

async function enrich(
  ref: ObjectRef,
  matches: Match[],
  identity: IdentityIndex,
  deps: PipelineDeps,
): Promise<{ alerts: AlertRecord[]; suppressed: AlertRecord[]; degraded?: string }> {
  if (matches.length === 0) return { alerts: [], suppressed: [] };
  const prepared = matches.map((m) => {
    const names = streamNames(m.fields, identity);
    const host: HostQuery = { aid: m.fields.aid, computerName: names.ComputerName, ips: [m.fields.aip, m.fields.LocalAddressIP4] };
    const user: UserQuery = { userSid: m.fields.UserSid, userName: names.UserName };
    return { m, names, host, user };
  });
  // One batched lookup per object, with only the keys the matches need.
  let snapshot: ContextSnapshot;
  try {
    snapshot = await deps.context.lookup({ hosts: prepared.map((p) => p.host), users: prepared.map((p) => p.user) });
  } catch (err) {
    snapshot = new ContextIndex({}, `context lookup failed: ${errorMessage(err)}`);
  }
  const degraded = snapshot.degraded ?? null;
  const alerts: AlertRecord[] = [];
  const suppressed: AlertRecord[] = [];
  for (const { m, names, host: hq, user: uq } of prepared) {
    const host = snapshot.host(hq);
    const user = snapshot.user(uq);
    if (!names.ComputerName && host?.computerName) [names.ComputerName, names.ComputerNameSource] = [host.computerName, 'context'];
    if (!names.UserName && user?.userName) [names.UserName, names.UserNameSource] = [user.userName, 'context'];
    const alertType = m.fields.alert_type ?? m.rule.meta.id;
    const ts = Number(m.fields['@timestamp']);
    // Without context (outage) nothing is suppressed: alert rather than lose a detection.
    const supp = degraded ? null : suppressionFor(alertType, user, host, Number.isFinite(ts) ? ts : null, deps.policy ?? DEFAULT_POLICY);
    const record = buildAlert({
      rule: m.rule.meta,
      fields: m.fields,
      rawLine: m.ev.text,
      attribution: m.attribution,
      source: { bucket: ref.bucket, key: ref.key, line: m.ev.line },
      names,
      host,
      user,
      degraded,
      suppressed: supp,
    });
    (supp ? suppressed : alerts).push(record);
  }
  return { alerts, suppressed, degraded: degraded ?? undefined };
}
