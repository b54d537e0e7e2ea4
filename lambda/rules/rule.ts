import type { Severity } from '../alerts/types';
import type { CompiledQuery } from './types';

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
}

export interface LoadedRule {
  meta: RuleMeta;
  query: CompiledQuery;
  /** Where the rule was loaded from (for messages). */
  path: string;
}
