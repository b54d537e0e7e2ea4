/**
 * Aggregations: `groupBy([fields], function=[…], limit=N)`, `stats([…])`, `[agg, agg]` and a bare aggregate
 * function as a stage (`count()`, `selectFromMax(…)`: one group of every event).
 *
 * Compiling checks the functions and their arguments and names their outputs (LogScale's defaults: `_count`,
 * `_min`, `_max`, `_sum`; collect / selectLast / selectFromMax write the fields they take). `accumulate()` is a
 * reference implementation of the functions over a stream of events.
 */
import type { Arg, CallExpr, Span, Value } from './ast';
import { canonicalFunctionName, isAggregateFunction, UNSUPPORTED_FUNCTIONS } from './functions';
import { fromNumber, toNumber } from './runtime';
import type { CompileScope } from './scope';
import type { AggregateFunction, Aggregation, Fields } from './types';

export const GROUP_DEFAULT_LIMIT = 20_000;
export const GROUP_MAX_LIMIT = 1_000_000;
const COLLECT_DEFAULT_LIMIT = 2000;

export interface CompiledAggregation {
  groupBy: string[];
  functions: AggregateFunction[];
  outputs: string[];
  limit: number;
}

/** The aggregate calls in a `function=` value: a call, a list of calls, `stats([…])`. */
function functionCalls(v: Value, s: CompileScope, out: CallExpr[]): void {
  if (v.kind === 'list') {
    for (const item of v.items) functionCalls(item, s, out);
    return;
  }
  if (v.kind === 'call') {
    if (canonicalFunctionName(v.call.name) === 'stats') {
      const args = s.bindArgs(v.call, ['function'], ['function']);
      const fa = args.get('function');
      if (fa) functionCalls(fa.value, s, out);
      return;
    }
    out.push(v.call);
    return;
  }
  if (v.kind === 'subquery') {
    s.diags.error('unsupported-subquery', 'filtered aggregates (`{ filter | count() }`) are not supported', v.span, 'compute a field before the groupBy (case { filter | x := 1 ; * | x := 0 }) and aggregate it, e.g. sum(x)');
    return;
  }
  s.invalid(v, 'expected an aggregate function, e.g. count(), collect([f]), max(f)');
}

/** A field listed twice in one function is one output. */
const unique = (fields: string[]): string[] => [...new Set(fields)];

function outputName(s: CompileScope, args: Map<string, Arg>, dflt: string): string | undefined {
  const a = args.get('as');
  return a ? s.fieldArg(a) : dflt;
}

/** One aggregate function call → its spec; undefined after an error. */
function aggregateFunction(e: CallExpr, s: CompileScope): AggregateFunction | undefined {
  const name = canonicalFunctionName(e.name);
  if (name === undefined || !isAggregateFunction(name)) {
    const hint = name !== undefined && name in UNSUPPORTED_FUNCTIONS ? UNSUPPORTED_FUNCTIONS[name] : undefined;
    s.diags.error(
      'not-an-aggregate',
      `\`${e.name}()\` is not a supported aggregate function`,
      e.nameSpan,
      hint ?? 'aggregate functions: count, sum, min, max, collect, selectLast, selectFromMax, selectFromMin',
    );
    return undefined;
  }
  switch (name) {
    case 'count': {
      const args = s.bindArgs(e, ['field'], ['field', 'distinct', 'as']);
      const fa = args.get('field');
      const field = fa ? s.fieldArg(fa) : undefined;
      const da = args.get('distinct');
      const distinct = da ? (s.boolArg(da) ?? false) : false;
      if (distinct && !fa) s.missing(e, 'field', 'count(FIELD, distinct=true)');
      const as = outputName(s, args, '_count');
      if ((fa && field === undefined) || as === undefined) return undefined;
      if (field !== undefined) s.read(field);
      return field === undefined ? { fn: 'count', distinct, as } : { fn: 'count', field, distinct, as };
    }
    case 'sum':
    case 'min':
    case 'max': {
      const args = s.bindArgs(e, ['field'], ['field', 'as']);
      const fa = args.get('field');
      if (!fa) s.missing(e, 'field', `${name}(FIELD)`);
      const field = fa ? s.fieldArg(fa) : undefined;
      const as = outputName(s, args, `_${name}`);
      if (field === undefined || as === undefined) return undefined;
      s.read(field);
      return { fn: name, field, as };
    }
    case 'collect': {
      const args = s.bindArgs(e, ['fields'], ['fields', 'limit', 'separator', 'multival']);
      const fa = args.get('fields');
      if (!fa) s.missing(e, 'fields', 'collect([FIELD])');
      const fields = fa ? unique(s.fieldListArg(fa)) : [];
      const la = args.get('limit');
      const limit = la ? s.intArg(la, { min: 1 }) : COLLECT_DEFAULT_LIMIT;
      const sa = args.get('separator');
      const separator = sa ? s.stringArg(sa) : '\n';
      const ma = args.get('multival');
      if (ma && s.boolArg(ma) === false) {
        s.diags.error('unsupported-argument', '`multival=false` (one row per value) is not supported', ma.span, 'collect values into one field: leave out multival');
      }
      if (!fa || fields.length === 0 || limit === undefined || separator === undefined) return undefined;
      fields.forEach((f) => s.read(f));
      return { fn: 'collect', fields, limit, separator };
    }
    case 'selectLast': {
      const args = s.bindArgs(e, ['field'], ['field']);
      const fa = args.get('field');
      if (!fa) s.missing(e, 'field', 'selectLast([FIELD])');
      const fields = fa ? unique(s.fieldListArg(fa)) : [];
      if (fields.length === 0) return undefined;
      fields.forEach((f) => s.read(f));
      s.read('@timestamp');
      return { fn: 'selectLast', fields };
    }
    default: {
      // selectFromMax / selectFromMin
      const args = s.bindArgs(e, ['field'], ['field', 'include']);
      const fa = args.get('field');
      const ia = args.get('include');
      if (!fa) s.missing(e, 'field', `${name}(field="@timestamp", include=[FIELD])`);
      if (!ia) s.missing(e, 'include', `${name}(field=${fa ? s.text(fa.value) : '"@timestamp"'}, include=[FIELD])`);
      const field = fa ? s.fieldArg(fa) : undefined;
      const include = ia ? unique(s.fieldListArg(ia)) : [];
      if (field === undefined || include.length === 0) return undefined;
      s.read(field);
      include.forEach((f) => s.read(f));
      return { fn: name as 'selectFromMax' | 'selectFromMin', field, include };
    }
  }
}

