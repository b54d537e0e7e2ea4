/**
 * AST → closures. Everything that can be prepared once is: regexes, globs, lower-cased Sets, field names, format
 * strings, subnets. Evaluation is three-valued (runtime.ts).
 *
 * A query is split at the top level into
 *   event part  | [aggregation | having part] | [presentation]
 * `evaluate` runs the event part on one event. An aggregation (groupBy(), stats(), `[…]`, a bare aggregate
 * function) is described by `aggregate`, whose `having` runs the stages after it on one result row. The trailing
 * presentation steps (table, select, sort, head, tail) become `presentation` and never filter.
 */
import { accumulate, compileAggregation } from './aggregate';
import type { CallExpr, CompareExpr, EvalExpr, Expr, Pipeline, Stage } from './ast';
import { eventPart, isAggregationStageNode, isPresentationStageNode, stageCall, assignedIn } from './analysis';
import { parseSubnet, subnetMatcher, type Subnet } from './cidr';
import { didYouMean, type Diagnostics } from './diagnostics';
import { compileEval, compileTest } from './evalexpr';
import { deriveEventTypes } from './eventtypes';
import {
  canonicalFunctionName,
  isAggregationStage,
  isPresentationFunction,
  isValueFunction,
  SUPPORTED_FUNCTIONS,
  UNSUPPORTED_FUNCTIONS,
} from './functions';
import { compileGlob, type StringMatcher } from './glob';
import { requiredLiterals } from './literals';
import { compilePresentation } from './presentation';
import { compileRegex, compileRegexString } from './regex';
import {
  ALWAYS,
  and,
  evaluator,
  F,
  NEVER,
  not,
  or,
  read,
  T,
  toNumber,
  U,
  UNK,
  write,
  type Node,
  type Overlay,
  type Tri,
} from './runtime';
import { CompileScope } from './scope';
import type { AggregateSpec, CompiledQuery } from './types';
import { compileValueFunction } from './valuefns';

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** `field = <matcher>`: absent → F; unknown → U. */
function fieldTest(name: string, m: StringMatcher): Node {
  return (c) => {
    const v = read(c, name);
    if (v === undefined) return F;
    if (v === UNK) return U;
    return m(v) ? T : F;
  };
}

/** Where a stage is: the top level of the query, or inside a `case` clause. */
type Where = 'top' | 'case';

class Compiler {
  constructor(readonly s: CompileScope) {}

  private get diags(): Diagnostics {
    return this.s.diags;
  }

  stages(stages: Stage[], where: Where): Node {
    const nodes: Node[] = [];
    for (const st of stages) {
      const n = this.stage(st, where);
      if (n !== null) nodes.push(n);
    }
    return nodes.length === 0 ? ALWAYS : and(nodes);
  }

  /** null: the stage does nothing at evaluation time. */
  private stage(st: Stage, where: Where): Node | null {
    switch (st.kind) {
      case 'assign':
        return this.assign(st.target, st.targetSpan, st.value);
      case 'case': {
        const clauses = st.clauses.map((cl) => this.stages(cl.stages, 'case'));
        return caseNode(clauses, [...assignedIn(st.clauses)]);
      }
      case 'aggregates':
        this.misplacedAggregation(st.span, where);
        return null;
      case 'filter': {
        const call = stageCall(st);
        if (call) {
          const name = canonicalFunctionName(call.name);
          if (isPresentationFunction(name)) {
            this.misplacedPresentation(call, where);
            return null;
          }
          if (isAggregationStage(name)) {
            this.misplacedAggregation(call.span, where);
            return null;
          }
          if (name === 'drop') return this.drop(call);
          if (name === 'rename') return this.rename(call);
          if (name === 'default') return this.defaultCall(call);
          if (name !== undefined && isValueFunction(name)) return compileValueFunction(name, call, this.s, { mode: 'stage' })?.node ?? null;
        }
        return this.expr(st.expr);
      }
    }
  }

