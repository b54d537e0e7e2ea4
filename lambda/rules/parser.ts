/**
 * CQL parser: source → AST. Recursive descent over tokens lexed on demand (lexer.ts: `query` mode for filters and
 * arguments, `expr` mode for `test(…)` and the right-hand side of `:=`). On an error it reports, skips to the next
 * `|`, `;` or closing delimiter at the same nesting depth, and goes on, so one run reports several problems.
 *
 *   query    := pipeline EOF
 *   pipeline := stage ('|' stage)*
 *   stage    := FIELD ':=' eval | 'case' '{' [pipeline] (';' [pipeline])* '}' | '[' aggregates ']' | expr
 *   expr     := and ('OR' and)*
 *   and      := unary (['AND'] unary)*          (juxtaposition is AND)
 *   unary    := ('NOT' | '!') unary | primary
 *   primary  := '(' expr ')' | '*' | 'true' | 'false' | NAME '(' args ')' | FIELD op value | FIELD '=~' NAME '(' args ')'
 *   op       := '=' | '!=' | '<' | '<=' | '>' | '>='
 *   value    := STRING | WORD | REGEX | '[' [value (',' value)*] ']' | NAME '(' args ')' | '(' value ')'
 *   args     := [arg (',' arg)*]      arg := [NAME '='] value        (test: one eval expression)
 *
 *   eval     := eor                   eor := eand ('or' eand)*       eand := enot ('and' enot)*
 *   enot     := ('not' | '!') enot | ecmp          ecmp := esum [('==' | '!=' | '<' | '<=' | '>' | '>=') esum]
 *   esum     := eprod (('+' | '-') eprod)*         eprod := eneg (('*' | '/' | '%') eneg)*
 *   eneg     := '-' eneg | eatom      eatom := NUMBER | STRING | 'true' | 'false' | FIELD | NAME '(' args ')' | '(' eval ')'
 */
import type { Arg, CallExpr, CompareOp, EvalBinaryOp, EvalExpr, Expr, ListValue, Pipeline, Span, Stage, Value } from './ast';
import { Diagnostics, spanOf } from './diagnostics';
import { canonicalFunctionName, UNSUPPORTED_FUNCTIONS } from './functions';
import { lexToken, reportLexical, type LexMode, type Token, type TokenKind } from './lexer';

export interface ParseResult {
  ast: Pipeline;
  diagnostics: Diagnostics;
}

