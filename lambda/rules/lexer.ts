/**
 * CQL lexer: source → tokens with exact offsets. Comments (`//…`, `/* … *\/`) and whitespace are skipped.
 * Lexical errors (unterminated string/regex/comment, stray characters) are reported and lexing continues.
 */
import type { Span } from './ast';
import type { Diagnostics } from './diagnostics';

export type TokenKind =
  | 'word'
  | 'string'
  | 'regex'
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
  | 'neq'
  | 'assign'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'bang'
  | 'eof';

export interface Token {
  kind: TokenKind;
  span: Span;
  /** The source text of the token. */
  text: string;
  /** word: the word; string: the unescaped contents; regex: the raw pattern. */
  value: string;
  /** word/string: `value` split at wildcard `*` (one part = no wildcard). */
  parts?: string[];
  /** regex: flags after the closing slash. */
  flags?: string;
  /** regex: offset of the pattern's first character and of the flags. */
  patternStart?: number;
  flagsStart?: number;
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

/** Characters of an unquoted word: field names (`#event_simpleName`, `@timestamp`, `a.b`) and bare values. */
export function isWordChar(c: string): boolean {
  const n = c.charCodeAt(0);
  return (
    (n >= 48 && n <= 57) ||
    (n >= 65 && n <= 90) ||
    (n >= 97 && n <= 122) ||
    c === '_' ||
    c === '#' ||
    c === '@' ||
    c === '.' ||
    c === '*' ||
    c === '$' ||
    c === '-' ||
    n > 127
  );
}

const STRING_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

export function tokenize(source: string, diags: Diagnostics): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value = source.slice(start, end)): Token => {
    const t: Token = { kind, span: { start, end }, text: source.slice(start, end), value };
    tokens.push(t);
    return t;
  };

  while (i < n) {
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
        diags.error('unterminated-comment', 'unterminated block comment', { start, end: start + 2 }, 'close it with `*/`');
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
      if (!closed) {
        diags.error('unterminated-string', 'unterminated string', { start, end: i }, 'close the string with `"`');
      }
      const t = push('string', start, i, parts.join('*'));
      t.parts = parts;
      continue;
    }
    if (c === '/') {
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
        diags.error(
          'unterminated-regex',
          'unterminated regular expression',
          { start, end: i },
          'close the regex with `/` (write `\\/` for a literal slash)',
        );
      } else {
        i++;
      }
      const flagsStart = i;
      if (closed) while (i < n && /[A-Za-z]/.test(source[i])) i++;
      const t = push('regex', start, i, source.slice(start + 1, patternEnd));
      t.flags = source.slice(flagsStart, i);
      t.patternStart = start + 1;
      t.flagsStart = flagsStart;
      continue;
    }
    if (PUNCT[c]) {
      push(PUNCT[c], start, ++i);
      continue;
    }
    const next = source[i + 1];
    if (c === '!') {
      if (next === '=') push('neq', start, (i += 2));
      else push('bang', start, ++i);
      continue;
    }
    if (c === '=') {
      push('eq', start, ++i);
      continue;
    }
    if (c === ':' && next === '=') {
      push('assign', start, (i += 2));
      continue;
    }
    if (c === '<' || c === '>') {
      if (next === '=') push(c === '<' ? 'le' : 'ge', start, (i += 2));
      else push(c === '<' ? 'lt' : 'gt', start, ++i);
      continue;
    }
    if (isWordChar(c)) {
      while (i < n && isWordChar(source[i])) i++;
      const t = push('word', start, i);
      t.parts = t.value.split('*');
      continue;
    }
    const cp = source.codePointAt(i) ?? 0;
    const len = cp > 0xffff ? 2 : 1;
    diags.error('unexpected-character', `unexpected character \`${source.slice(i, i + len)}\``, { start, end: i + len });
    i += len;
  }
  push('eof', n, n, '');
  return tokens;
}