function outputsOf(f: AggregateFunction): string[] {
  switch (f.fn) {
    case 'collect':
    case 'selectLast':
      return f.fields;
    case 'selectFromMax':
    case 'selectFromMin':
      return f.include;
    default:
      return [f.as];
  }
}

/** Compiles an aggregation stage (groupBy / stats / a list / an aggregate function); undefined after errors. */
export function compileAggregation(stage: { call?: CallExpr; list?: Value; span: Span }, s: CompileScope): CompiledAggregation | undefined {
  let groupBy: string[] = [];
  let limit = GROUP_DEFAULT_LIMIT;
  const calls: CallExpr[] = [];
  let fnSpan: Span = stage.span;
  const name = stage.call ? canonicalFunctionName(stage.call.name) : undefined;
  if (stage.list) {
    functionCalls(stage.list, s, calls);
  } else if (stage.call && name === 'groupBy') {
    const e = stage.call;
    const args = s.bindArgs(e, ['field'], ['field', 'function', 'limit']);
    const fa = args.get('field');
    if (!fa) s.missing(e, 'field', 'groupBy([FIELD], function=count())');
    else {
      groupBy = s.fieldListArg(fa);
      if (fa.value.kind === 'list' && fa.value.items.length === 0) s.invalid(fa.value, '`groupBy()` needs at least one field', 'groupBy([FIELD]); for one group of every event use the aggregate alone, e.g. count()');
    }
    const la = args.get('limit');
    if (la) limit = s.intArg(la, { min: 1, max: GROUP_MAX_LIMIT, allowMax: true }) ?? limit;
    const fn = args.get('function');
    if (fn) {
      fnSpan = fn.value.span;
      functionCalls(fn.value, s, calls);
    } else calls.push({ kind: 'call', span: e.span, name: 'count', nameSpan: e.nameSpan, args: [] });
  } else if (stage.call && name === 'stats') {
    const args = s.bindArgs(stage.call, ['function'], ['function']);
    const fa = args.get('function');
    if (!fa) s.missing(stage.call, 'function', 'stats([count(), max(FIELD)])');
    else functionCalls(fa.value, s, calls);
  } else if (stage.call) {
    calls.push(stage.call);
  }
  groupBy.forEach((f) => s.read(f));
  const functions: AggregateFunction[] = [];
  let ok = true;
  for (const c of calls) {
    const f = aggregateFunction(c, s);
    if (f) functions.push(f);
    else ok = false;
  }
  const outputs: string[] = [];
  const where = new Map<string, AggregateFunction>();
  for (const f of functions) {
    for (const o of outputsOf(f)) {
      if (where.has(o)) {
        s.diags.error('duplicate-output', `two aggregate functions write \`${o}\``, fnSpan, 'give one of them another name with as=');
        ok = false;
      }
      where.set(o, f);
      outputs.push(o);
      s.wrote(o);
    }
  }
  if (!ok) return undefined;
  return { groupBy, functions, outputs, limit };
}

