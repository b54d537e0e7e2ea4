/** AST facts shared by the compiler and the prefilter analyses (event types, required literals). */
import type { CallExpr, Expr, Pipeline, Stage, Value } from './ast';
import { canonicalFunctionName, isAggregationStage, isPresentationFunction } from './functions';

const NAMED_GROUP = /\(\?<([A-Za-z_$][\w$.@#-]*)>/g;

/** Default outputs of the value functions used as stages without `as=` (null: the input field itself). */
const DEFAULT_OUTPUT: Record<string, string | null> = {
  lower: '_lower',
  upper: '_upper',
  length: '_length',
  concat: '_concat',
  format: '_format',
  splitString: '_splitstring',
  replace: null,
  round: null,
  formatTime: null,
};

const words = (v: Value | undefined): string[] => {
  if (v === undefined) return [];
  if (v.kind === 'word' || v.kind === 'string') return [v.value];
  if (v.kind === 'list') return v.items.flatMap(words);
  return [];
};

/** The argument a call gives by name, or at a positional index (lenient: the compiler checks calls). */
function argOf(e: CallExpr, name: string, position?: number): Value | undefined {
  const named = e.args.find((a) => a.name === name);
  if (named) return named.value;
  if (position === undefined) return undefined;
  return e.args.filter((a) => a.name === undefined)[position]?.value;
}

/**
 * Every field a call may write when it is a stage (or a filter with side effects): an over-approximation.
 * regex(): its named groups; value functions: `as=` or their default output; rename(): its targets and sources;
 * default() and drop(): their fields.
 */
export function callWrites(e: CallExpr): string[] {
  const name = canonicalFunctionName(e.name);
  if (name === undefined) return [];
  if (name === 'drop' || name === 'default') return words(argOf(e, name === 'drop' ? 'fields' : 'field', 0));
  if (name === 'rename') return [...words(argOf(e, 'field', 0)), ...words(argOf(e, 'as'))];
  if (name === 'regex') {
    const re = argOf(e, 'regex', 0);
    const src = re?.kind === 'string' || re?.kind === 'word' ? re.value : '';
    return [...src.matchAll(NAMED_GROUP)].map((m) => m[1]);
  }
  if (name in DEFAULT_OUTPUT) {
    const as = words(argOf(e, 'as'));
    if (as.length > 0) return [...as, ...as.map((a) => `${a}[]`)];
    const d = DEFAULT_OUTPUT[name];
    return d !== null ? [d] : words(argOf(e, 'field', name === 'replace' ? undefined : 0));
  }
  return [];
}

function exprWrites(e: Expr, out: Set<string>): void {
  if (e.kind === 'compare' && e.value.kind === 'regex' && e.op === '=') {
    for (const m of e.value.pattern.matchAll(NAMED_GROUP)) out.add(m[1]);
  } else if (e.kind === 'call') {
    for (const f of callWrites(e)) out.add(f);
  } else if (e.kind === 'and' || e.kind === 'or') e.operands.forEach((o) => exprWrites(o, out));
  else if (e.kind === 'not') exprWrites(e.operand, out);
}

/** Fields one stage may write. */
export function stageWrites(s: Stage, out = new Set<string>()): Set<string> {
  if (s.kind === 'assign') {
    out.add(s.target);
    // `G := rename(F)` also removes F.
    if (s.value.kind === 'ecall') for (const f of callWrites(s.value.call)) out.add(f);
  }
  else if (s.kind === 'case') assignedIn(s.clauses, out);
  else if (s.kind === 'filter') exprWrites(s.expr, out);
  return out;
}

/** Every field a list of pipelines may write (assign, drop, rename, value functions, named regex groups). */
export function assignedIn(pipelines: Pipeline[], out = new Set<string>()): Set<string> {
  for (const p of pipelines) for (const s of p.stages) stageWrites(s, out);
  return out;
}

/** The top-level stage call, if the stage is a single call. */
export function stageCall(s: Stage): CallExpr | undefined {
  return s.kind === 'filter' && s.expr.kind === 'call' ? s.expr : undefined;
}

/** Does this top-level stage start the aggregate part of the query? */
export function isAggregationStageNode(s: Stage): boolean {
  if (s.kind === 'aggregates') return true;
  const c = stageCall(s);
  return c !== undefined && isAggregationStage(canonicalFunctionName(c.name));
}

export function isPresentationStageNode(s: Stage): boolean {
  const c = stageCall(s);
  return c !== undefined && isPresentationFunction(canonicalFunctionName(c.name));
}

/**
 * The event part of a query: the top-level stages before the first aggregation or presentation stage. The
 * prefilters analyse only this part — what comes after works on aggregated rows or only shapes the output.
 */
export function eventPart(ast: Pipeline): Pipeline {
  const end = ast.stages.findIndex((s) => isAggregationStageNode(s) || isPresentationStageNode(s));
  return end < 0 ? ast : { span: ast.span, stages: ast.stages.slice(0, end) };
}

/** The arguments of an `in(...)` call as the analyses read them (the compiler validates them separately). */
export function inArgs(e: CallExpr): { field?: string; items?: Value[]; ignoreCase: boolean } {
  const out: { field?: string; items?: Value[]; ignoreCase: boolean } = { ignoreCase: false };
  for (const a of e.args) {
    const key = a.name ?? 'field';
    const v = a.value;
    if (key === 'field' && (v.kind === 'word' || v.kind === 'string')) out.field = v.value;
    else if (key === 'values' && v.kind === 'list') out.items = v.items;
    else if (key === 'ignoreCase') out.ignoreCase = !(v.kind === 'word' || v.kind === 'string') || v.value.toLowerCase() !== 'false';
  }
  return out;
}
