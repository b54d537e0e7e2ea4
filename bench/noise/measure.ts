/**
 * The shipped pack over the background the way `fdr-detect replay` runs it: every object in order through
 * processObject + applyState, one MemoryStateStore across them (throttle slots and fan-out windows span objects),
 * one context store, the pack's own suppression policy. What comes out is tallied, not printed.
 */
import type { AlertRecord } from '../../lambda/alerts/types';
import { policyOf } from '../../lambda/context/policy';
import { loadRulePacks } from '../../lambda/packs/loader';
import { processObject } from '../../lambda/pipeline';
import type { ContextStore } from '../../lambda/ports';
import type { LoadedRule } from '../../lambda/rules/rule';
import { FileObjectSource } from '../../lambda/sources/file';
import { applyState } from '../../lambda/stateful/index';
import { MemoryStateStore } from '../../lambda/stores/state-memory';

/** The README's documented low-severity alert: SMB whose process the sensor left unnamed and no start line names. */
export function isDocumentedLow(a: AlertRecord): boolean {
  return a.alert_type === 'SMB445Connection' && a.severity === 'low' && a.attribution === 'unresolved';
}

/** The context entry behind a suppression: the remote host, else the host, else the user. */
function entryName(a: AlertRecord): string {
  const e = a.suppressed?.entry;
  return e?.remoteHost?.computerName ?? e?.host?.computerName ?? e?.user?.userName ?? '?';
}

export interface NoiseTally {
  objects: number;
  events: number;
  plainBytes: number;
  /** Wall time of the pipeline and the stateful stage over every object (ms). */
  ms: number;
  /** Published alerts per `alert_type severity`. */
  alerts: Record<string, number>;
  /** Suppressed matches and fired aggregates per alert type (folded ones under `(folded)`). */
  suppressed: Record<string, number>;
  /** Suppressed matches per context entry that suppressed them (a host's or account's name). */
  suppressedBy: Record<string, number>;
  throttled: Record<string, number>;
  documentedLow: number;
  /** Published alerts that are not the documented low-severity ones (all of them: the bench prints them). */
  unexpected: AlertRecord[];
  /** Most matches in one object, against the per-object cap past which matches are folded. */
  maxMatchesPerObject: number;
  folded: number;
  lateEvents: number;
  /** Groups that met their condition while quiet (a burst already alerted or suppressed). */
  quiet: number;
  errors: string[];
}

const bump = (m: Record<string, number>, k: string, n = 1): void => {
  m[k] = (m[k] ?? 0) + n;
};

export async function measureNoise(objects: readonly string[], context: ContextStore, rules: LoadedRule[] = loadRulePacks()): Promise<NoiseTally> {
  const t: NoiseTally = { objects: 0, events: 0, plainBytes: 0, ms: 0, alerts: {}, suppressed: {}, suppressedBy: {}, throttled: {}, documentedLow: 0, unexpected: [], maxMatchesPerObject: 0, folded: 0, lateEvents: 0, quiet: 0, errors: [] };
  const policy = policyOf(rules);
  const store = new MemoryStateStore();
  const source = new FileObjectSource();
  const t0 = performance.now();
  for (const key of objects) {
    const result = await processObject({ bucket: null, key }, { source, rules, context, policy });
    const state = await applyState(result, { store, context, policy });
    t.objects++;
    t.events += result.stats.lines;
    t.plainBytes += result.stats.bytesOut;
    t.maxMatchesPerObject = Math.max(t.maxMatchesPerObject, result.matches);
    t.folded += result.folded.alerts;
    t.lateEvents += state.lateEvents;
    t.quiet += state.quiet;
    if (result.error) t.errors.push(`${key}: ${result.error.message}`);
    for (const a of [...result.suppressed, ...state.suppressed]) {
      bump(t.suppressed, a.alert_type);
      bump(t.suppressedBy, entryName(a));
    }
    if (result.folded.suppressed > 0) bump(t.suppressed, '(folded)', result.folded.suppressed);
    for (const a of state.throttled) bump(t.throttled, a.alert_type);
    for (const a of state.publish) {
      bump(t.alerts, `${a.alert_type} ${a.severity}`);
      if (isDocumentedLow(a)) t.documentedLow++;
      else t.unexpected.push(a);
    }
  }
  t.ms = performance.now() - t0;
  return t;
}