// ── the reference accumulator ────────────────────────────────────────────────────────────────────────────

interface FnState {
  add(ev: Fields): void;
  write(row: Fields): void;
}

function state(f: AggregateFunction): FnState {
  switch (f.fn) {
    case 'count': {
      if (f.distinct && f.field !== undefined) {
        const field = f.field;
        const seen = new Set<string>();
        return { add: (ev) => void (typeof ev[field] === 'string' && seen.add(ev[field] as string)), write: (row) => void (row[f.as] = String(seen.size)) };
      }
      let n = 0;
      const field = f.field;
      return { add: (ev) => void (field === undefined || typeof ev[field] === 'string' ? n++ : 0), write: (row) => void (row[f.as] = String(n)) };
    }
    case 'sum':
    case 'min':
    case 'max': {
      let acc: number | undefined;
      const field = f.field;
      const fn = f.fn;
      return {
        add(ev) {
          const v = ev[field];
          if (typeof v !== 'string') return;
          const x = toNumber(v);
          if (Number.isNaN(x)) return;
          acc = acc === undefined ? x : fn === 'sum' ? acc + x : fn === 'min' ? Math.min(acc, x) : Math.max(acc, x);
        },
        write(row) {
          const out = acc === undefined ? (fn === 'sum' ? '0' : undefined) : fromNumber(acc);
          if (out !== undefined) row[f.as] = out;
        },
      };
    }
    case 'collect': {
      const sets = f.fields.map(() => new Set<string>());
      return {
        add(ev) {
          f.fields.forEach((field, i) => {
            const v = ev[field];
            if (typeof v === 'string' && sets[i].size < f.limit) sets[i].add(v);
          });
        },
        write(row) {
          f.fields.forEach((field, i) => {
            if (sets[i].size > 0) row[field] = [...sets[i]].join(f.separator);
          });
        },
      };
    }
    case 'selectLast': {
      let best: Fields | undefined;
      let bestTs = -Infinity;
      return {
        add(ev) {
          const ts = toNumber(typeof ev['@timestamp'] === 'string' ? (ev['@timestamp'] as string) : '');
          const t = Number.isNaN(ts) ? -Infinity : ts;
          if (best === undefined || t >= bestTs) {
            best = ev;
            bestTs = t;
          }
        },
        write(row) {
          if (best) for (const field of f.fields) if (typeof best[field] === 'string') row[field] = best[field];
        },
      };
    }
    default: {
      let best: Fields | undefined;
      let bestV = 0;
      const max = f.fn === 'selectFromMax';
      return {
        add(ev) {
          const v = ev[f.field];
          if (typeof v !== 'string') return;
          const x = toNumber(v);
          if (Number.isNaN(x)) return;
          if (best === undefined || (max ? x >= bestV : x <= bestV)) {
            best = ev;
            bestV = x;
          }
        },
        write(row) {
          if (best) for (const field of f.include) if (typeof best[field] === 'string') row[field] = best[field];
        },
      };
    }
  }
}

/**
 * A reference aggregation over `spec`: groups in first-seen order; an event of a new group past the limit is
 * dropped; with no group fields there is always exactly one row.
 */
export function accumulate(spec: CompiledAggregation): Aggregation {
  const groups = new Map<string, { key: string[]; states: FnState[] }>();
  return {
    add(ev) {
      const key: string[] = [];
      for (const f of spec.groupBy) {
        const v = ev[f];
        if (typeof v !== 'string') return; // not grouped: LogScale leaves out events lacking a group field
        key.push(v);
      }
      const k = JSON.stringify(key);
      let g = groups.get(k);
      if (!g) {
        if (groups.size >= spec.limit) return;
        g = { key, states: spec.functions.map(state) };
        groups.set(k, g);
      }
      for (const st of g.states) st.add(ev);
    },
    rows() {
      // With no group fields there is one group, even of no events (`count()` of nothing is 0).
      if (spec.groupBy.length === 0 && groups.size === 0) groups.set('[]', { key: [], states: spec.functions.map(state) });
      const out: Fields[] = [];
      for (const g of groups.values()) {
        const row: Fields = {};
        spec.groupBy.forEach((f, i) => (row[f] = g.key[i]));
        for (const st of g.states) st.write(row);
        out.push(row);
      }
      return out;
    },
  };
}
