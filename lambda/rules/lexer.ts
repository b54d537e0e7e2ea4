/**
 * CQL lexer: source → tokens with exact offsets. Comments (`//…`, `/* … *\/`) and whitespace are skipped.
 *
 * Lexing is on demand (`lexToken`) because CQL has two lexical modes: in `query` mode `a-b` and `*.exe` are words
 * and `/…/` is a regex literal; in `expr` mode (the argument of `test()`, the right-hand side of `:=`) `-`, `*`,
 * `/` and `%` are arithmetic and numbers are their own tokens. The parser switches modes and re-lexes from the
 * right offset. Lexical errors travel with the token they precede (`Token.diags`), so a token that is lexed again
 * in the other mode does not leave a stale error behind; the parser reports them when it consumes the token.
 */
import type { Span } from './ast';
import type { Diagnostics } from './diagnostics';

export type LexMode = 'query' | 'expr';

export type TokenKind =
  | 'word'
  | 'string'
  | 'regex'
  | 'number'
  | 'pipe'
  | 'semi'
  | 'comma'
  | 'lparen'
  | 'rparen'
  | 'lbrace'
  | 'rbrace'
  | 'lbracket'
  | 'rbracket'
  | 'eq'
  | 'eqeq'
  | 'neq'
  | 'match'
  | 'assign'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'bang'
  | 'plus'
  | 'minus'
  | 'star'
  | 'slash'
  | 'percent'
  | 'andand'
  | 'oror'
  | 'arrow'
  | 'eof';

/** A lexical error found while lexing a token (or the gap before it). */
export interface LexDiagnostic {
  code: string;
  message: string;
  span: Span;
  hint?: string;
}

export interface Token {
  kind: TokenKind;
  span: Span;
  /** The source text of the token. */
  text: string;
  /** word: the word; string: the unescaped contents; regex: the raw pattern; number: the digits. */
  value: string;
  /** word/string: `value` split at wildcard `*` (one part = no wildcard). */
  parts?: string[];
  /** regex: flags after the closing slash. */
  flags?: string;
  /** regex: offset of the pattern's first character and of the flags. */
  patternStart?: number;
  flagsStart?: number;
  /** Lexical errors found while lexing this token and the gap before it. */
  diags?: LexDiagnostic[];
}

const PUNCT: Record<string, TokenKind> = {
  '|': 'pipe',
  ';': 'semi',
  ',': 'comma',
  '(': 'lparen',
  ')': 'rparen',
  '{': 'lbrace',
  '}': 'rbrace',
  '[': 'lbracket',
  ']': 'rbracket',
};

const EXPR_OPS: Record<string, TokenKind> = { '+': 'plus', '-': 'minus', '*': 'star', '/': 'slash', '%': 'percent' };

function isAlnum(n: number): boolean {
  return (n >= 48 && n <= 57) || (n >= 65 && n <= 90) || (n >= 97 && n <= 122);
}

/** Characters of an unquoted word: field names (`#event_simpleName`, `@timestamp`, `a.b`) and bare values. */
export function isWordChar(c: string): boolean {
  const n = c.charCodeAt(0);
  return isAlnum(n) || c === '_' || c === '#' || c === '@' || c === '.' || c === '*' || c === '$' || c === '-' || n > 127;
}

/** Word characters in `expr` mode: `-` and `*` are operators there. */
function isExprWordChar(c: string): boolean {
  return c !== '-' && c !== '*' && isWordChar(c);
}

const STRING_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

const SAVED_SEARCH = /^\$(?:"[^"\n]*"|[\w-]+\/[\w:/-]+|[\w-]+)(?=\s*\()/;

const NUMBER_AT = /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?/y;