const COMPARE_OPS: Partial<Record<TokenKind, CompareOp>> = {
  eq: '=',
  neq: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

const EVAL_COMPARE: Partial<Record<TokenKind, EvalBinaryOp>> = { eqeq: '==', neq: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

const STARTS_EVAL_OPERAND = new Set<TokenKind>(['number', 'string', 'word', 'lparen', 'minus', 'bang']);

const CLOSERS: Partial<Record<TokenKind, string>> = { rparen: ')', rbrace: '}', rbracket: ']' };

class SyntaxAbort extends Error {}

function isKeyword(t: Token, kw: string): boolean {
  return t.kind === 'word' && t.value.toLowerCase() === kw;
}

export function parse(source: string): ParseResult {
  const diags = new Diagnostics(source);
  const p = new Parser(source, diags);
  return { ast: p.parseQuery(), diagnostics: diags };
}

class Parser {
  private mode: LexMode = 'query';
  /** Lexed, not yet consumed tokens (in `mode`), and the lexer offset after each. */
  private buf: Token[] = [];
  private bufEnds: number[] = [];
  /** Lexer offset after the last consumed token. */
  private consumedAt = 0;
  private lastEnd = 0;
  /** Open `(`, `[`, `{` among the consumed tokens. */
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly diags: Diagnostics,
  ) {}

  private peek(k = 0): Token {
    while (this.buf.length <= k) {
      const last = this.buf[this.buf.length - 1];
      if (last !== undefined && last.kind === 'eof') return last;
      const at = this.bufEnds.length > 0 ? this.bufEnds[this.bufEnds.length - 1] : this.consumedAt;
      const { token, end } = lexToken(this.source, at, this.mode);
      this.buf.push(token);
      this.bufEnds.push(end);
    }
    return this.buf[k];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind === 'eof') return t;
    this.buf.shift();
    this.consumedAt = this.bufEnds.shift() as number;
    this.lastEnd = t.span.end;
    if (t.kind === 'lparen' || t.kind === 'lbracket' || t.kind === 'lbrace') this.depth++;
    else if (CLOSERS[t.kind]) this.depth--;
    reportLexical(t, this.diags);
    return t;
  }

  /** Consumes a token without reporting its lexical errors (inside a skipped subquery). */
  private nextQuietly(): Token {
    const t = this.peek();
    delete t.diags;
    return this.next();
  }

  /** Switches the lexical mode; tokens looked at but not consumed are lexed again. */
  private setMode(mode: LexMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.buf = [];
    this.bufEnds = [];
  }

  private at(kind: TokenKind): boolean {
    return this.peek().kind === kind;
  }

  private prevEnd(): number {
    return this.lastEnd;
  }

  private describe(t: Token): string {
    return t.kind === 'eof' ? 'end of query' : `\`${t.text}\``;
  }

  private fail(code: string, message: string, span: Span, hint?: string): never {
    this.diags.error(code, message, span, hint);
    throw new SyntaxAbort();
  }

  private unexpected(expected: string, hint?: string): never {
    const t = this.peek();
    const closer = CLOSERS[t.kind];
    if (closer) this.fail('unexpected-token', `unexpected \`${closer}\`, expected ${expected}`, t.span, hint);
    this.fail('unexpected-token', `unexpected ${this.describe(t)}, expected ${expected}`, t.span, hint);
  }

  /** Skips to the next `|` / `;` / closer at depth 0 (not consuming it), stepping over balanced groups. */
  private sync(): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (depth === 0 && (t.kind === 'pipe' || t.kind === 'semi' || CLOSERS[t.kind])) return;
      if (t.kind === 'lparen' || t.kind === 'lbrace' || t.kind === 'lbracket') depth++;
      else if (CLOSERS[t.kind]) depth--;
      this.next();
    }
  }

  parseQuery(): Pipeline {
    const stages: Stage[] = [];
    if (this.at('eof')) {
      reportLexical(this.peek(), this.diags);
      this.diags.error('empty-query', 'the query is empty', this.peek().span, 'write a filter, e.g. `#event_simpleName = "ProcessRollup2"`');
      return { span: { start: 0, end: this.source.length }, stages };
    }
    for (;;) {
      const pl = this.parsePipeline();
      stages.push(...pl.stages);
      const t = this.peek();
      if (t.kind === 'eof') break;
      // A stray closer (or `;` outside case): report, skip it and go on.
      if (t.kind === 'semi') {
        this.diags.error('unexpected-token', 'unexpected `;` outside `case { … }`', t.span, 'separate stages with `|`');
      } else {
        this.diags.error('unmatched-delimiter', `unmatched \`${t.text}\``, t.span);
      }
      this.next();
      if (this.at('pipe')) this.next();
      if (this.at('eof')) break;
    }
    reportLexical(this.peek(), this.diags);
    return { span: { start: 0, end: this.source.length }, stages };
  }

  /** A pipeline up to (not including) `;`, a closer or EOF. */
  private parsePipeline(): Pipeline {
    const start = this.peek().span.start;
    const stages: Stage[] = [];
    for (;;) {
      const stage = this.parseStageRecovering();
      if (stage) stages.push(stage);
      if (!this.at('pipe')) break;
      this.next();
    }
    return { span: { start, end: this.prevEnd() }, stages };
  }

  private parseStageRecovering(): Stage | undefined {
    const t = this.peek();
    if (t.kind === 'pipe' || t.kind === 'semi' || t.kind === 'eof' || CLOSERS[t.kind]) {
      this.diags.error(
        'empty-stage',
        `expected a filter, function or assignment before ${this.describe(t)}`,
        t.span,
        t.kind === 'pipe' ? 'remove the extra `|`' : undefined,
      );
      return undefined;
    }
    try {
      const stage = this.parseStage();
      const after = this.peek();
      if (after.kind !== 'pipe' && after.kind !== 'semi' && after.kind !== 'eof' && !CLOSERS[after.kind]) {
        if (after.kind === 'word' && this.peek(1).kind === 'assign') {
          this.unexpected('`|`', `an assignment is its own stage: \`| ${after.text} := …\``);
        }
        this.unexpected('`|` or end of query');
      }
      return stage;
    } catch (e) {
      if (!(e instanceof SyntaxAbort)) throw e;
      this.setMode('query');
      this.sync();
      return undefined;
    }
  }

  private parseStage(): Stage {
    const t = this.peek();
    if ((t.kind === 'word' || t.kind === 'string') && this.peek(1).kind === 'assign') {
      this.next();
      this.next();
      const value = this.parseEvalTop('a value, field name or expression after `:=`');
      return { kind: 'assign', span: spanOf(t.span, value.span), target: t.value, targetSpan: t.span, value };
    }
    if (isKeyword(t, 'case') && this.peek(1).kind === 'lbrace') return this.parseCase();
    if (t.kind === 'word' && isKeyword(this.peek(1), 'match') && this.peek(2).kind === 'lbrace') return this.parseMatch();
    if (t.kind === 'lbracket') {
      const list = this.parseList();
      return { kind: 'aggregates', span: list.span, list };
    }
    const expr = this.parseExpr();
    return { kind: 'filter', span: expr.span, expr };
  }

  private parseCase(): Stage {
    const kw = this.next();
    const open = this.next();
    const clauses: Pipeline[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'rbrace') break;
      if (t.kind === 'eof' || t.kind === 'rparen' || t.kind === 'rbracket') {
        this.fail('unclosed-brace', 'unclosed `{` of `case`', open.span, 'add the closing `}`');
      }
      if (t.kind === 'semi') {
        this.next(); // empty clause (e.g. a trailing `;`)
        continue;
      }
      const clause = this.parsePipeline();
      if (clause.stages.length > 0) clauses.push(clause);
      if (this.at('semi')) this.next();
      else if (!this.at('rbrace')) {
        if (this.at('eof')) continue; // reported above on the next turn
        this.unexpected('`;` or `}`');
      }
    }
    const close = this.next();
    if (clauses.length === 0) {
      this.diags.warning('empty-case', '`case { }` has no clauses: it drops every event', spanOf(kw.span, close.span));
    }
    return { kind: 'case', span: spanOf(kw.span, close.span), clauses };
  }

  /**
   * `FIELD match { V1 => stages ; V2 => stages ; * => stages }`: a `case` whose clauses start with `FIELD = V`
   * (V: a string, number, glob or /regex/; `*` matches every event).
   */
  private parseMatch(): Stage {
    const field = this.next();
    this.next();
    const open = this.next();
    const clauses: Pipeline[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'rbrace') break;
      if (t.kind === 'eof' || t.kind === 'rparen' || t.kind === 'rbracket') this.fail('unclosed-brace', 'unclosed `{` of `match`', open.span, 'add the closing `}`');
      if (t.kind === 'semi') {
        this.next();
        continue;
      }
      const value = this.parseValue('a value to match (a string, number, /regex/ or *)', false);
      if (value.kind !== 'string' && value.kind !== 'word' && value.kind !== 'regex') {
        this.fail('expected-value', 'a match value is a string, number, glob, /regex/ or *', value.span);
      }
      if (!this.at('arrow')) this.unexpected('`=>`');
      this.next();
      const body = this.parsePipeline();
      const test: Expr =
        value.kind === 'word' && value.value === '*'
          ? { kind: 'all', span: value.span }
          : { kind: 'compare', span: spanOf(field.span, value.span), field: field.value, fieldSpan: field.span, op: '=', value };
      clauses.push({ span: spanOf(value.span, body.span), stages: [{ kind: 'filter', span: value.span, expr: test }, ...body.stages] });
      if (this.at('semi')) this.next();
      else if (!this.at('rbrace')) {
        if (this.at('eof')) continue;
        this.unexpected('`;` or `}`');
      }
    }
    const close = this.next();
    return { kind: 'case', span: spanOf(field.span, close.span), clauses };
  }

  private startsOperand(t: Token): boolean {
    switch (t.kind) {
      case 'lparen':
      case 'bang':
      case 'string':
      case 'regex':
        return true;
      case 'word':
        if (isKeyword(t, 'or') || isKeyword(t, 'and')) return false;
        return this.peek(1).kind !== 'assign';
      default:
        return false;
    }
  }

  private parseExpr(): Expr {
    const first = this.parseAnd();
    const operands = [first];
    while (isKeyword(this.peek(), 'or')) {
      this.next();
      operands.push(this.parseAnd());
    }
    if (operands.length === 1) return first;
    return { kind: 'or', span: spanOf(first.span, operands[operands.length - 1].span), operands };
  }

  private parseAnd(): Expr {
    const first = this.parseUnary();
    const operands = [first];
    for (;;) {
      const t = this.peek();
      if (isKeyword(t, 'and')) {
        this.next();
        operands.push(this.parseUnary());
      } else if (this.startsOperand(t)) {
        operands.push(this.parseUnary());
      } else {
        break;
      }
    }
    if (operands.length === 1) return first;
    return { kind: 'and', span: spanOf(first.span, operands[operands.length - 1].span), operands };
  }

  private parseUnary(): Expr {
    const t = this.peek();
    // `NOT`/`!` prefix; a field that happens to be called `not` (`not = 1`) is still a comparison.
    if (t.kind === 'bang' || (isKeyword(t, 'not') && !COMPARE_OPS[this.peek(1).kind] && this.peek(1).kind !== 'match')) {
      this.next();
      const operand = this.parseUnary();
      return { kind: 'not', span: spanOf(t.span, operand.span), operand };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (t.kind === 'lparen') {
      this.next();
      if (this.at('rparen')) this.fail('expected-expression', 'empty parentheses', spanOf(t.span, this.peek().span));
      const inner = this.parseExpr();
      if (!this.at('rparen')) {
        if (this.at('eof') || this.at('pipe') || this.at('semi') || this.at('rbrace')) {
          this.fail('unclosed-paren', 'unclosed `(`', t.span, 'add the closing `)`');
        }
        this.unexpected('`)`');
      }
      const close = this.next();
      return { ...inner, span: spanOf(t.span, close.span) };
    }
    if (t.kind === 'string' && COMPARE_OPS[this.peek(1).kind]) {
      // A quoted field name: `"#event_simpleName" = ProcessRollup2`.
      this.next();
      const op = COMPARE_OPS[this.next().kind] as CompareOp;
      const value = this.parseValue(`a value after \`${op}\``, false);
      if (value.kind === 'list') this.fail('expected-value', 'cannot compare a field with a list', value.span);
      return { kind: 'compare', span: spanOf(t.span, value.span), field: t.value, fieldSpan: t.span, op, value };
    }
    if (t.kind === 'string' || t.kind === 'regex') {
      this.fail(
        'free-text-unsupported',
        'free-text search is not supported (FDR events have no @rawstring)',
        t.span,
        `compare a field instead: \`FieldName = ${t.text}\``,
      );
    }
    if (t.kind === 'lbrace') {
      this.fail('unsupported-subquery', 'subqueries (`{ … }`) are not supported here', t.span, 'write the filter as a stage of its own');
    }
    if (t.kind !== 'word') this.unexpected('a filter (`field = value`, `in(…)`, `*`, `(`, `NOT`)');

    const nx = this.peek(1);
    if (nx.kind === 'lparen') return this.parseCall();
    if (nx.kind === 'match') {
      // `F =~ fn(…)` is `fn(field=F, …)`.
      this.next();
      const op = this.next();
      const fn = this.peek();
      if (fn.kind !== 'word' || this.peek(1).kind !== 'lparen') {
        this.fail('expected-function', 'expected a function call after `=~`', fn.kind === 'eof' ? op.span : fn.span, `\`${t.text} =~ wildcard("pattern", ignoreCase=true)\`, or \`${t.text} = /regex/\` for a regex`);
      }
      const call = this.parseCall();
      const field: Value = { kind: 'word', span: t.span, value: t.value, parts: t.parts ?? [t.value] };
      call.args.unshift({ span: t.span, name: 'field', nameSpan: t.span, value: field, implicit: true });
      return { ...call, span: spanOf(t.span, call.span) };
    }
    const op = COMPARE_OPS[nx.kind];
    if (op) {
      this.next();
      this.next();
      if (op === '=' && this.at('eq')) {
        this.fail('unexpected-token', 'unexpected `=`', this.peek().span, 'CQL compares with a single `=`');
      }
      const value = this.parseValue(`a value after \`${op}\``, false);
      if (value.kind === 'list') {
        this.fail('expected-value', 'cannot compare a field with a list', value.span, `\`in(field="${t.value}", values=${this.source.slice(value.span.start, value.span.end)})\``);
      }
      return { kind: 'compare', span: spanOf(t.span, value.span), field: t.value, fieldSpan: t.span, op, value };
    }
    if (isKeyword(nx, 'in') && this.peek(2).kind === 'lbracket') {
      this.next();
      const inTok = this.next();
      const list = this.parseList();
      const field = JSON.stringify(t.value);
      const values = list.items.map((v) => this.source.slice(v.span.start, v.span.end)).join(', ');
      this.diags.error(
        'not-cql-in',
        '`in [...]` is not CQL',
        spanOf(inTok.span, list.span),
        `in(field=${field}, values=[${values}])`,
      );
      return { kind: 'invalid', span: spanOf(t.span, list.span) };
    }
    this.next();
    if (t.value === '*') return { kind: 'all', span: t.span };
    if (t.value.toLowerCase() === 'true') return { kind: 'bool', span: t.span, value: true };
    if (t.value.toLowerCase() === 'false') return { kind: 'bool', span: t.span, value: false };
    this.fail(
      'free-text-unsupported',
      `free-text search for \`${t.text}\` is not supported (FDR events have no @rawstring)`,
      t.span,
      nx.kind === 'word' || nx.kind === 'string' ? 'compare a field with `=`: `field = value`' : 'compare a field: `field = value`',
    );
  }

  /** NAME '(' args ')'. The arguments are lexed in query mode (test: one expression, in expr mode). */
  private parseCall(): CallExpr {
    const name = this.next();
    const open = this.next();
    const inside = this.depth;
    const outer = this.mode;
    const args: Arg[] = [];
    const unclosed = (): never => this.fail('unclosed-paren', `unclosed \`(\` of \`${name.text}(\``, open.span, 'add the closing `)`');
    try {
      const known = canonicalFunctionName(name.value);
      if ((known !== undefined && known in UNSUPPORTED_FUNCTIONS) || name.value.startsWith('$')) {
        // An unsupported function: its arguments (correlate's `name: {…}`, subqueries) are skipped unchecked,
        // so the one error is that the function is not supported.
        this.setMode('query');
        while (!this.at('eof') && !(this.depth === inside && this.at('rparen'))) this.nextQuietly();
        if (this.at('eof')) unclosed();
      } else if (name.value.toLowerCase() === 'test') {
        this.setMode('expr');
        if (this.at('rparen')) this.fail('expected-expression', '`test()` needs an expression', spanOf(open.span, this.peek().span), 'test(FIELD > 10)');
        const expr = this.parseEvalUntil('rparen');
        args.push({ span: expr.span, value: { kind: 'expr', span: expr.span, expr } });
        if (!this.at('rparen')) unclosed();
      } else {
        this.setMode('query');
        while (!this.at('rparen')) {
          const t = this.peek();
          if (t.kind === 'eof' || t.kind === 'pipe' || t.kind === 'semi' || t.kind === 'rbrace') unclosed();
          if (t.kind === 'word' && this.peek(1).kind === 'eq') {
            this.next();
            this.next();
            const value = this.parseValue(`a value for \`${t.text}=\``);
            args.push({ span: spanOf(t.span, value.span), name: t.value, nameSpan: t.span, value });
          } else {
            const value = this.parseValue('an argument');
            args.push({ span: value.span, value });
          }
          if (this.at('comma')) this.next();
          else if (!this.at('rparen')) {
            const u = this.peek();
            if (u.kind === 'eof' || u.kind === 'pipe' || u.kind === 'semi' || u.kind === 'rbrace') continue;
            if (this.startsValue(u)) this.missingComma(u, 'arguments');
            else this.unexpected('`,` or `)`');
          }
        }
      }
      const close = this.next();
      this.setMode(outer);
      return { kind: 'call', span: spanOf(name.span, close.span), name: name.value, nameSpan: name.span, args };
    } catch (e) {
      // Recover inside the parentheses so the rest of the stage is not misread in the wrong mode.
      if (!(e instanceof SyntaxAbort)) throw e;
      for (;;) {
        const t = this.peek();
        if (t.kind === 'eof' || this.depth < inside) break;
        if (this.depth === inside && (t.kind === 'pipe' || t.kind === 'semi' || t.kind === 'rbrace' || t.kind === 'rbracket')) break;
        const closes = t.kind === 'rparen' && this.depth === inside;
        this.next();
        if (closes) break;
      }
      this.setMode(outer);
      throw e;
    }
  }

  private parseList(): ListValue {
    const open = this.next();
    const items: Value[] = [];
    while (!this.at('rbracket')) {
      const t = this.peek();
      if (t.kind === 'eof' || t.kind === 'rparen' || t.kind === 'pipe' || t.kind === 'semi' || t.kind === 'rbrace') {
        this.fail('unclosed-bracket', 'unclosed `[`', open.span, 'add the closing `]`');
      }
      const v = this.parseValue('a list item');
      items.push(v);
      if (this.at('comma')) this.next();
      else if (!this.at('rbracket')) {
        const u = this.peek();
        if (u.kind === 'eof' || u.kind === 'rparen' || u.kind === 'pipe' || u.kind === 'semi' || u.kind === 'rbrace') {
          continue;
        }
        if (this.startsValue(u)) this.missingComma(u, 'list items');
        else this.unexpected('`,` or `]`');
      }
    }
    const close = this.next();
    return { kind: 'list', span: spanOf(open.span, close.span), items };
  }

  private startsValue(t: Token): boolean {
    return t.kind === 'word' || t.kind === 'string' || t.kind === 'regex' || t.kind === 'lbracket';
  }

  /** Reports a missing `,` before `t` and carries on as if it were there. */
  private missingComma(t: Token, what: string): void {
    const at = this.prevEnd();
    this.diags.error('missing-comma', `expected \`,\` before ${this.describe(t)}`, { start: at, end: at }, `separate ${what} with \`,\``);
  }

  /** `calls`: a word before `(` is a function call (arguments); after `=` it is a value and `(` a group. */
  private parseValue(expected: string, calls = true): Value {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
        this.next();
        return { kind: 'string', span: t.span, value: t.value, parts: t.parts ?? [t.value] };
      case 'word':
        if (calls && this.peek(1).kind === 'lparen') {
          const call = this.parseCall();
          return { kind: 'call', span: call.span, call };
        }
        this.next();
        return { kind: 'word', span: t.span, value: t.value, parts: t.parts ?? [t.value] };
      case 'regex':
        this.next();
        return {
          kind: 'regex',
          span: t.span,
          pattern: t.value,
          flags: t.flags ?? '',
          patternStart: t.patternStart ?? t.span.start + 1,
          flagsStart: t.flagsStart ?? t.span.end,
        };
      case 'lbracket':
        return this.parseList();
      case 'lparen': {
        if (!calls) break;
        // `function=(count())`, `function=([…])`: parentheses around a value.
        this.next();
        const inner = this.parseValue(expected);
        if (!this.at('rparen')) {
          if (this.at('eof') || this.at('pipe') || this.at('semi') || this.at('rbrace')) this.fail('unclosed-paren', 'unclosed `(`', t.span, 'add the closing `)`');
          this.unexpected('`)`');
        }
        const close = this.next();
        return { ...inner, span: spanOf(t.span, close.span) };
      }
      case 'lbrace': {
        // Skipped whole (its contents are not checked): the function taking it reports what is unsupported.
        const inside = this.depth;
        this.next();
        while (!this.at('eof') && !(this.depth === inside + 1 && this.at('rbrace'))) this.nextQuietly();
        const close = this.at('rbrace') ? this.next() : this.peek();
        if (close.kind === 'eof') this.fail('unclosed-brace', 'unclosed `{`', t.span, 'add the closing `}`');
        return { kind: 'subquery', span: spanOf(t.span, close.span) };
      }
    }
    this.fail('expected-value', `expected ${expected}, found ${this.describe(t)}`, t.kind === 'eof' ? { start: this.prevEnd(), end: this.prevEnd() } : t.span);
  }

  // ── eval expressions ──────────────────────────────────────────────────────────────────────────────────

  /** The right-hand side of `:=`: an expression up to `|`, `;`, a closer or EOF. Leaves the mode at query. */
  private parseEvalTop(expected: string): EvalExpr {
    this.setMode('expr');
    try {
      const t = this.peek();
      if (t.kind === 'lbracket') this.fail('expected-value', 'cannot assign a list', t.span);
      if (t.kind === 'pipe' || t.kind === 'semi' || t.kind === 'eof' || CLOSERS[t.kind]) {
        this.fail('expected-value', `expected ${expected}, found ${this.describe(t)}`, t.kind === 'eof' ? { start: this.prevEnd(), end: this.prevEnd() } : t.span);
      }
      return this.parseEval();
    } finally {
      this.setMode('query');
    }
  }

  /** An expression that must end at `closer` (not consumed); on an error, skips to it and returns `einvalid`. */
  private parseEvalUntil(closer: TokenKind): EvalExpr {
    const start = this.peek().span.start;
    try {
      const e = this.parseEval();
      if (!this.at(closer)) {
        const t = this.peek();
        if (t.kind === 'eof' || t.kind === 'pipe' || t.kind === 'semi' || t.kind === 'rbrace') throw new SyntaxAbort();
        this.unexpected(`an operator or \`${CLOSERS[closer]}\``);
      }
      return e;
    } catch (err) {
      if (!(err instanceof SyntaxAbort)) throw err;
      let depth = 0;
      for (;;) {
        const t = this.peek();
        if (t.kind === 'eof' || (depth === 0 && (CLOSERS[t.kind] || t.kind === 'pipe' || t.kind === 'semi'))) break;
        if (t.kind === 'lparen' || t.kind === 'lbracket' || t.kind === 'lbrace') depth++;
        else if (CLOSERS[t.kind]) depth--;
        this.next();
      }
      if (!this.at(closer)) throw err;
      return { kind: 'einvalid', span: { start, end: this.peek().span.start } };
    }
  }

  private parseEval(): EvalExpr {
    let left = this.parseEvalAnd();
    for (;;) {
      const t = this.peek();
      if (isKeyword(t, 'or') || t.kind === 'oror') {
        if (t.kind === 'oror') this.diags.error('unsupported-operator', '`||` is not a LogScale operator', t.span, 'use `or`');
        this.next();
        const right = this.parseEvalAnd();
        left = { kind: 'ebin', span: spanOf(left.span, right.span), op: 'or', left, right, opSpan: t.span };
      } else return left;
    }
  }

  private parseEvalAnd(): EvalExpr {
    let left = this.parseEvalNot();
    for (;;) {
      const t = this.peek();
      if (isKeyword(t, 'and') || t.kind === 'andand') {
        if (t.kind === 'andand') this.diags.error('unsupported-operator', '`&&` is not a LogScale operator', t.span, 'use `and`');
        this.next();
        const right = this.parseEvalNot();
        left = { kind: 'ebin', span: spanOf(left.span, right.span), op: 'and', left, right, opSpan: t.span };
      } else return left;
    }
  }

  private parseEvalNot(): EvalExpr {
    const t = this.peek();
    // `not` is the operator unless it is a field called `not` (`not == 1`, `not + 1`).
    if (t.kind === 'bang' || (isKeyword(t, 'not') && STARTS_EVAL_OPERAND.has(this.peek(1).kind))) {
      this.next();
      const operand = this.parseEvalNot();
      return { kind: 'enot', span: spanOf(t.span, operand.span), operand };
    }
    return this.parseEvalCompare();
  }

  private parseEvalCompare(): EvalExpr {
    const left = this.parseEvalSum();
    const t = this.peek();
    let op = EVAL_COMPARE[t.kind];
    if (t.kind === 'eq') {
      this.diags.error('single-equals-in-expression', '`=` is not a comparison in an expression', t.span, 'compare with `==`');
      op = '==';
    }
    if (!op) return left;
    this.next();
    const right = this.parseEvalSum();
    return { kind: 'ebin', span: spanOf(left.span, right.span), op, left, right, opSpan: t.span };
  }

  private parseEvalSum(): EvalExpr {
    let left = this.parseEvalProduct();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'plus' && t.kind !== 'minus') return left;
      this.next();
      const right = this.parseEvalProduct();
      left = { kind: 'ebin', span: spanOf(left.span, right.span), op: t.kind === 'plus' ? '+' : '-', left, right, opSpan: t.span };
    }
  }

  private parseEvalProduct(): EvalExpr {
    let left = this.parseEvalNeg();
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'star' ? '*' : t.kind === 'slash' ? '/' : t.kind === 'percent' ? '%' : undefined;
      if (op === undefined) return left;
      this.next();
      const right = this.parseEvalNeg();
      left = { kind: 'ebin', span: spanOf(left.span, right.span), op, left, right, opSpan: t.span };
    }
  }

  private parseEvalNeg(): EvalExpr {
    const t = this.peek();
    if (t.kind === 'minus') {
      this.next();
      const operand = this.parseEvalNeg();
      return { kind: 'eneg', span: spanOf(t.span, operand.span), operand };
    }
    return this.parseEvalAtom();
  }

  private parseEvalAtom(): EvalExpr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'elit', span: t.span, value: t.value, number: true };
      case 'string':
        this.next();
        return { kind: 'elit', span: t.span, value: t.value, number: false };
      case 'lparen': {
        this.next();
        if (this.at('rparen')) this.fail('expected-expression', 'empty parentheses', spanOf(t.span, this.peek().span));
        const inner = this.parseEval();
        if (!this.at('rparen')) {
          if (this.at('eof') || this.at('pipe') || this.at('semi') || this.at('rbrace')) this.fail('unclosed-paren', 'unclosed `(`', t.span, 'add the closing `)`');
          this.unexpected('an operator or `)`');
        }
        const close = this.next();
        return { ...inner, span: spanOf(t.span, close.span) } as EvalExpr;
      }
      case 'word': {
        if (this.peek(1).kind === 'lparen') {
          const call = this.parseCall();
          return { kind: 'ecall', span: call.span, call };
        }
        this.next();
        const low = t.value.toLowerCase();
        if (low === 'true' || low === 'false') return { kind: 'ebool', span: t.span, value: low === 'true' };
        return { kind: 'efield', span: t.span, name: t.value };
      }
      case 'regex':
      case 'slash':
        this.fail('expected-expression', 'regex literals are not supported in expressions', t.span, 'filter with `FIELD = /regex/` as a stage of its own');
      // eslint-disable-next-line no-fallthrough
      default:
        this.fail(
          'expected-expression',
          `expected an expression, found ${this.describe(t)}`,
          t.kind === 'eof' ? { start: this.prevEnd(), end: this.prevEnd() } : t.span,
        );
    }
  }
}
