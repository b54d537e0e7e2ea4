/**
 * Rule packs. A pack is a directory of rules; each rule is `<name>.json` (metadata, validated against
 * rule.schema.json next to this module by its validator compiled ahead of time, rule-validator.js), the `.cql`
 * query it names and its sample events. Several packs load
 * together: rule ids are unique across them and so are the alert types rules declare (their severity keys), or the
 * load fails naming both places. Each rule is compiled once; its metadata is parsed into the plan the stages read
 * (mode, throttles, aggregation window, suppression).
 *
 * Where packs come from: the directories given (`replay --rules DIR`, repeatable; the Lambda's `RULE_PACKS`, a comma
 * list, relative to the handler's own folder), else every pack shipped next to this module — in the source tree
 * lambda/packs/<pack>/, in the Lambda bundle packs/<pack>/ next to index.mjs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostics } from '../rules/format';
import { compileQuery } from '../rules/index';
import type { AggregatePlan, LoadedRule, RuleMeta, ThrottlePlan } from '../rules/rule';
import type { CompiledQuery } from '../rules/types';
import { parseDuration } from '../stateful/duration';
import { validate as validator } from './rule-validator.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where the shipped packs are: next to this module in the source tree; in `packs/` next to a bundle. */
const PACKS_ROOT = existsSync(join(HERE, 'packs')) ? join(HERE, 'packs') : HERE;

/** A problem with a pack, located: the file, and where in it (a JSON path, or a line:col report). */
export interface PackProblem {
  file: string;
  path?: string;
  message: string;
}

export class RuleLoadError extends Error {
  constructor(readonly problems: PackProblem[]) {
    super(problems.map((p) => `${p.file}${p.path ? `: ${p.path}` : ''}: ${p.message}`).join('\n'));
  }
}

/** The packs shipped with fdr-detect: every directory next to this module that holds rules. */
export function defaultPackDirs(root = PACKS_ROOT): string[] {
  return readdirSync(root)
    .filter((name) => !name.startsWith('.'))
    .map((name) => join(root, name))
    .filter((p) => statSync(p).isDirectory() && readdirSync(p).some(isRuleMeta))
    .sort();
}

/** `RULE_PACKS` (a comma list) → directories, relative ones resolved against `base`. */
export function packDirsFrom(list: string | undefined, base = HERE): string[] | undefined {
  const dirs = (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return dirs.length > 0 ? dirs.map((d) => (isAbsolute(d) ? d : resolve(base, d))) : undefined;
}

const isRuleMeta = (f: string): boolean => f.endsWith('.json') && !f.endsWith('.samples.json') && !f.endsWith('.schema.json');

/** Validated against rule.schema.json by its validator compiled ahead of time (scripts/rule-validator.mjs). */
function validateMeta(value: unknown): { path: string; message: string }[] {
  if (validator(value)) return [];
  return (validator.errors ?? []).map((e) => {
    const path = '$' + e.instancePath.replace(/\/([^/]+)/g, (_m, k: string) => (/^\d+$/.test(k) ? `[${k}]` : `.${k.replace(/~1/g, '/').replace(/~0/g, '~')}`));
    const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
    return { path, message: `${e.message ?? 'invalid'}${extra}` };
  });
}

/** The alert types a rule declares: its severity keys, less `default`. */
export function declaredAlertTypes(meta: Pick<RuleMeta, 'severity'>): string[] {
  return Object.keys(meta.severity ?? {}).filter((k) => k !== 'default');
}

/** One rule from its metadata file: validated, compiled and planned; every problem is reported, with its place. */
export function loadRule(metaPath: string, pack = basename(dirname(metaPath))): LoadedRule {
  const problems: PackProblem[] = [];
  let meta: RuleMeta;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as RuleMeta;
  } catch (err) {
    throw new RuleLoadError([{ file: metaPath, message: `not readable JSON: ${(err as Error).message}` }]);
  }
  for (const p of validateMeta(meta)) problems.push({ file: metaPath, ...p });
  if (problems.length > 0) throw new RuleLoadError(problems);

  const queryPath = resolve(dirname(metaPath), meta.query);
  let source: string;
  try {
    source = readFileSync(queryPath, 'utf8');
  } catch (err) {
    throw new RuleLoadError([{ file: metaPath, path: '$.query', message: `cannot read ${meta.query}: ${(err as Error).message}` }]);
  }
  const { query, diagnostics } = compileQuery(source);
  if (!query) throw new RuleLoadError([{ file: queryPath, message: `does not compile:\n${formatDiagnostics(queryPath, source, diagnostics)}` }]);

  return planRule(meta, query, { metaPath, queryPath, pack });
}

/**
 * What a rule's metadata means for the stages: its mode, the throttle of each alert type, the aggregation plan
 * (buckets of window/10, runs of 11 buckets), its suppression. Problems are reported with their JSON paths.
 */
