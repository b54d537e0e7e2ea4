// A LoadedRule from CQL source and optional metadata, for tests that need a rule without a pack on disk: planned by
// the loader's own planRule, so its throttles and aggregation plan are what a pack would get.
import { planRule } from '../../lambda/packs/loader';
import { compileQuery } from '../../lambda/rules/index';
import type { LoadedRule, RuleMeta } from '../../lambda/rules/rule';

export function ruleOf(id: string, source: string, meta: Partial<RuleMeta> = {}): LoadedRule {
  const { query, diagnostics } = compileQuery(source);
  if (!query) throw new Error(`${id}: ${JSON.stringify(diagnostics)}`);
  const full: RuleMeta = {
    id,
    title: id,
    technique: 'T1021.002',
    tactic: 'lateral-movement',
    severity: { default: 'medium' },
    query: `${id}.cql`,
    samples: `${id}.samples.json`,
    ...meta,
  };
  return planRule(full, query, { metaPath: `${id}.json`, queryPath: `${id}.cql`, pack: 'test' });
}
