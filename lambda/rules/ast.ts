/**
 * The CQL subset's syntax tree. Every node carries a `span` of source offsets (UTF-16 code units,
 * end exclusive); diagnostics.ts turns spans into line:col.
 */

export interface Span {
  start: number;
  end: number;
}

/** A quoted string. `parts` splits `value` at unescaped `*` (one part = no wildcard); `\*` is a literal star. */
export interface StringValue {
  kind: 'string';
  span: Span;
  value: string;
  parts: string[];
}

/** An unquoted word: a field name, a bare value (`445`, `*.exe`) or `*`. */
export interface WordValue {
  kind: 'word';
  span: Span;
  value: string;
  parts: string[];
}

/** A `/pattern/flags` literal; `pattern` is the raw text between the slashes (so offsets map 1:1). */
export interface RegexValue {
  kind: 'regex';
  span: Span;
  pattern: string;
  flags: string;
  patternStart: number;
  flagsStart: number;
}

export interface ListValue {
  kind: 'list';
  span: Span;
  items: Value[];
}

export type Value = StringValue | WordValue | RegexValue | ListValue;

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface CompareExpr {
  kind: 'compare';
  span: Span;
  field: string;
  fieldSpan: Span;
  op: CompareOp;
  value: Value;
}

export interface Arg {
  span: Span;
  /** Absent for a positional argument. */
  name?: string;
  nameSpan?: Span;
  value: Value;
}

export interface CallExpr {
  kind: 'call';
  span: Span;
  name: string;
  nameSpan: Span;
  args: Arg[];
}

export type Expr =
  | CompareExpr
  | CallExpr
  | { kind: 'and' | 'or'; span: Span; operands: Expr[] }
  | { kind: 'not'; span: Span; operand: Expr }
  /** `*`: every event. */
  | { kind: 'all'; span: Span }
  /** `true` / `false`. */
  | { kind: 'bool'; span: Span; value: boolean }
  /** Placeholder where the parser reported an error. */
  | { kind: 'invalid'; span: Span };

export interface FilterStage {
  kind: 'filter';
  span: Span;
  expr: Expr;
}

export interface AssignStage {
  kind: 'assign';
  span: Span;
  target: string;
  targetSpan: Span;
  value: Value;
}

export interface CaseStage {
  kind: 'case';
  span: Span;
  clauses: Pipeline[];
}

export type Stage = FilterStage | AssignStage | CaseStage;

export interface Pipeline {
  span: Span;
  stages: Stage[];
}
