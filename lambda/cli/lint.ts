/**
 * `fdr-detect lint RULE.cql|PACK_DIR …`: a query file is compiled and its located diagnostics printed; a pack
 * directory is checked whole — every rule's metadata against the schema, its query, its sample cases — and so are
 * the packs given together (ids and alert types unique across them).
 */
import { stat, readFile } from 'node:fs/promises';
import { compileQuery } from '../rules/index';
import { formatDiagnostics } from '../rules/format';
import type { Io } from './replay';

async function lintQuery(file: string, io: Io): Promise<boolean> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    io.stderr.write(`${file}: cannot read: ${(err as Error).message}\n`);
    return false;
  }
  const { diagnostics } = compileQuery(source);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (diagnostics.length > 0) io.stderr.write(formatDiagnostics(file, source, diagnostics) + '\n');
  if (errors.length > 0) return false;
  io.stdout.write(`${file}: ok${diagnostics.length ? ` (${diagnostics.length} warning(s))` : ''}\n`);
  return true;
}

async function lintPacks(dirs: string[], io: Io): Promise<boolean> {
  // Loaded only for packs: linting a query stays a compiler run.
  const [{ loadRulePacks, RuleLoadError }, { runSamples }] = await Promise.all([import('../packs/loader'), import('../packs/samples')]);
  let rules;
  try {
    rules = loadRulePacks(dirs, { includeDisabled: true });
  } catch (err) {
    if (!(err instanceof RuleLoadError)) throw err;
    for (const p of err.problems) io.stderr.write(`${p.file}${p.path ? `: ${p.path}` : ''}: ${p.message}\n`);
    return false;
  }
  let ok = true;
  for (const rule of rules) {
    const report = await runSamples(rule);
    for (const f of report.failures) io.stderr.write(`${rule.path}: samples: ${f}\n`);
    if (report.failures.length > 0) ok = false;
    else io.stdout.write(`${rule.path}: ok (${rule.meta.id}, ${rule.mode}, ${report.cases} sample cases)\n`);
  }
  return ok;
}

export async function runLint(paths: string[], io: Io): Promise<number> {
  const dirs: string[] = [];
  let failed = false;
  for (const p of paths) {
    const isDir = await stat(p).then((s) => s.isDirectory(), () => false);
    if (isDir) dirs.push(p);
    else if (!(await lintQuery(p, io))) failed = true;
  }
  if (dirs.length > 0 && !(await lintPacks(dirs, io))) failed = true;
  return failed ? 1 : 0;
}
