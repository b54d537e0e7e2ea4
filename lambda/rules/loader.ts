/**
 * Loads the rule pack: every `<id>.json` metadata file in a folder, with the `.cql` query it names, compiled once.
 * The folder is `pack/` next to this module — in the source tree lambda/rules/pack, in the Lambda bundle the copy
 * the CDK bundling puts next to index.mjs — or `RULES_DIR`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileQuery } from './index';
import { formatDiagnostics } from './format';
import type { LoadedRule, RuleMeta } from './rule';

export function defaultPackDir(): string {
  return process.env.RULES_DIR ?? join(dirname(fileURLToPath(import.meta.url)), 'pack');
}

export class RuleLoadError extends Error {}

export function loadRule(metaPath: string): LoadedRule {
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as RuleMeta;
  for (const k of ['id', 'technique', 'tactic', 'query', 'samples'] as const) {
    if (typeof meta[k] !== 'string' || meta[k] === '') throw new RuleLoadError(`${metaPath}: "${k}" is required`);
  }
  if (!meta.severity || typeof meta.severity.default !== 'string') {
    throw new RuleLoadError(`${metaPath}: "severity.default" is required`);
  }
  const queryPath = resolve(dirname(metaPath), meta.query);
  const source = readFileSync(queryPath, 'utf8');
  const { query, diagnostics } = compileQuery(source);
  if (!query) throw new RuleLoadError(formatDiagnostics(queryPath, source, diagnostics));
  return { meta, query, path: queryPath };
}

/** Every rule in the folder, sorted by file name so evaluation order is stable. */
export function loadRulePack(dir = defaultPackDir()): LoadedRule[] {
  const metas = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.samples.json')).sort();
  if (metas.length === 0) throw new RuleLoadError(`${dir}: no rules (<id>.json + <id>.cql) found`);
  return metas.map((f) => loadRule(join(dir, f)));
}
