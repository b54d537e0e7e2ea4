/**
 * CQL parser: tokens → AST. Recursive descent; on an error it reports, skips to the next `|`, `;` or closing
 * delimiter at the same nesting depth, and goes on, so one run reports several problems.
 *
 *   query    := pipeline EOF
 *   pipeline := stage ('|' stage)*
 *   stage    := FIELD ':=' value | 'case' '{' [pipeline] (';' [pipeline])* '}' | expr
 *   expr     := and ('OR' and)*
 *   and      := unary (['AND'] unary)*          (juxtaposition is AND)
 *   unary    := ('NOT' | '!') unary | primary
 *   primary  := '(' expr ')' | '*' | 'true' | 'false' | NAME '(' args ')' | FIELD op value
 *   op       := '=' | '!=' | '<' | '<=' | '>' | '>='
 *   value    := STRING | WORD | REGEX
 *   args     := [arg (',' arg)*]      arg := [NAME '='] (value | '[' [value (',' value)*] ']')
 */
import type { Arg, CompareOp, Expr, ListValue, Pipeline, Span, Stage, Value } from './ast';
import { Diagnostics, spanOf } from './diagnostics';
import { tokenize, type Token, type TokenKind } from './lexer';

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

const CLOSERS: Partial<Record<TokenKind, string>> = { rparen: ')', rbrace: '}', rbracket: ']' };

class SyntaxAbort extends Error {}

function isKeyword(t: Token, kw: string): boolean {
  return t.kind === 'word' && t.value.toLowerCase() === kw;
}

export function parse(source: string): ParseResult {
  const diags = new Diagnostics(source);
  const tokens = tokenize(source, diags);
  const p = new Parser(source, tokens, diags);
  return { ast: p.parseQuery(), diagnostics: diags };
}

class Parser {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly diags: Diagnostics,
  ) {}

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private at(kind: TokenKind): boolean {
    return this.peek().kind === kind;
  }

  private prevEnd(): number {
    return this.pos > 0 ? this.tokens[this.pos - 1].span.end : 0;
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
      this.sync();
      return undefined;
    }
  }

  private parseStage(): Stage {
    const t = this.peek();
    if (t.kind === 'word' && this.peek(1).kind === 'assign') {
      this.next();
      this.next();
      const value = this.parseValue('a value or field name after `:=`');
      if (value.kind === 'list') this.fail('expected-value', 'cannot assign a list', value.span);
      return { kind: 'assign', span: spanOf(t.span, value.span), target: t.value, targetSpan: t.span, value };
    }
    if (isKeyword(t, 'case') && this.peek(1).kind === 'lbrace') return this.parseCase();
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
    if (t.kind === 'bang' || (isKeyword(t, 'not') && !COMPARE_OPS[this.peek(1).kind])) {
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
    if (t.kind === 'string' || t.kind === 'regex') {
      this.fail(
        'free-text-unsupported',
        'free-text search is not supported (FDR events have no @rawstring)',
        t.span,
        `compare a field instead: \`FieldName = ${t.text}\``,
      );
    }
    if (t.kind !== 'word') this.unexpected('a filter (`field = value`, `in(…)`, `*`, `(`, `NOT`)');

    const nx = this.peek(1);
    if (nx.kind === 'lparen') return this.parseCall();
    const op = COMPARE_OPS[nx.kind];
    if (op) {
      this.next();
      this.next();
      if (op === '=' && this.at('eq')) {
        this.fail('unexpected-token', 'unexpected `=`', this.peek().span, 'CQL compares with a single `=`');
      }
      const value = this.parseValue(`a value after \`${op}\``);
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

  private parseCall(): Expr {
    const name = this.next();
    const open = this.next();
    const args: Arg[] = [];
    while (!this.at('rparen')) {
      const t = this.peek();
      if (t.kind === 'eof' || t.kind === 'pipe' || t.kind === 'semi' || t.kind === 'rbrace') {
        this.fail('unclosed-paren', `unclosed \`(\` of \`${name.text}(\``, open.span, 'add the closing `)`');
      }
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
    const close = this.next();
    return { kind: 'call', span: spanOf(name.span, close.span), name: name.value, nameSpan: name.span, args };
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
      if (v.kind === 'list') this.fail('expected-value', 'nested lists are not supported', v.span);
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

  private parseValue(expected: string): Value {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
        this.next();
        return { kind: 'string', span: t.span, value: t.value, parts: t.parts ?? [t.value] };
      case 'word':
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
      default:
        this.fail('expected-value', `expected ${expected}, found ${this.describe(t)}`, t.kind === 'eof' ? { start: this.prevEnd(), end: this.prevEnd() } : t.span);
    }
  }
}
