/**
 * Compiler-style rendering of diagnostics (used by `fdr-detect lint` and rule loading):
 *
 *   rule.cql:1:19: error[not-cql-in]: `in [...]` is not CQL
 *       1 | #event_simpleName in ["ProcessRollup2", "NetworkConnectIP4"]
 *         |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
 *         = hint: in(field="#event_simpleName", values=["ProcessRollup2", "NetworkConnectIP4"])
 *
 * A span over several lines is underlined to the end of its first line. Tabs in the source line are kept in
 * the underline's indentation so the carets line up.
 */
import type { Diagnostic } from './types';

export function formatDiagnostics(file: string, source: string, diags: Diagnostic[]): string {
  const lines = source.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const width = String(Math.max(1, ...diags.map((d) => d.line))).length;
  const gutter = ' '.repeat(width);
  const blocks: string[] = [];
  for (const d of diags) {
    const out = [`${file}:${d.line}:${d.col}: ${d.severity}[${d.code}]: ${d.message}`];
    const text = lines[d.line - 1];
    if (text !== undefined) {
      const startIdx = Math.min(d.col - 1, text.length);
      const endIdx = d.endLine === d.line ? Math.min(d.endCol - 1, text.length) : text.length;
      const pad = text.slice(0, startIdx).replace(/[^\t]/g, ' ');
      const marks = '^'.repeat(Math.max(1, endIdx - startIdx));
      out.push(`${String(d.line).padStart(width)} | ${text}`);
      out.push(`${gutter} | ${pad}${marks}`);
    }
    if (d.hint !== undefined) out.push(`${gutter} = hint: ${d.hint}`);
    blocks.push(out.join('\n') + '\n');
  }
  return blocks.join('\n');
}
