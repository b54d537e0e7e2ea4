/**
 * AST → closures. Everything that can be prepared once is: regexes, globs, lower-cased Sets, field names.
 *
 * Evaluation is three-valued (Kleene): a closure returns F (0), T (1) or U (2, "depends on a field the caller
 * marked unknown"). With no unknown fields it reduces to ordinary two-valued logic; the only cost of the
 * tri-state design on that path is one `null` check per field read.
 *
 * Per-event state lives in one reused context object: the input fields, the set of unknown fields, and an
 * overlay of assignments — an immutable linked list, so a `case` clause that fails after assigning is
 * rolled back by restoring the list head (no copying). The output object is only built on a match.
 */
import { requiredLiterals } from './literals';
import type { Arg, CallExpr, CompareExpr, Expr, Pipeline, Stage, Value } from './ast';
import { didYouMean, type Diagnostics } from './diagnostics';
import { assignedIn } from './analysis';
import { deriveEventTypes } from './eventtypes';
import { canonicalFunctionName, SUPPORTED_FUNCTIONS, UNSUPPORTED_FUNCTIONS } from './functions';
import { compileGlob, type StringMatcher } from './glob';
import { compileRegex } from './regex';
import type { CompiledQuery, EvalResult, Fields, TableSpec } from './types';

const F = 0;
const T = 1;
const U = 2;
type Tri = 0 | 1 | 2;

/** The value of a field whose value is not known yet. */
const UNK: unique symbol = Symbol('unknown');
type Val = string | undefined | typeof UNK;

interface Overlay {
  readonly name: string;
  /** `undefined`: the field was dropped. */
  readonly value: Val;
  readonly prev: Overlay | null;
}

interface Ctx {
  fields: Fields;
  ov: Overlay | null;
  unknown: ReadonlySet<string> | null;
}

type Node = (c: Ctx) => Tri;

