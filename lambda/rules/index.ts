/**
 * fdr-detect's CQL (CrowdStrike LogScale query language) subset: lexer → parser → compiler.
 *
 *   const { query, diagnostics } = compileQuery(source);
 *   if (query) query.evaluate({ '#event_simpleName': 'ProcessRollup2', FileName: 'PsExec.exe' });
 *
 * See compiler.ts for evaluation semantics and CQL.md for the supported subset.
 */
import { compile } from './compiler';
import { sortDiagnostics } from './diagnostics';
import { parse } from './parser';
import type { CompileResult } from './types';

export function compileQuery(source: string): CompileResult {
  const { ast, diagnostics } = parse(source);
  const query = compile(ast, source, diagnostics);
  const diags = sortDiagnostics(diagnostics.list);
  return query && !diags.some((d) => d.severity === 'error') ? { query, diagnostics: diags } : { diagnostics: diags };
}

export { parse } from './parser';
export { tokenize } from './lexer';
export { formatDiagnostics } from './format';
export { deriveEventTypes, EVENT_TYPE_FIELD } from './eventtypes';
export type {
  AggregateFunction,
  AggregateSpec,
  Aggregation,
  CompiledQuery,
  CompileResult,
  Diagnostic,
  EvalResult,
  Fields,
  PresentationSpec,
  TableSpec,
} from './types';
