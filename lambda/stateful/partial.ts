/**
 * Mergeable aggregate states. An aggregate rule's groups are summed over a window that spans objects, batches and
 * invocations, so each object keeps, per group and time bucket, a partial state of every aggregate function that can
 * be stored (JSON), merged with other objects' partials in any order, and turned into the row LogScale's groupBy()
 * would produce for those events (the compiler's reference accumulator, rules/aggregate.ts, defines the semantics;
 * test/stateful/partial.test.ts checks that merging partials gives its rows).
 *
 * Caps keep a partial small whatever the input: a distinct count keeps at most DISTINCT_CAP values per partial (it
 * is exact up to that many distinct values per object and bucket; the merged count is exact up to DISTINCT_CAP
 * values in all), collect() its own `limit` (at most COLLECT_CAP), the event ids EVENT_IDS_CAP. An object's
 * partials of one rule also share a ValueBudget (stateful/collect.ts): past it, values are counted, not kept.
 */
import { fromNumber, toNumber } from '../rules/runtime';
import type { AggregateFunction, Fields } from '../rules/types';

export const DISTINCT_CAP = 1_000;
export const COLLECT_CAP = 1_000;
export const EVENT_IDS_CAP = 20;

/** One function's partial state (JSON). */
export type FnPartial =
  | { n: number }
  | { v: string[] }
  | { x: number | null }
  | { c: string[][] }
  | { t: number | null; v: Fields; k?: number };

/** A group's partial over some events (one object's events of one bucket, or a merge of several). */
export interface Partial {
  /** Events. */
  n: number;
  f: FnPartial[];
  /** Event times (ms): first and last seen. */
  first: number;
  last: number;
  /** Event ids, in the order seen (capped). */
  ids: string[];
  /** The record fields of the latest event (names, process, host): what an alert about the group shows. */
  sample: Fields;
}

function emptyFn(f: AggregateFunction): FnPartial {
  switch (f.fn) {
    case 'count':
      return f.distinct ? { v: [] } : { n: 0 };
    case 'sum':
    case 'min':
    case 'max':
      return { x: null };
    case 'collect':
      return { c: f.fields.map(() => []) };
    case 'selectLast':
      return { t: null, v: {} };
    default:
      return { t: null, v: {}, k: undefined };
  }
}

export function emptyPartial(fns: readonly AggregateFunction[]): Partial {
  return { n: 0, f: fns.map(emptyFn), first: Infinity, last: -Infinity, ids: [], sample: {} };
}

const pick = (ev: Fields, fields: readonly string[]): Fields => {
  const out: Fields = {};
  for (const k of fields) if (typeof ev[k] === 'string') out[k] = ev[k];
  return out;
};

/** Values an object's partials of one rule may still keep, and the values they could not (a distinct count past it is a lower bound). */
export interface ValueBudget {
  left: number;
  dropped: number;
}

/**
 * Membership of the longer value lists: `includes` on a list of up to 1,000 values per event made a fan-out of
 * distinct addresses quadratic. Kept beside the JSON state (a WeakMap), rebuilt when the list changed elsewhere.
 */
const members = new WeakMap<string[], Set<string>>();
const SCAN_BELOW = 16;

function addValue(list: string[], v: string, cap: number, budget?: ValueBudget): void {
  if (list.length >= cap) return;
  if (list.length < SCAN_BELOW) {
    if (list.includes(v)) return;
  } else {
    let set = members.get(list);
    if (!set || set.size !== list.length) members.set(list, (set = new Set(list)));
    if (set.has(v)) return;
    if (!budget || budget.left > 0) set.add(v);
  }
  if (budget) {
    if (budget.left <= 0) return void budget.dropped++;
    budget.left--;
  }
  list.push(v);
}

/**
 * Adds one event (the fields the rule's event part emitted) at time `t`. `sample` is what the alert would show of
 * it; it replaces the partial's sample when this event is the latest. `budget` bounds the values the object's
 * partials keep in all.
 */
