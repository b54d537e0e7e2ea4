// PLACEHOLDER — being written now; the exported signatures below are the contract.
import type { AlertRecord } from './alerts/types';
import type { ContextStore } from './context/types';
import type { DecodeOptions, DecodeStats } from './fdr/types';
import type { ObjectRef, ObjectSource } from './ports';
import type { LoadedRule } from './rules/rule';

export interface PipelineDeps {
  source: ObjectSource;
  rules: LoadedRule[];
  context: ContextStore;
  decode?: DecodeOptions;
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
  error?: { kind: 'transient' | 'permanent'; message: string };
}

export async function processObject(_ref: ObjectRef, _deps: PipelineDeps): Promise<ObjectResult> {
  throw new Error('not implemented yet');
}
