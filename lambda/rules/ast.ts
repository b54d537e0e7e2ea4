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
  /** Items; a nested list (`rename([[a, b], [c, d]])`) is allowed by the parser, each function checks its own. */
  items: Value[];
}

/** A function call as an argument value: `groupBy(f, function=count())`, `function=[min(x), max(x)]`. */
export interface CallValue {
  kind: 'call';
  span: Span;
  call: CallExpr;
}

/** An expression argument: the argument of `test(…)`. */
export interface ExprValue {
  kind: 'expr';
  span: Span;
  expr: EvalExpr;
}

/** A `{ … }` subquery argument (join(), selfJoinFilter(), in(query=…)): recognised so the function is reported. */
export interface SubqueryValue {
  kind: 'subquery';
  span: Span;
}

export type Value = StringValue | WordValue | RegexValue | ListValue | CallValue | ExprValue | SubqueryValue;

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
  /** `field` supplied by the `F =~ fn(…)` form rather than written inside the parentheses. */
  implicit?: boolean;
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

// ── eval expressions: the argument of test() and the right-hand side of `:=` ───────────────────────────────

export type EvalBinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export type EvalExpr =
  /** A string or number literal (`number`: written unquoted). */
  | { kind: 'elit'; span: Span; value: string; number: boolean }
  /** `true` / `false`. */
  | { kind: 'ebool'; span: Span; value: boolean }
  /** An unquoted name: the field's value. */
  | { kind: 'efield'; span: Span; name: string }
  | { kind: 'ebin'; span: Span; op: EvalBinaryOp; left: EvalExpr; right: EvalExpr; opSpan: Span }
  | { kind: 'enot'; span: Span; operand: EvalExpr }
  | { kind: 'eneg'; span: Span; operand: EvalExpr }
  /** A value function: `length(CommandLine)`, `lower(FileName)`. */
  | { kind: 'ecall'; span: Span; call: CallExpr }
  | { kind: 'einvalid'; span: Span };

export interface FilterStage {
  kind: 'filter';
  span: Span;
  expr: Expr;
}

/** `target := expression`. */
export interface AssignStage {
  kind: 'assign';
  span: Span;
  target: string;
  targetSpan: Span;
  value: EvalExpr;
}

export interface CaseStage {
  kind: 'case';
  span: Span;
  clauses: Pipeline[];
}

/** `[agg1, agg2]` as a stage: several aggregates over the same input (like `stats([…])`). */
export interface AggregateListStage {
  kind: 'aggregates';
  span: Span;
  list: ListValue;
}

export type Stage = FilterStage | AssignStage | CaseStage | AggregateListStage;

export interface Pipeline {
  span: Span;
  stages: Stage[];
}
