/**
 * Which `#event_simpleName` values can a query pass? The answer feeds a byte prefilter, so it must be a sound
 * superset: when in doubt, `null` (unconstrained).
 *
 * - `#event_simpleName = "X"` (no wildcard) → {X}; `in(field="#event_simpleName", values=[…])` with exact,
 *   case-sensitive values → those values; `false` / `dropEvent()` → {} (nothing passes).
 * - AND and pipeline stages intersect; OR and `case` clauses unite; NOT, `!=`, globs, regexes, test(), cidr(),
 *   wildcard(), regex() → unconstrained.
 * - Once a stage may have rewritten `#event_simpleName` (assignment, drop, rename, default(), a value function's
 *   output, regex capture), later filters on it say nothing about the input event: unconstrained.
 * - Callers pass the event part of the query (analysis.ts `eventPart`): aggregation and presentation come after.
 */
import type { Expr, Pipeline } from './ast';
import { inArgs, stageWrites } from './analysis';
import { canonicalFunctionName } from './functions';

export const EVENT_TYPE_FIELD = '#event_simpleName';

type TypeSet = Set<string> | null;

function intersect(a: TypeSet, b: TypeSet): TypeSet {
  if (a === null) return b;
  if (b === null) return a;
  return new Set([...a].filter((x) => b.has(x)));
}

function union(a: TypeSet, b: TypeSet): TypeSet {
  if (a === null || b === null) return null;
  return new Set([...a, ...b]);
}

function exprTypes(e: Expr): TypeSet {
  switch (e.kind) {
    case 'compare':
      if (e.field === EVENT_TYPE_FIELD && e.op === '=' && (e.value.kind === 'string' || e.value.kind === 'word') && e.value.parts.length === 1) {
        return new Set([e.value.value]);
      }
      return null;
    case 'call': {
      const name = canonicalFunctionName(e.name);
      if (name === 'false' || name === 'dropEvent') return new Set();
      if (name !== 'in') return null;
      const { field, items, ignoreCase } = inArgs(e);
      if (items === undefined) return null;
      const values: string[] = [];
      for (const item of items) {
        if ((item.kind !== 'word' && item.kind !== 'string') || item.parts.length !== 1) return null;
        values.push(item.value);
      }
      if (field !== EVENT_TYPE_FIELD || ignoreCase) return null;
      return new Set(values);
    }
    case 'and':
      return e.operands.map(exprTypes).reduce(intersect, null);
    case 'or':
      return e.operands.map(exprTypes).reduce<TypeSet>((acc, o, i) => (i === 0 ? o : union(acc, o)), null);
    case 'bool':
      return e.value ? null : new Set();
    default:
      return null;
  }
}

/** `tainted`: `#event_simpleName` may no longer hold the input's value. Returns the constraint and taint after. */
function pipelineTypes(p: Pipeline, tainted: boolean): { types: TypeSet; tainted: boolean } {
  let types: TypeSet = null;
  for (const s of p.stages) {
    if (s.kind === 'filter') {
      if (!tainted) types = intersect(types, exprTypes(s.expr));
      if (stageWrites(s).has(EVENT_TYPE_FIELD)) tainted = true;
    } else if (s.kind === 'assign') {
      if (stageWrites(s).has(EVENT_TYPE_FIELD)) tainted = true;
    } else if (s.kind === 'case') {
      let acc: TypeSet = new Set();
      let after = tainted;
      for (const cl of s.clauses) {
        const r = pipelineTypes(cl, tainted);
        acc = union(acc, r.types);
        after ||= r.tainted;
      }
      types = intersect(types, acc);
      tainted = after;
    }
  }
  return { types, tainted };
}

export function deriveEventTypes(ast: Pipeline): string[] | null {
  const { types } = pipelineTypes(ast, false);
  return types === null ? null : [...types].sort();
}
