/** `fdr-detect lint RULE.cql …`: compile each rule and print located diagnostics. */
import { readFile } from 'node:fs/promises';
import { compileQuery } from '../rules/index';
import { formatDiagnostics } from '../rules/format';
import type { Io } from './replay';

export async function runLint(files: string[], io: Io): Promise<number> {
  let failed = false;
  for (const file of files) {
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (err) {
      io.stderr.write(`${file}: cannot read: ${(err as Error).message}\n`);
      failed = true;
      continue;
    }
    const { diagnostics } = compileQuery(source);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (diagnostics.length > 0) io.stderr.write(formatDiagnostics(file, source, diagnostics) + '\n');
    if (errors.length > 0) failed = true;
    else io.stdout.write(`${file}: ok${diagnostics.length ? ` (${diagnostics.length} warning(s))` : ''}\n`);
  }
  return failed ? 1 : 0;
}