export function planRule(meta: RuleMeta, query: CompiledQuery, at_: { metaPath: string; queryPath: string; pack: string }): LoadedRule {
  const { metaPath, queryPath, pack } = at_;
  const problems: PackProblem[] = [];
  const types = new Set(declaredAlertTypes(meta));
  const at = (path: string, message: string) => problems.push({ file: metaPath, path, message });
  const throttles = new Map<string, ThrottlePlan>();
  const plan = (t: { fields: string[]; period: string }, path: string): ThrottlePlan | undefined => {
    const periodMs = parseDuration(t.period);
    if (periodMs === null) return void at(`${path}.period`, `not a duration: ${t.period}`);
    return { fields: t.fields, period: t.period, periodMs };
  };
  if (meta.throttle) {
    const t = plan(meta.throttle, '$.throttle');
    if (t) throttles.set('*', t);
  }
  for (const [type, t] of Object.entries(meta.throttleByType ?? {})) {
    if (!types.has(type)) at(`$.throttleByType.${type}`, `${type} is not an alert type of this rule (its severity keys)`);
    const p = plan(t, `$.throttleByType.${type}`);
    if (p) throttles.set(type, p);
  }
  for (const type of Object.keys(meta.guide ?? {})) {
    if (!types.has(type)) at(`$.guide.${type}`, `${type} is not an alert type of this rule (its severity keys)`);
  }
  (meta.suppress ?? []).forEach((s, i) => {
    if (!types.has(s.alert_type)) at(`$.suppress[${i}].alert_type`, `${s.alert_type} is not an alert type of this rule (its severity keys)`);
  });

  let aggregate: AggregatePlan | undefined;
  if (query.aggregate && !meta.window) at('$.window', 'the query aggregates (groupBy): the metadata needs a window, e.g. "10m"');
  if (!query.aggregate && (meta.window || meta.lateness)) at(meta.window ? '$.window' : '$.lateness', 'only aggregate rules (a query with groupBy) take a window');
  if (!query.aggregate && meta.quietGroup) at('$.quietGroup', 'only aggregate rules (a query with groupBy) take a quiet group');
  (meta.quietGroup?.fields ?? []).forEach((f, i) => {
    if (query.aggregate && !query.aggregate.groupBy.includes(f)) at(`$.quietGroup.fields[${i}]`, `${f} is not a group field of the query (groupBy: ${query.aggregate.groupBy.join(', ')})`);
  });
  if (query.aggregate && meta.window) {
    const windowMs = parseDuration(meta.window);
    const latenessMs = meta.lateness ? parseDuration(meta.lateness) : windowMs;
    if (windowMs === null) at('$.window', `not a duration: ${meta.window}`);
    else if (windowMs < 10_000) at('$.window', 'at least 10s (the window is bucketed in tenths)');
    if (latenessMs === null) at('$.lateness', `not a duration: ${meta.lateness}`);
    if (windowMs !== null && latenessMs !== null && windowMs >= 10_000) {
      const bucketMs = Math.floor(windowMs / 10);
      aggregate = {
        window: meta.window,
        windowMs,
        bucketMs,
        runBuckets: Math.ceil(windowMs / bucketMs) + 1,
        quietMs: throttles.get('*')?.periodMs ?? windowMs,
        latenessMs,
        quietGroup: meta.quietGroup,
      };
    }
  }
  if (problems.length > 0) throw new RuleLoadError(problems);
  return {
    meta,
    query,
    path: queryPath,
    pack,
    mode: meta.mode ?? 'alert',
    throttles,
    aggregate,
    suppress: meta.suppress ?? [],
  };
}

export interface LoadOptions {
  /** Keep `mode: disabled` rules (lint checks them; the pipeline never runs them). Default false. */
  includeDisabled?: boolean;
}

/** Every rule of every pack, in pack order then file-name order (evaluation order is stable). */
export function loadRulePacks(dirs: readonly string[] = defaultPackDirs(), o: LoadOptions = {}): LoadedRule[] {
  const problems: PackProblem[] = [];
  const rules: LoadedRule[] = [];
  for (const dir of dirs) {
    let metas: string[];
    try {
      metas = readdirSync(dir).filter(isRuleMeta).sort();
    } catch (err) {
      problems.push({ file: dir, message: `not a readable pack directory: ${(err as Error).message}` });
      continue;
    }
    if (metas.length === 0) problems.push({ file: dir, message: 'no rules (<rule>.json + <rule>.cql) found' });
    for (const f of metas) {
      try {
        rules.push(loadRule(join(dir, f), basename(dir)));
      } catch (err) {
        if (err instanceof RuleLoadError) problems.push(...err.problems);
        else throw err;
      }
    }
  }
  const ids = new Map<string, string>();
  const types = new Map<string, { where: string; quietGroup?: string; severity: string }>();
  for (const r of rules) {
    const where = join(dirname(r.path), `${basename(r.path, '.cql')}.json`);
    const other = ids.get(r.meta.id);
    if (other) problems.push({ file: where, path: '$.id', message: `rule id ${r.meta.id} is also the id of ${other}` });
    else ids.set(r.meta.id, where);
    for (const t of declaredAlertTypes(r.meta)) {
      const o = types.get(t);
      // Rules of one quiet group are one detection: they may share alert types, at one severity.
      if (o && o.quietGroup !== undefined && o.quietGroup === r.meta.quietGroup?.name) {
        if (o.severity !== r.meta.severity[t]) problems.push({ file: where, path: `$.severity.${t}`, message: `alert type ${t} has severity ${o.severity} in ${o.where} (same quiet group): give it the same severity` });
      } else if (o) problems.push({ file: where, path: `$.severity.${t}`, message: `alert type ${t} is also declared by ${o.where}` });
      else types.set(t, { where, quietGroup: r.meta.quietGroup?.name, severity: r.meta.severity[t] });
    }
  }
  if (problems.length > 0) throw new RuleLoadError(problems);
  return o.includeDisabled ? rules : rules.filter((r) => r.mode !== 'disabled');
}