export function addEvent(p: Partial, fns: readonly AggregateFunction[], ev: Fields, t: number, sample: Fields, budget?: ValueBudget): void {
  p.n++;
  if (t < p.first) p.first = t;
  if (t >= p.last) {
    p.last = t;
    p.sample = sample;
  }
  const id = ev.id;
  if (typeof id === 'string' && p.ids.length < EVENT_IDS_CAP) p.ids.push(id);
  fns.forEach((f, i) => {
    const s = p.f[i];
    switch (f.fn) {
      case 'count':
        if (f.distinct) {
          const v = f.field === undefined ? undefined : ev[f.field];
          if (typeof v === 'string') addValue((s as { v: string[] }).v, v, DISTINCT_CAP, budget);
        } else if (f.field === undefined || typeof ev[f.field] === 'string') (s as { n: number }).n++;
        return;
      case 'sum':
      case 'min':
      case 'max': {
        const v = ev[f.field];
        const x = typeof v === 'string' ? toNumber(v) : NaN;
        if (Number.isNaN(x)) return;
        const st = s as { x: number | null };
        st.x = st.x === null ? x : f.fn === 'sum' ? st.x + x : f.fn === 'min' ? Math.min(st.x, x) : Math.max(st.x, x);
        return;
      }
      case 'collect': {
        const lists = (s as { c: string[][] }).c;
        const cap = Math.min(f.limit, COLLECT_CAP);
        f.fields.forEach((field, j) => {
          const v = ev[field];
          if (typeof v === 'string') addValue(lists[j], v, cap, budget);
        });
        return;
      }
      case 'selectLast': {
        const st = s as { t: number | null; v: Fields };
        if (st.t === null || t >= st.t) {
          st.t = t;
          st.v = pick(ev, f.fields);
        }
        return;
      }
      default: {
        const v = ev[f.field];
        const x = typeof v === 'string' ? toNumber(v) : NaN;
        if (Number.isNaN(x)) return;
        const st = s as { t: number | null; v: Fields; k?: number };
        const better = st.k === undefined || (f.fn === 'selectFromMax' ? x > st.k : x < st.k) || (x === st.k && t >= (st.t ?? -Infinity));
        if (better) {
          st.k = x;
          st.t = t;
          st.v = pick(ev, f.include);
        }
      }
    }
  });
}

/** `a` merged with `b` (a new partial; neither is changed). */
export function mergePartials(fns: readonly AggregateFunction[], a: Partial, b: Partial): Partial {
  const latest = b.last > a.last || (b.last === a.last && b.n > 0) ? b : a;
  const out: Partial = {
    n: a.n + b.n,
    f: [],
    first: Math.min(a.first, b.first),
    last: Math.max(a.last, b.last),
    ids: [...a.ids, ...b.ids.filter((id) => !a.ids.includes(id))].slice(0, EVENT_IDS_CAP),
    sample: latest.sample,
  };
  fns.forEach((f, i) => {
    const x = a.f[i];
    const y = b.f[i];
    switch (f.fn) {
      case 'count':
        if (f.distinct) {
          const v = [...(x as { v: string[] }).v];
          for (const s of (y as { v: string[] }).v) addValue(v, s, DISTINCT_CAP);
          out.f.push({ v });
        } else out.f.push({ n: (x as { n: number }).n + (y as { n: number }).n });
        return;
      case 'sum':
      case 'min':
      case 'max': {
        const p = (x as { x: number | null }).x;
        const q = (y as { x: number | null }).x;
        const m = p === null ? q : q === null ? p : f.fn === 'sum' ? p + q : f.fn === 'min' ? Math.min(p, q) : Math.max(p, q);
        out.f.push({ x: m });
        return;
      }
      case 'collect': {
        const cap = Math.min(f.limit, COLLECT_CAP);
        const lists = (x as { c: string[][] }).c.map((l) => [...l]);
        (y as { c: string[][] }).c.forEach((l, j) => l.forEach((v) => addValue(lists[j], v, cap)));
        out.f.push({ c: lists });
        return;
      }
      case 'selectLast': {
        const p = x as { t: number | null; v: Fields };
        const q = y as { t: number | null; v: Fields };
        out.f.push(q.t !== null && (p.t === null || q.t >= p.t) ? q : p);
        return;
      }
      default: {
        const p = x as { t: number | null; v: Fields; k?: number };
        const q = y as { t: number | null; v: Fields; k?: number };
        if (q.k === undefined) out.f.push(p);
        else if (p.k === undefined) out.f.push(q);
        else {
          const qBetter = (f.fn === 'selectFromMax' ? q.k > p.k : q.k < p.k) || (q.k === p.k && (q.t ?? -Infinity) >= (p.t ?? -Infinity));
          out.f.push(qBetter ? q : p);
        }
      }
    }
  });
  return out;
}

/** The outputs of the functions over a partial: what groupBy() adds to the group's row. */
export function outputs(fns: readonly AggregateFunction[], p: Partial): Fields {
  const row: Fields = {};
  fns.forEach((f, i) => {
    const s = p.f[i];
    switch (f.fn) {
      case 'count':
        row[f.as] = String(f.distinct ? (s as { v: string[] }).v.length : (s as { n: number }).n);
        return;
      case 'sum':
      case 'min':
      case 'max': {
        const x = (s as { x: number | null }).x;
        const out = x === null ? (f.fn === 'sum' ? '0' : undefined) : fromNumber(x);
        if (out !== undefined) row[f.as] = out;
        return;
      }
      case 'collect':
        f.fields.forEach((field, j) => {
          const l = (s as { c: string[][] }).c[j];
          if (l.length > 0) row[field] = l.join(f.separator);
        });
        return;
      default:
        Object.assign(row, (s as { v: Fields }).v);
    }
  });
  return row;
}