  misplacedPresentation(e: CallExpr, where: Where): void {
    if (canonicalFunctionName(e.name) === 'table') {
      this.diags.error('table-not-last', '`table()` must be the last stage of the query (and not inside `case`)', e.span);
    } else {
      this.diags.error('presentation-not-last', `\`${e.name}()\` is a presentation step: it must come at the end of the query${where === 'case' ? ', not inside `case`' : ''}`, e.span);
    }
  }

  misplacedAggregation(span: { start: number; end: number }, where: Where): void {
    if (where === 'case') {
      this.diags.error('aggregate-in-case', 'an aggregation cannot be inside `case`', span, 'aggregate after the case: `case { … } | groupBy(…)`');
    } else {
      this.diags.error('multiple-aggregations', 'a query can aggregate only once', span, 'combine the functions in one groupBy(…, function=[…])');
    }
  }

  private assign(target: string, targetSpan: { start: number; end: number }, value: EvalExpr): Node {
    // A quoted target is any name: `"Process Explorer" := format(…)`.
    if (this.s.source[targetSpan.start] !== '"' || target === '') this.s.fieldName(target, targetSpan);
    if (value.kind === 'ecall') {
      const name = canonicalFunctionName(value.call.name);
      if (name !== undefined && isValueFunction(name)) {
        return compileValueFunction(name, value.call, this.s, { mode: 'assign', target })?.node ?? ALWAYS;
      }
      if (name === 'rename') return this.rename(value.call, target);
    }
    const v = compileEval(value, this.s);
    this.s.wrote(target);
    // An expression with no value (an absent field) leaves the target as it was, as LogScale's eval does; an
    // unknown value makes the target unknown: a match then reports `unknown`.
    return (c) => {
      const x = v(c);
      if (x !== undefined) write(c, target, x);
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
    const quoted = this.s.source[e.fieldSpan.start] === '"';
    if (!(quoted ? field !== '' : this.s.fieldName(field, e.fieldSpan))) return NEVER;
    this.s.read(field);
    if (value.kind !== 'string' && value.kind !== 'word' && value.kind !== 'regex') return NEVER; // reported by the parser
    if (op !== '=' && op !== '!=') {
      if (value.kind === 'regex' || !NUMBER.test(value.value)) {
        const other = value.kind === 'word' && /^[A-Za-z_@#]/.test(value.value);
        this.diags.error(
          'non-numeric-comparison',
          `\`${op}\` compares numbers; \`${this.s.text(value)}\` is not a number`,
          value.span,
          other ? `to compare two fields: test(${field} ${op} ${value.value})` : undefined,
        );
        return NEVER;
      }
      return numericNode(field, op, Number(value.value));
    }
    let pos: Node;
    if (value.kind === 'regex') {
      const rx = compileRegex(value, this.diags);
      if (!rx) return NEVER;
      const groups = op === '=' ? rx.groupNames : [];
      groups.forEach((g) => this.s.wrote(g));
      pos = regexNode(field, rx.re, groups, op === '=' ? rx.groupKeys : [], true);
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
        this.s.bindArgs(e, [], []);
        return name === 'true' ? ALWAYS : NEVER;
      case 'test':
        return this.testCall(e);
      case 'cidr':
        return this.cidr(e);
      case 'wildcard':
        return this.wildcard(e);
      case 'regex':
        return this.regexCall(e);
      default:
        if (name !== undefined && (SUPPORTED_FUNCTIONS as readonly string[]).includes(name)) {
          this.diags.error('not-a-filter', `\`${e.name}()\` is not a filter: it must be a pipeline stage of its own`, e.span, `\`| ${this.s.text(e)}\``);
          return ALWAYS;
        }
        this.unknownFunction(e, name);
        return NEVER;
    }
  }

  private unknownFunction(e: CallExpr, name: string | undefined): void {
    if (name !== undefined && name in UNSUPPORTED_FUNCTIONS) {
      this.diags.error('unsupported-function', `\`${e.name}()\` is not supported by fdr-detect's CQL subset`, e.nameSpan, UNSUPPORTED_FUNCTIONS[name] ?? `supported functions: ${SUPPORTED_FUNCTIONS.join(', ')}`);
      return;
    }
    if (e.name.startsWith('$')) {
      this.diags.error('unsupported-function', `saved searches (\`${e.name}()\`) are not supported`, e.nameSpan, 'copy the saved query into the rule');
      return;
    }
    if (e.name.includes(':')) {
      this.diags.error('unsupported-function', `\`${e.name}()\` is not supported by fdr-detect's CQL subset`, e.nameSpan, `supported functions: ${SUPPORTED_FUNCTIONS.join(', ')}`);
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

  private inCall(e: CallExpr): Node {
    const args = this.s.bindArgs(e, ['field'], ['field', 'values', 'ignoreCase']);
    const fieldA = args.get('field');
    const valuesA = args.get('values');
    const fieldHint = !fieldA ? '"FIELD"' : fieldA.value.kind === 'string' ? this.s.text(fieldA.value) : JSON.stringify(this.s.text(fieldA.value));
    if (!fieldA) {
      this.diags.error('in-missing-field', '`in()` requires `field=`', e.span, `in(field="FIELD", ${valuesA ? 'values=' + this.s.text(valuesA.value) : 'values=[…]'})`);
    }
    if (!valuesA) {
      this.diags.error('in-missing-values', '`in()` requires `values=[…]`', e.span, `in(field=${fieldHint}, values=["value1", "value2"])`);
    }
    const field = fieldA ? this.s.fieldArg(fieldA) : undefined;
    const ignoreCaseA = args.get('ignoreCase');
    const ignoreCase = ignoreCaseA ? (this.s.boolArg(ignoreCaseA) ?? false) : false;
    if (!valuesA || field === undefined) return NEVER;
    if (valuesA.value.kind !== 'list') {
      this.diags.error('invalid-argument', '`values=` must be a list', valuesA.value.span, `values=[${this.s.text(valuesA.value)}]`);
      return NEVER;
    }
    this.s.read(field);
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

  private testCall(e: CallExpr): Node {
    const a = e.args[0];
    if (a === undefined || a.value.kind !== 'expr') return NEVER; // reported by the parser
    return compileTest(a.value.expr, this.s);
  }

  private cidr(e: CallExpr): Node {
    const args = this.s.bindArgs(e, ['field'], ['field', 'subnet', 'negate', 'file', 'column']);
    const fa = args.get('field');
    if (!fa) this.s.missing(e, 'field', 'cidr(FIELD, subnet=["10.0.0.0/8"])');
    for (const k of ['file', 'column']) {
      const a = args.get(k);
      if (a) this.diags.error('unsupported-argument', `\`${k}=\` (subnets from a lookup file) is not supported`, a.span, 'list the subnets: subnet=["10.0.0.0/8", "192.168.0.0/16"]');
    }
    const sa = args.get('subnet');
    if (!sa && !args.get('file')) this.s.missing(e, 'subnet', `cidr(${fa ? this.s.text(fa.value) : 'FIELD'}, subnet=["10.0.0.0/8"])`);
    const na = args.get('negate');
    const negate = na ? (this.s.boolArg(na) ?? false) : false;
    const field = fa ? this.s.fieldArg(fa) : undefined;
    const subnets: Subnet[] = [];
    let bad = false;
    if (sa) {
      const items = sa.value.kind === 'list' ? sa.value.items : [sa.value];
      for (const v of items) {
        if (v.kind !== 'string' && v.kind !== 'word') {
          this.s.invalid(v, 'a subnet is a string like "10.0.0.0/8"');
          bad = true;
          continue;
        }
        const net = parseSubnet(v.value);
        if (!net) {
          this.diags.error('invalid-subnet', `\`${v.value}\` is not an IPv4 or IPv6 subnet`, v.span, 'e.g. "10.0.0.0/8", "192.168.1.5", "fe80::/10", "::1"');
          bad = true;
        } else subnets.push(net);
      }
    }
    if (field === undefined || !sa || bad) return NEVER;
    this.s.read(field);
    const m = subnetMatcher(subnets);
    return (c) => {
      const v = read(c, field);
      if (v === undefined) return F;
      if (v === UNK) return U;
      return m(v) !== negate ? T : F;
    };
  }

  private wildcard(e: CallExpr): Node {
    const args = this.s.bindArgs(e, ['pattern'], ['pattern', 'field', 'ignoreCase', 'includeEverythingOnAsterisk']);
    const pa = args.get('pattern');
    const fa = args.get('field');
    if (!pa) this.s.missing(e, 'pattern', 'wildcard(field=FIELD, pattern="*text*", ignoreCase=true)');
    if (!fa) this.s.missing(e, 'field', `wildcard(field=FIELD, pattern=${pa ? this.s.text(pa.value) : '"*text*"'}): searching every field needs @rawstring, which FDR events lack`);
    const ia = args.get('ignoreCase');
    const ignoreCase = ia ? (this.s.boolArg(ia) ?? false) : false;
    const ea = args.get('includeEverythingOnAsterisk');
    const everything = ea ? (this.s.boolArg(ea) ?? false) : false;
    const fields = fa ? this.s.fieldListArg(fa) : [];
    if (!pa || !fa || fields.length === 0) return NEVER;
    const p = pa.value;
    if (p.kind !== 'string' && p.kind !== 'word') {
      this.s.invalid(p, '`pattern` is a string with `*` wildcards');
      return NEVER;
    }
    fields.forEach((f) => this.s.read(f));
    const allStars = p.parts.every((x) => x === '');
    if (allStars && everything) return ALWAYS;
    const m = compileGlob(p.parts, ignoreCase);
    return (c) => {
      let r: Tri = F;
      for (const f of fields) {
        const v = read(c, f);
        if (v === UNK) r = U;
        else if (v !== undefined && m(v)) return T;
      }
      return r;
    };
  }

  private regexCall(e: CallExpr): Node {
    const args = this.s.bindArgs(e, ['regex'], ['regex', 'field', 'flags', 'strict', 'limit', 'repeat']);
    const ra = args.get('regex');
    const fa = args.get('field');
    if (!ra) this.s.missing(e, 'regex', 'regex("(?<name>…)", field=FIELD)');
    if (!fa) this.s.missing(e, 'field', `regex(${ra ? this.s.text(ra.value) : '"…"'}, field=FIELD): FDR events have no @rawstring`);
    const sa = args.get('strict');
    const strict = sa ? (this.s.boolArg(sa) ?? true) : true;
    const rpa = args.get('repeat');
    if (rpa && this.s.boolArg(rpa) === true) {
      this.diags.error('unsupported-argument', '`repeat=true` (one event per match) is not supported', rpa.span, 'match once per event: leave out repeat');
    }
    const la = args.get('limit');
    if (la) this.s.intArg(la, { min: 1 });
    const fl = args.get('flags');
    const flags = fl ? this.s.stringArg(fl) : 'm';
    const field = fa ? this.s.fieldArg(fa) : undefined;
    if (!ra || field === undefined || flags === undefined) return NEVER;
    const rv = ra.value;
    let rx;
    if (rv.kind === 'regex') rx = compileRegex({ ...rv, flags: rv.flags + flags }, this.diags);
    else if (rv.kind === 'string' || rv.kind === 'word') rx = compileRegexString(rv.value, flags, rv.span, this.diags, fl?.value.span);
    else {
      this.s.invalid(rv, '`regex` is a string');
      return NEVER;
    }
    if (!rx) return NEVER;
    this.s.read(field);
    rx.groupNames.forEach((g) => this.s.wrote(g));
    return regexNode(field, rx.re, rx.groupNames, rx.groupKeys, strict);
  }

  private drop(e: CallExpr): Node {
    const args = this.s.bindArgs(e, ['fields'], ['fields']);
    const a = args.get('fields');
    const fields = a ? this.s.fieldListArg(a) : [];
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

  /**
   * rename(field=F, as=G) or rename(field=[[F, G], [H, I]]): moves values; a missing source changes nothing.
   * `G := rename(F)` is rename(F, as=G).
   */
  private rename(e: CallExpr, target?: string): Node {
    const args = this.s.bindArgs(e, ['field'], ['field', 'as']);
    const fa = args.get('field');
    const given = args.get('as');
    if (target !== undefined && given) this.diags.error('duplicate-argument', `\`${target} := rename(…)\` already names the new field; drop \`as=\``, given.span);
    const aa = target !== undefined ? { span: e.span, name: 'as', value: { kind: 'string' as const, span: e.span, value: target, parts: [target] } } : given;
    const pairs: [string, string][] = [];
    if (!fa) this.s.missing(e, 'field', 'rename(field=OLD, as=NEW), or rename(field=[[OLD, NEW], …])');
    else if (fa.value.kind === 'list' && fa.value.items.some((v) => v.kind === 'list')) {
      if (aa) this.diags.error('unexpected-argument', '`as=` with a list of [old, new] pairs', aa.span, 'the pairs already name the new fields');
      for (const item of fa.value.items) {
        if (item.kind !== 'list' || item.items.length !== 2) {
          this.s.invalid(item, 'expected an [old, new] pair');
          continue;
        }
        const from = this.s.fieldArg({ span: item.items[0].span, value: item.items[0] });
        const to = this.s.fieldArg({ span: item.items[1].span, value: item.items[1] });
        if (from !== undefined && to !== undefined) pairs.push([from, to]);
      }
    } else {
      // rename(f, as=g); also rename([f], as=g) and rename(field=[f, h], as=[g, i]).
      const froms = this.s.fieldListArg(fa);
      if (!aa) this.s.missing(e, 'as', `rename(field=${this.s.text(fa.value)}, as=NEW)`);
      const tos = aa ? this.s.fieldListArg(aa) : [];
      if (aa && froms.length !== tos.length) {
        this.s.invalid(aa.value, `\`as=\` names ${tos.length} field${tos.length === 1 ? '' : 's'} for ${froms.length}`, 'rename(field=[[old1, new1], [old2, new2]])');
      } else froms.forEach((f, i) => pairs.push([f, tos[i]]));
    }
    for (const [from, to] of pairs) {
      this.s.read(from);
      this.s.wrote(to);
    }
    return (c) => {
      for (const [from, to] of pairs) {
        const v = read(c, from);
        if (v === undefined || from === to) continue;
        write(c, to, v);
        write(c, from, undefined);
      }
      return T;
    };
  }

  /** default(field=F | [F…], value=V, replaceEmpty=false): sets absent (or empty) fields. */
  private defaultCall(e: CallExpr): Node {
    const args = this.s.bindArgs(e, ['value'], ['field', 'value', 'replaceEmpty']);
    const fa = args.get('field');
    const va = args.get('value');
    if (!fa) this.s.missing(e, 'field', 'default(field=FIELD, value="-")');
    if (!va) this.s.missing(e, 'value', `default(field=${fa ? this.s.text(fa.value) : 'FIELD'}, value="-")`);
    const fields = fa ? this.s.fieldListArg(fa) : [];
    const value = va ? this.s.stringArg(va) : undefined;
    const ra = args.get('replaceEmpty');
    const replaceEmpty = ra ? (this.s.boolArg(ra) ?? false) : false;
    if (value === undefined) return ALWAYS;
    for (const f of fields) {
      this.s.read(f);
      this.s.wrote(f);
    }
    return (c) => {
      for (const f of fields) {
        const v = read(c, f);
        if (v === UNK) write(c, f, UNK);
        else if (v === undefined || (replaceEmpty && v === '')) write(c, f, value);
      }
      return T;
    };
  }
}

function numericNode(field: string, op: string, rhs: number): Node {
  const cmp: (n: number) => boolean =
    op === '<' ? (n) => n < rhs : op === '<=' ? (n) => n <= rhs : op === '>' ? (n) => n > rhs : (n) => n >= rhs;
  return (c) => {
    const v = read(c, field);
    if (v === undefined) return F;
    if (v === UNK) return U;
    const n = toNumber(v.trim());
    return n === n && cmp(n) ? T : F;
  };
}

/**
 * A regex on a field. Named groups become fields on a match (as LogScale does); an unknown input makes them
 * unknown. `strict=false` (regex() only) passes events the regex does not match, or that lack the field.
 */
function regexNode(field: string, re: RegExp, groups: string[], keys: string[], strict: boolean): Node {
  const miss: Tri = strict ? F : T;
  if (groups.length === 0) {
    return (c) => {
      const v = read(c, field);
      if (v === undefined) return miss;
      if (v === UNK) return strict ? U : T;
      return re.test(v) ? T : miss;
    };
  }
  return (c) => {
    const v = read(c, field);
    if (v === undefined) return miss;
    if (v === UNK) {
      let ov = c.ov;
      for (const g of groups) ov = { name: g, value: UNK, prev: ov };
      c.ov = ov;
      return strict ? U : T;
    }
    const m = re.exec(v);
    if (m === null) return miss;
    let ov = c.ov;
    for (let i = 0; i < groups.length; i++) {
      const s = m.groups?.[keys[i]];
      if (s !== undefined) ov = { name: groups[i], value: s, prev: ov };
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
        let ov: Overlay | null = saved;
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
  const s = new CompileScope(source, diags);
  const c = new Compiler(s);
  const stages = ast.stages;

  // The presentation tail; presentation stages earlier are misplaced.
  let pStart = stages.length;
  while (pStart > 0 && isPresentationStageNode(stages[pStart - 1])) pStart--;
  // The aggregation, if any.
  let aggIdx = -1;
  for (let i = 0; i < pStart; i++) {
    if (!isAggregationStageNode(stages[i])) continue;
    if (aggIdx < 0) aggIdx = i;
  }
  const eventEnd = aggIdx < 0 ? pStart : aggIdx;
  const root = c.stages(stages.slice(0, eventEnd), 'top');

  let aggregate: { spec: ReturnType<typeof compileAggregation>; having: Node } | undefined;
  if (aggIdx >= 0) {
    const st = stages[aggIdx];
    const spec = compileAggregation(st.kind === 'aggregates' ? { list: st.list, span: st.span } : { call: stageCall(st), span: st.span }, s);
    const having = c.stages(stages.slice(aggIdx + 1, pStart), 'top');
    aggregate = { spec, having };
  }
  const presentationCalls = stages.slice(pStart).map((st) => stageCall(st) as CallExpr);
  const { spec: presentation, table } = compilePresentation(presentationCalls, s);
  if (diags.hasErrors) return undefined;

  const events = eventPart(ast);
  const query: CompiledQuery = {
    eventTypes: deriveEventTypes(events),
    fieldsRead: s.fieldsRead,
    evaluate: evaluator(root),
    assignedFields: s.assigned,
    assignedArrays: s.assignedArrays,
    requiredLiterals: (eventType, opaque) => requiredLiterals(events, eventType, opaque),
  };
  if (presentationCalls.length > 0) query.presentation = presentation;
  if (table) query.table = table;
  if (aggregate?.spec) {
    const spec = aggregate.spec;
    const agg: AggregateSpec = {
      groupBy: spec.groupBy,
      functions: spec.functions,
      outputs: spec.outputs,
      limit: spec.limit,
      having: evaluator(aggregate.having),
      accumulate: () => accumulate(spec),
    };
    query.aggregate = agg;
  }
  return query;
}