/** Lexes the token starting at or after `offset`. `end`: where lexing of the next token starts. */
export function lexToken(source: string, offset: number, mode: LexMode): { token: Token; end: number } {
  const n = source.length;
  const diags: LexDiagnostic[] = [];
  const wordChar = mode === 'query' ? isWordChar : isExprWordChar;
  let i = offset;
  const make = (kind: TokenKind, start: number, end: number, value = source.slice(start, end)): Token => {
    const t: Token = { kind, span: { start, end }, text: source.slice(start, end), value };
    if (diags.length > 0) t.diags = diags;
    return t;
  };

  for (;;) {
    if (i >= n) return { token: make('eof', n, n, ''), end: n };
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0') {
      i++;
      continue;
    }
    const start = i;
    if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      if (close < 0) {
        diags.push({ code: 'unterminated-comment', message: 'unterminated block comment', span: { start, end: start + 2 }, hint: 'close it with `*/`' });
        i = n;
      } else {
        i = close + 2;
      }
      continue;
    }
    if (c === '"') {
      i++;
      let value = '';
      const parts: string[] = [];
      let closed = false;
      while (i < n) {
        const ch = source[i];
        if (ch === '"') {
          closed = true;
          i++;
          break;
        }
        if (ch === '\n') break;
        if (ch === '\\' && i + 1 < n && source[i + 1] !== '\n') {
          const e = source[i + 1];
          if (e === '*') value += '*';
          else value += STRING_ESCAPES[e] ?? '\\' + e;
          i += 2;
          continue;
        }
        if (ch === '*') {
          parts.push(value);
          value = '';
        } else {
          value += ch;
        }
        i++;
      }
      parts.push(value);
      if (!closed) diags.push({ code: 'unterminated-string', message: 'unterminated string', span: { start, end: i }, hint: 'close the string with `"`' });
      const t = make('string', start, i, parts.join('*'));
      t.parts = parts;
      return { token: t, end: i };
    }
    if (c === '/' && mode === 'query') {
      i++;
      let closed = false;
      while (i < n) {
        const ch = source[i];
        if (ch === '\n') break;
        if (ch === '\\' && i + 1 < n && source[i + 1] !== '\n') {
          i += 2;
          continue;
        }
        if (ch === '/') {
          closed = true;
          break;
        }
        i++;
      }
      const patternEnd = i;
      if (!closed) {
        diags.push({
          code: 'unterminated-regex',
          message: 'unterminated regular expression',
          span: { start, end: i },
          hint: 'close the regex with `/` (write `\\/` for a literal slash)',
        });
      } else {
        i++;
      }
      const flagsStart = i;
      if (closed) while (i < n && /[A-Za-z]/.test(source[i])) i++;
      const t = make('regex', start, i, source.slice(start + 1, patternEnd));
      t.flags = source.slice(flagsStart, i);
      t.patternStart = start + 1;
      t.flagsStart = flagsStart;
      return { token: t, end: i };
    }
    if (PUNCT[c]) {
      if (c === '|' && source[i + 1] === '|' && mode === 'expr') return { token: make('oror', start, i + 2), end: i + 2 };
      return { token: make(PUNCT[c], start, i + 1), end: i + 1 };
    }
    const next = source[i + 1];
    if (c === '!') {
      if (next === '=') return { token: make('neq', start, i + 2), end: i + 2 };
      return { token: make('bang', start, i + 1), end: i + 1 };
    }
    if (c === '=') {
      if (next === '~') return { token: make('match', start, i + 2), end: i + 2 };
      if (next === '>') return { token: make('arrow', start, i + 2), end: i + 2 };
      if (next === '=' && mode === 'expr') return { token: make('eqeq', start, i + 2), end: i + 2 };
      return { token: make('eq', start, i + 1), end: i + 1 };
    }
    if (c === ':' && next === '=') return { token: make('assign', start, i + 2), end: i + 2 };
    if (c === '<' || c === '>') {
      if (next === '=') return { token: make(c === '<' ? 'le' : 'ge', start, i + 2), end: i + 2 };
      return { token: make(c === '<' ? 'lt' : 'gt', start, i + 1), end: i + 1 };
    }
    if (mode === 'expr') {
      if (c === '&' && next === '&') return { token: make('andand', start, i + 2), end: i + 2 };
      NUMBER_AT.lastIndex = i;
      const m = NUMBER_AT.exec(source);
      if (m && !(i + m[0].length < n && isExprWordChar(source[i + m[0].length]))) {
        i += m[0].length;
        return { token: make('number', start, i), end: i };
      }
      if (EXPR_OPS[c]) return { token: make(EXPR_OPS[c], start, i + 1), end: i + 1 };
    }
    if (c === '?' && i + 1 < n && (wordChar(source[i + 1]) || source[i + 1] === '{')) {
      // A dashboard parameter (`?UserName`, `?{UserName="*"}`): lexed as a word so parsing goes on.
      i++;
      if (source[i] === '{') {
        const close = source.indexOf('}', i);
        i = close < 0 ? n : close + 1;
      } else while (i < n && wordChar(source[i])) i++;
      diags.push({
        code: 'query-parameter-unsupported',
        message: `query parameters (\`${source.slice(start, i)}\`) are not supported: a rule has no dashboard to supply them`,
        span: { start, end: i },
        hint: 'write the value itself',
      });
      const t = make('word', start, i);
      t.parts = [t.value];
      return { token: t, end: i };
    }
    const saved = c === '$' && mode === 'query' ? SAVED_SEARCH.exec(source.slice(i, i + 300)) : null;
    if (saved) {
      // A saved search (`$falcon/investigate:cid_name()`, `$"crowdstrike/fltr-core:zComputerName"()`): one name.
      i += saved[0].length;
      const t = make('word', start, i);
      t.parts = [t.value];
      return { token: t, end: i };
    }
    if (wordChar(c)) {
      // A namespaced function name (`ioc:lookup`, `text:contains`) keeps its `:`; `a:=b` is an assignment.
      while (i < n && (wordChar(source[i]) || (source[i] === ':' && i + 1 < n && /[A-Za-z]/.test(source[i + 1]) && i > start))) i++;
      const t = make('word', start, i);
      t.parts = mode === 'query' ? t.value.split('*') : [t.value];
      return { token: t, end: i };
    }
    const cp = source.codePointAt(i) ?? 0;
    const len = cp > 0xffff ? 2 : 1;
    diags.push({ code: 'unexpected-character', message: `unexpected character \`${source.slice(i, i + len)}\``, span: { start, end: i + len } });
    i += len;
  }
}

/** Reports a token's lexical errors. */
export function reportLexical(t: Token, diags: Diagnostics): void {
  if (t.diags) for (const d of t.diags) diags.error(d.code, d.message, d.span, d.hint);
}

/** The whole source in one mode (tests and tools); lexical errors are reported to `diags`. */
export function tokenize(source: string, diags: Diagnostics, mode: LexMode = 'query'): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (;;) {
    const { token, end } = lexToken(source, at, mode);
    reportLexical(token, diags);
    tokens.push(token);
    if (token.kind === 'eof') return tokens;
    at = end;
  }
}