function read(c: Ctx, name: string): Val {
  for (let o = c.ov; o !== null; o = o.prev) if (o.name === name) return o.value;
  if (c.unknown !== null && c.unknown.has(name)) return UNK;
  const v = c.fields[name];
  // Guards against inherited members (`constructor`) and callers passing numbers.
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

const ALWAYS: Node = () => T;
const NEVER: Node = () => F;
const NOMATCH: EvalResult = Object.freeze({ status: 'nomatch' });
const UNKNOWN: EvalResult = Object.freeze({ status: 'unknown' });
const EMPTY: Fields = Object.freeze({}) as Fields;

const FIELD_NAME = /^[#@]?[A-Za-z0-9_$][A-Za-z0-9_.$\-#@]*$/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function and(nodes: Node[]): Node {
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

function or(nodes: Node[]): Node {
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

function not(n: Node): Node {
  return (c) => {
    const x = n(c);
    return x === U ? U : x === T ? F : T;
  };
}

/** `field = <matcher>`: absent → F; unknown → U. */
function fieldTest(name: string, m: StringMatcher): Node {
  return (c) => {
    const v = read(c, name);
    if (v === undefined) return F;
    if (v === UNK) return U;
    return m(v) ? T : F;
  };
}

class Compiler {
  readonly fieldsRead = new Set<string>();
  table?: TableSpec;

  constructor(
    private readonly source: string,
    private readonly diags: Diagnostics,
  ) {}

  private text(v: { span: { start: number; end: number } }): string {
    return this.source.slice(v.span.start, v.span.end);
  }

  pipeline(p: Pipeline, top: boolean): Node {
    const nodes: Node[] = [];
    p.stages.forEach((s, i) => {
      const n = this.stage(s, top && i === p.stages.length - 1);
      if (n !== null) nodes.push(n);
    });
    return nodes.length === 0 ? ALWAYS : and(nodes);
  }

  /** null: the stage does nothing at evaluation time (table). */
  private stage(s: Stage, lastOfQuery: boolean): Node | null {
    switch (s.kind) {
      case 'assign':
        return this.assign(s.target, s.targetSpan, s.value);
      case 'case': {
        const clauses = s.clauses.map((cl) => this.pipeline(cl, false));
        return caseNode(clauses, [...assignedIn(s.clauses)]);
      }
      case 'filter':
        if (s.expr.kind === 'call') {
          const name = canonicalFunctionName(s.expr.name);
          if (name === 'drop') return this.drop(s.expr);
          if (name === 'table') {
            this.tableCall(s.expr, lastOfQuery);
            return null;
          }
        }
        return this.expr(s.expr);
    }
  }

  private fieldName(name: string, span: { start: number; end: number }): boolean {
    if (!FIELD_NAME.test(name) || name.includes('*')) {
      this.diags.error('invalid-field-name', `\`${name}\` is not a field name`, span);
      return false;
    }
    return true;
  }

  private assign(target: string, targetSpan: { start: number; end: number }, value: Value): Node {
    this.fieldName(target, targetSpan);
    if (value.kind === 'regex' || value.kind === 'list') {
      this.diags.error('expected-value', 'expected a string, number or field name after `:=`', value.span);
      return ALWAYS;
    }
    const literal = value.kind === 'string' ? value.value : NUMBER.test(value.value) ? value.value : undefined;
    if (literal !== undefined) {
      return (c) => {
        c.ov = { name: target, value: literal, prev: c.ov };
        return T;
      };
    }
    const src = value.value;
    if (!this.fieldName(src, value.span)) return ALWAYS;
    this.fieldsRead.add(src);
    // Copy; an absent source leaves the target as it was (LogScale's eval produces nothing for a missing
    // field). An unknown source makes the target unknown: a match then reports `unknown`.
    return (c) => {
      const v = read(c, src);
      if (v !== undefined) c.ov = { name: target, value: v, prev: c.ov };
      return T;
    };
  }

  private expr(e: Expr): Node {
    switch (e.kind) {
      case 'compare':
        return this.compare(e);
      case 'call':
        return this.filterCall(e);
      case 'and':
        return and(e.operands.map((o) => this.expr(o)));
      case 'or':
        return or(e.operands.map((o) => this.expr(o)));
      case 'not':
        return not(this.expr(e.operand));
      case 'all':
        return ALWAYS;
      case 'bool':
        return e.value ? ALWAYS : NEVER;
      case 'invalid':
        return NEVER;
    }
  }

  private compare(e: CompareExpr): Node {
    const { field, op, value } = e;
    if (!this.fieldName(field, e.fieldSpan)) return NEVER;
    this.fieldsRead.add(field);
    if (value.kind === 'list') return NEVER; // reported by the parser
    if (op !== '=' && op !== '!=') {
      if (value.kind === 'regex' || !NUMBER.test(value.value)) {
        this.diags.error('non-numeric-comparison', `\`${op}\` compares numbers; \`${this.text(value)}\` is not a number`, value.span);
        return NEVER;
      }
      return numericNode(field, op, Number(value.value));
    }
    let pos: Node;
    if (value.kind === 'regex') {
      const rx = compileRegex(value, this.diags);
      if (!rx) return NEVER;
      pos = regexNode(field, rx.re, op === '=' ? rx.groupNames : []);
    } else if (value.parts.length > 1 && value.parts.every((p) => p === '')) {
      // `field = *`: the field is present.
      pos = (c) => {
        const v = read(c, field);
        return v === undefined ? F : v === UNK ? U : T;
      };
    } else {
      pos = fieldTest(field, compileGlob(value.parts));
    }
    // `!=` passes when the field is absent (LogScale semantics): the negation of "present and matching".
    return op === '=' ? pos : not(pos);
  }

  private filterCall(e: CallExpr): Node {
    const name = canonicalFunctionName(e.name);
    switch (name) {
      case 'in':
        return this.inCall(e);
      case 'true':
      case 'false':
      case 'dropEvent':
        this.bindArgs(e, [], []);
        return name === 'true' ? ALWAYS : NEVER;
      case 'drop':
      case 'table':
        this.diags.error('not-a-filter', `\`${e.name}()\` is not a filter: it must be a pipeline stage of its own`, e.span, `\`| ${this.text(e)}\``);
        return ALWAYS;
      default:
        this.unknownFunction(e, name);
        return NEVER;
    }
  }

  private unknownFunction(e: CallExpr, name: string | undefined): void {
    if (name !== undefined && name in UNSUPPORTED_FUNCTIONS) {
      this.diags.error('unsupported-function', `\`${e.name}()\` is not supported by fdr-detect's CQL subset`, e.nameSpan, UNSUPPORTED_FUNCTIONS[name] ?? `supported functions: ${SUPPORTED_FUNCTIONS.join(', ')}`);
      return;
    }
    const guess = didYouMean(e.name, [...SUPPORTED_FUNCTIONS, ...Object.keys(UNSUPPORTED_FUNCTIONS)]);
    this.diags.error(
      'unknown-function',
      `unknown function \`${e.name}()\``,
      e.nameSpan,
      guess ? `did you mean \`${guess}()\`?` : `supported functions: ${SUPPORTED_FUNCTIONS.join(', ')}`,
    );
  }

  /** Named + positional arguments → a map; reports unknown, duplicate and surplus arguments. */
  private bindArgs(e: CallExpr, positional: string[], named: string[]): Map<string, Arg> {
    const out = new Map<string, Arg>();
    let p = 0;
    for (const a of e.args) {
      let key: string;
      if (a.name === undefined) {
        if (p >= positional.length) {
          this.diags.error('unexpected-argument', `\`${e.name}()\` takes ${positional.length === 0 ? 'no' : 'no more'} positional arguments`, a.span);
          continue;
        }
        key = positional[p++];
      } else {
        if (!named.includes(a.name)) {
          const guess = didYouMean(a.name, named);
          this.diags.error('unknown-argument', `\`${e.name}()\` has no argument \`${a.name}\``, a.nameSpan ?? a.span, guess ? `did you mean \`${guess}=\`?` : named.length ? `arguments: ${named.join(', ')}` : undefined);
          continue;
        }
        key = a.name;
      }
      if (out.has(key)) {
        this.diags.error('duplicate-argument', `argument \`${key}\` given twice`, a.span);
        continue;
      }
      out.set(key, a);
    }
    return out;
  }

  /** A field-name argument: a word or a string. */
  private fieldArg(a: Arg): string | undefined {
    const v = a.value;
    if (v.kind !== 'word' && v.kind !== 'string') {
      this.diags.error('invalid-argument', 'expected a field name', v.span);
      return undefined;
    }
    return this.fieldName(v.value, v.span) ? v.value : undefined;
  }

  /** A field list argument: `[a, b]` or a single field. */
  private fieldListArg(a: Arg): string[] {
    const items = a.value.kind === 'list' ? a.value.items : [a.value];
    const out: string[] = [];
    for (const v of items) {
      const f = this.fieldArg({ span: v.span, value: v });
      if (f !== undefined) out.push(f);
    }
    return out;
  }

  private boolArg(a: Arg): boolean | undefined {
    const v = a.value;
    const s = v.kind === 'word' || v.kind === 'string' ? v.value.toLowerCase() : '';
    if (s === 'true' || s === 'false') return s === 'true';
    this.diags.error('invalid-argument', `\`${a.name ?? 'argument'}\` must be true or false`, v.span);
    return undefined;
  }

  private inCall(e: CallExpr): Node {
    const args = this.bindArgs(e, ['field'], ['field', 'values', 'ignoreCase']);
    const fieldA = args.get('field');
    const valuesA = args.get('values');
    const fieldHint = !fieldA ? '"FIELD"' : fieldA.value.kind === 'string' ? this.text(fieldA.value) : JSON.stringify(this.text(fieldA.value));
    if (!fieldA) {
      this.diags.error('in-missing-field', '`in()` requires `field=`', e.span, `in(field="FIELD", ${valuesA ? 'values=' + this.text(valuesA.value) : 'values=[…]'})`);
    }
    if (!valuesA) {
      this.diags.error('in-missing-values', '`in()` requires `values=[…]`', e.span, `in(field=${fieldHint}, values=["value1", "value2"])`);
    }
    const field = fieldA ? this.fieldArg(fieldA) : undefined;
    const ignoreCaseA = args.get('ignoreCase');
    const ignoreCase = ignoreCaseA ? (this.boolArg(ignoreCaseA) ?? false) : false;
    if (!valuesA || field === undefined) return NEVER;
    if (valuesA.value.kind !== 'list') {
      this.diags.error('invalid-argument', '`values=` must be a list', valuesA.value.span, `values=[${this.text(valuesA.value)}]`);
      return NEVER;
    }
    this.fieldsRead.add(field);
    const exact = new Set<string>();
    const globs: StringMatcher[] = [];
    for (const item of valuesA.value.items) {
      if (item.kind !== 'string' && item.kind !== 'word') {
        this.diags.error('invalid-argument', '`in()` values are strings or globs', item.span, 'use a glob string ("*part*") or an OR of regex filters');
        continue;
      }
      if (item.parts.length === 1) exact.add(ignoreCase ? item.value.toLowerCase() : item.value);
      else globs.push(compileGlob(item.parts, ignoreCase));
    }
    const ng = globs.length;
    return (c) => {
      const v = read(c, field);
      if (v === undefined) return F;
      if (v === UNK) return U;
      if (exact.size > 0 && exact.has(ignoreCase ? v.toLowerCase() : v)) return T;
      for (let i = 0; i < ng; i++) if (globs[i](v)) return T;
      return F;
    };
  }

  private drop(e: CallExpr): Node {
    const args = this.bindArgs(e, ['fields'], ['fields']);
    const a = args.get('fields');
    const fields = a ? this.fieldListArg(a) : [];
    if (!a || (a.value.kind === 'list' && a.value.items.length === 0)) {
      this.diags.error(
        'drop-requires-fields',
        '`drop()` removes fields and requires a field list',
        e.span,
        'to drop events that match no clause of a `case`, leave out the `*` clause (an event no clause matches is dropped); to remove fields: drop([field1, field2]); to drop the event: dropEvent()',
      );
      return ALWAYS;
    }
    return (c) => {
      let ov = c.ov;
      for (let i = 0; i < fields.length; i++) ov = { name: fields[i], value: undefined, prev: ov };
      c.ov = ov;
      return T;
    };
  }

  private tableCall(e: CallExpr, lastOfQuery: boolean): void {
    if (!lastOfQuery) {
      this.diags.error('table-not-last', '`table()` must be the last stage of the query (and not inside `case`)', e.span);
    }
    const args = this.bindArgs(e, ['fields'], ['fields', 'limit', 'sortby', 'order']);
    const fa = args.get('fields');
    if (!fa) {
      this.diags.error('table-requires-fields', '`table()` requires a field list', e.span, 'table([field1, field2])');
      return;
    }
    const fields = this.fieldListArg(fa);
    if (fields.length === 0 && fa.value.kind === 'list' && fa.value.items.length === 0) {
      this.diags.error('table-requires-fields', '`table()` requires a field list', fa.value.span, 'table([field1, field2])');
    }
    const spec: TableSpec = { fields, order: 'desc' };
    const limitA = args.get('limit');
    if (limitA) {
      const v = limitA.value;
      const n = v.kind === 'word' || v.kind === 'string' ? Number(v.value) : NaN;
      if (!Number.isInteger(n) || n <= 0) this.diags.error('invalid-argument', '`limit` must be a positive integer', v.span);
      else spec.limit = n;
    }
    const sortA = args.get('sortby');
    if (sortA) {
      const f = this.fieldArg(sortA);
      if (f !== undefined) spec.sortby = f;
    }
    const orderA = args.get('order');
    if (orderA) {
      const v = orderA.value;
      const s = v.kind === 'word' || v.kind === 'string' ? v.value.toLowerCase() : '';
      if (s === 'asc' || s === 'desc') spec.order = s;
      else this.diags.error('invalid-argument', '`order` must be asc or desc', v.span);
    }
    for (const f of spec.fields) this.fieldsRead.add(f);
    if (spec.sortby !== undefined) this.fieldsRead.add(spec.sortby);
    this.table = spec;
  }
}

function numericNode(field: string, op: string, rhs: number): Node {
  const cmp: (n: number) => boolean =
    op === '<' ? (n) => n < rhs : op === '<=' ? (n) => n <= rhs : op === '>' ? (n) => n > rhs : (n) => n >= rhs;
  return (c) => {
    const v = read(c, field);
    if (v === undefined) return F;
    if (v === UNK) return U;
    if (v.trim() === '') return F;
    const n = Number(v);
    return n === n && cmp(n) ? T : F;
  };
}

function regexNode(field: string, re: RegExp, groups: string[]): Node {
  if (groups.length === 0) {
    return (c) => {
      const v = read(c, field);
      if (v === undefined) return F;
      if (v === UNK) return U;
      return re.test(v) ? T : F;
    };
  }
  // Named groups become fields on a match (as LogScale does); an unknown input makes them unknown.
  return (c) => {
    const v = read(c, field);
    if (v === undefined) return F;
    if (v === UNK) {
      let ov = c.ov;
      for (const g of groups) ov = { name: g, value: UNK, prev: ov };
      c.ov = ov;
      return U;
    }
    const m = re.exec(v);
    if (m === null) return F;
    let ov = c.ov;
    for (const g of groups) {
      const s = m.groups?.[g];
      if (s !== undefined) ov = { name: g, value: s, prev: ov };
    }
    c.ov = ov;
    return T;
  };
}

/**
 * `case`: the first clause that passes wins and keeps its assignments. A false clause is rolled back and the
 * next tried; an unknown clause makes the whole case unknown (an earlier clause might have won), and the
 * fields any clause could assign become unknown for later stages.
 */
function caseNode(clauses: Node[], assigned: string[]): Node {
  const n = clauses.length;
  return (c) => {
    const saved = c.ov;
    for (let i = 0; i < n; i++) {
      c.ov = saved;
      const r = clauses[i](c);
      if (r === T) return T;
      if (r === U) {
        let ov = saved;
        for (const name of assigned) ov = { name, value: UNK, prev: ov };
        c.ov = ov;
        return U;
      }
    }
    c.ov = saved;
    return F;
  };
}

export function compile(ast: Pipeline, source: string, diags: Diagnostics): CompiledQuery | undefined {
  const c = new Compiler(source, diags);
  const root = c.pipeline(ast, true);
  if (diags.hasErrors) return undefined;

  const ctx: Ctx = { fields: EMPTY, ov: null, unknown: null };
  const evaluate = (fields: Fields, unknown?: ReadonlySet<string>): EvalResult => {
    ctx.fields = fields;
    ctx.ov = null;
    ctx.unknown = unknown !== undefined && unknown.size > 0 ? unknown : null;
    const r = root(ctx);
    const ov = ctx.ov as Overlay | null;
    ctx.fields = EMPTY;
    ctx.ov = null;
    ctx.unknown = null;
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

  const query: CompiledQuery = {
    eventTypes: deriveEventTypes(ast),
    fieldsRead: c.fieldsRead,
    evaluate,
    requiredLiterals: (eventType, opaque) => requiredLiterals(ast, eventType, opaque),
  };
  if (c.table) query.table = c.table;
  return query;
}
