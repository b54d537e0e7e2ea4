/**
 * The evaluation machinery the compiled closures share: three-valued results, the per-event context and its
 * overlay of assignments.
 *
 * A filter closure returns F (0), T (1) or U (2, "depends on a field the caller marked unknown"). With no unknown
 * fields it reduces to ordinary two-valued logic; the only cost of the tri-state design on that path is one
 * `null` check per field read. A value closure (`ValNode`) returns a string, `undefined` (no value) or `UNK`.
 *
 * Per-event state lives in one reused context object: the input fields, the set of unknown fields, and an
 * overlay of assignments — an immutable linked list, so a `case` clause that fails after assigning is rolled back
 * by restoring the list head (no copying). The output object is only built on a match.
 */
import type { EvalResult, Fields } from './types';

export const F = 0;
export const T = 1;
export const U = 2;
export type Tri = 0 | 1 | 2;

/** The value of a field whose value is not known yet. */
export const UNK: unique symbol = Symbol('unknown');
export type Val = string | undefined | typeof UNK;

export interface Overlay {
  readonly name: string;
  /** `undefined`: the field was dropped. */
  readonly value: Val;
  readonly prev: Overlay | null;
}

export interface Ctx {
  fields: Fields;
  ov: Overlay | null;
  unknown: ReadonlySet<string> | null;
}

/** A filter (or a stage): decides the event, may assign through `c.ov`. */
export type Node = (c: Ctx) => Tri;
/** A value: computes without side effects. */
export type ValNode = (c: Ctx) => Val;

export function read(c: Ctx, name: string): Val {
  for (let o = c.ov; o !== null; o = o.prev) if (o.name === name) return o.value;
  if (c.unknown !== null && c.unknown.has(name)) return UNK;
  const v = c.fields[name];
  // Guards against inherited members (`constructor`) and callers passing numbers.
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Assigns (`undefined` removes the field, `UNK` makes it unknown). */
export function write(c: Ctx, name: string, value: Val): void {
  c.ov = { name, value, prev: c.ov };
}

export const ALWAYS: Node = () => T;
export const NEVER: Node = () => F;
export const NOMATCH: EvalResult = Object.freeze({ status: 'nomatch' });
export const UNKNOWN: EvalResult = Object.freeze({ status: 'unknown' });
const EMPTY: Fields = Object.freeze({}) as Fields;

export function and(nodes: Node[]): Node {
  if (nodes.length === 0) return ALWAYS;
  if (nodes.length === 1) return nodes[0];
  if (nodes.length === 2) {
    const [a, b] = nodes;
    return (c) => {
      const x = a(c);
      if (x === F) return F;
      const y = b(c);
      if (y === F) return F;
      return x === U || y === U ? U : T;
    };
  }
  return (c) => {
    let r: Tri = T;
    for (let i = 0; i < nodes.length; i++) {
      const x = nodes[i](c);
      if (x === F) return F;
      if (x === U) r = U;
    }
    return r;
  };
}

export function or(nodes: Node[]): Node {
  if (nodes.length === 1) return nodes[0];
  return (c) => {
    let r: Tri = F;
    for (let i = 0; i < nodes.length; i++) {
      const x = nodes[i](c);
      if (x === T) return T;
      if (x === U) r = U;
    }
    return r;
  };
}

export function not(n: Node): Node {
  return (c) => {
    const x = n(c);
    return x === U ? U : x === T ? F : T;
  };
}

/**
 * Runs a compiled pipeline on one event. The result is a new object (input + assignments − drops); an
 * assignment still unknown at the end makes the result `unknown`.
 */
export function evaluator(root: Node): (fields: Fields, unknown?: ReadonlySet<string>) => EvalResult {
  const ctx: Ctx = { fields: EMPTY, ov: null, unknown: null };
  return (fields, unknown) => {
    ctx.fields = fields;
    ctx.ov = null;
    ctx.unknown = unknown !== undefined && unknown.size > 0 ? unknown : null;
    let r: Tri;
    let ov: Overlay | null;
    try {
      r = root(ctx);
      ov = ctx.ov as Overlay | null;
    } finally {
      ctx.fields = EMPTY;
      ctx.ov = null;
      ctx.unknown = null;
    }
    if (r === F) return NOMATCH;
    if (r === U) return UNKNOWN;
    const out: Fields = { ...fields };
    if (ov !== null) {
      const seen = new Set<string>();
      for (let o: Overlay | null = ov; o !== null; o = o.prev) {
        if (seen.has(o.name)) continue; // newest assignment wins
        seen.add(o.name);
        if (o.value === UNK) return UNKNOWN;
        if (o.value === undefined) delete out[o.name];
        else out[o.name] = o.value;
      }
    }
    return { status: 'match', fields: out };
  };
}

// ── numbers, as LogScale reads and writes them ───────────────────────────────────────────────────────────

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** A field value as a number, or NaN when it is not one (no whitespace, no hex, no empty string). */
export function toNumber(s: string): number {
  return NUMBER.test(s) ? Number(s) : NaN;
}

export function isNumeric(s: string): boolean {
  return NUMBER.test(s);
}

/** A computed number as a field value: integers without a fraction; NaN/∞ → no value. */
export function fromNumber(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (Object.is(n, -0)) return '0';
  return String(n);
}
