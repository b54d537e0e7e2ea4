/** AST facts shared by the compiler and the event-type analysis. */
import type { CallExpr, Expr, Pipeline, Value } from './ast';
import { canonicalFunctionName } from './functions';

const NAMED_GROUP = /\(\?<([A-Za-z_$][\w$]*)>/g;

/** Every field a list of pipelines may write (assign, drop, named regex groups) — an over-approximation. */
export function assignedIn(pipelines: Pipeline[], out = new Set<string>()): Set<string> {
  const fromExpr = (e: Expr): void => {
    if (e.kind === 'compare' && e.value.kind === 'regex' && e.op === '=') {
      for (const m of e.value.pattern.matchAll(NAMED_GROUP)) out.add(m[1]);
    } else if (e.kind === 'and' || e.kind === 'or') e.operands.forEach(fromExpr);
    else if (e.kind === 'not') fromExpr(e.operand);
  };
  for (const p of pipelines) {
    for (const s of p.stages) {
      if (s.kind === 'assign') out.add(s.target);
      else if (s.kind === 'case') assignedIn(s.clauses, out);
      else if (s.expr.kind === 'call' && canonicalFunctionName(s.expr.name) === 'drop') {
        for (const a of s.expr.args) {
          const items = a.value.kind === 'list' ? a.value.items : [a.value];
          for (const v of items) if (v.kind === 'word' || v.kind === 'string') out.add(v.value);
        }
      } else fromExpr(s.expr);
    }
  }
  return out;
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
