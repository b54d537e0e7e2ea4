// A LoadedRule from CQL source and optional metadata, for tests that need a rule without a pack on disk.
import { compileQuery } from '../../lambda/rules/index';
import type { LoadedRule, RuleMeta, ThrottlePlan } from '../../lambda/rules/rule';
import { parseDuration } from '../../lambda/stateful/duration';

export function ruleOf(id: string, source: string, meta: Partial<RuleMeta> = {}): LoadedRule {
  const { query, diagnostics } = compileQuery(source);
  if (!query) throw new Error(`${id}: ${JSON.stringify(diagnostics)}`);
  const throttles = new Map<string, ThrottlePlan>();
  const plan = (t: { fields: string[]; period: string }): ThrottlePlan => ({ ...t, periodMs: parseDuration(t.period)! });
  if (meta.throttle) throttles.set('*', plan(meta.throttle));
  for (const [k, t] of Object.entries(meta.throttleByType ?? {})) throttles.set(k, plan(t));
  const windowMs = meta.window ? parseDuration(meta.window)! : undefined;
  return {
    meta: { id, title: id, technique: 'T1021.002', tactic: 'lateral-movement', severity: { default: 'medium' }, query: `${id}.cql`, samples: `${id}.samples.json`, ...meta },
    query,
    path: `${id}.cql`,
    pack: 'test',
    mode: meta.mode ?? 'alert',
    throttles,
    aggregate:
      windowMs === undefined
        ? undefined
        : {
            window: meta.window!,
            windowMs,
            bucketMs: Math.floor(windowMs / 10),
            runBuckets: 11,
            quietMs: throttles.get('*')?.periodMs ?? windowMs,
            latenessMs: meta.lateness ? parseDuration(meta.lateness)! : windowMs,
          },
    suppress: meta.suppress ?? [],
  };
}
