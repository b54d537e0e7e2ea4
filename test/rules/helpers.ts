import { expect } from 'vitest';
import { compileQuery } from '../../lambda/rules/index';
import type { CompiledQuery, Diagnostic, EvalResult, Fields } from '../../lambda/rules/types';

/** Compiles and fails the test on any error diagnostic. */
export function ok(source: string): CompiledQuery {
  const r = compileQuery(source);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(r.query).toBeDefined();
  return r.query as CompiledQuery;
}

/** Compiles, expects failure, returns the error diagnostics. */
export function errors(source: string): Diagnostic[] {
  const r = compileQuery(source);
  expect(r.query).toBeUndefined();
  const errs = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errs.length).toBeGreaterThan(0);
  return errs;
}

/** The single error with `code` (fails if absent). */
export function error(source: string, code: string): Diagnostic {
  const errs = errors(source);
  const d = errs.find((e) => e.code === code);
  expect(d, `expected ${code}, got ${JSON.stringify(errs)}`).toBeDefined();
  return d as Diagnostic;
}

/** Where a diagnostic points: "line:col-endLine:endCol". */
export function at(d: Diagnostic): string {
  return `${d.line}:${d.col}-${d.endLine}:${d.endCol}`;
}

export function status(q: CompiledQuery, fields: Fields, unknown?: string[]): EvalResult['status'] {
  return q.evaluate(fields, unknown ? new Set(unknown) : undefined).status;
}

/** The emitted fields (fails unless the event matches). */
export function emitted(q: CompiledQuery, fields: Fields, unknown?: string[]): Fields {
  const r = q.evaluate(fields, unknown ? new Set(unknown) : undefined);
  expect(r.status).toBe('match');
  return (r as { fields: Fields }).fields;
}

export const passes = (src: string, fields: Fields): boolean => status(ok(src), fields) === 'match';
