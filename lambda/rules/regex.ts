/**
 * LogScale regex literals → JavaScript RegExp, compiled once.
 *
 * - Search (unanchored) semantics: the caller uses `test`/`exec`, never a full match.
 * - Flags: `i` ignore case, `m` multiline, `d` dotall (JS `s`), `g` accepted and ignored (a global JS regex
 *   would carry `lastIndex` state between events).
 * - Inline flag groups at the very start — `(?i)`, `(?s)`, `(?m)`, `(?is)`, `(?i)(?s)` — become JS flags.
 *   Node 20's RegExp has no inline modifiers, so any other `(?flags)` / `(?flags:…)` is an error.
 * - Java-only escapes that JavaScript silently reads as a plain letter (`\A`, `\z`, `\Q`, …) are errors.
 */
import type { RegexValue } from './ast';
import type { Diagnostics } from './diagnostics';

export interface CompiledRegex {
  re: RegExp;
  /** Named capture groups: on a match in a field filter these become fields. */
  groupNames: string[];
}

const JAVA_ONLY_ESCAPES: Record<string, string | undefined> = {
  A: 'use `^` (start of input)',
  z: 'use `$` (end of input)',
  Z: 'use `$` (end of input)',
  G: undefined,
  Q: 'escape each special character with `\\` instead of `\\Q…\\E`',
  E: 'escape each special character with `\\` instead of `\\Q…\\E`',
  h: 'use `[ \\t]`',
  H: 'use `[^ \\t]`',
  R: 'use `(\\r\\n|\\n|\\r)`',
  p: undefined,
  P: undefined,
  X: undefined,
  K: undefined,
  a: 'use `\\x07`',
  e: 'use `\\x1b`',
};

const INLINE_FLAG = /^\(\?([A-Za-z-]+)\)/;

export function compileRegex(node: RegexValue, diags: Diagnostics): CompiledRegex | undefined {
  let ok = true;
  const jsFlags = new Set<string>();
  for (let i = 0; i < node.flags.length; i++) {
    const f = node.flags[i];
    if (f === 'i' || f === 'm') jsFlags.add(f);
    else if (f === 'd') jsFlags.add('s');
    else if (f === 'g') continue;
    else {
      const at = node.flagsStart + i;
      diags.error('invalid-regex-flag', `unknown regex flag \`${f}\``, { start: at, end: at + 1 }, 'LogScale regex flags are i (ignore case), m (multiline), d (dotall) and g');
      ok = false;
    }
  }

  // Leading inline flag groups.
  const src = node.pattern;
  let pos = 0;
  for (let m = INLINE_FLAG.exec(src); m; m = INLINE_FLAG.exec(src.slice(pos))) {
    const at = node.patternStart + pos;
    const letters = m[1];
    const bad = [...letters].filter((c) => c !== 'i' && c !== 'm' && c !== 's');
    if (bad.length > 0) {
      diags.error(
        'unsupported-inline-flags',
        `unsupported inline flag${bad.length > 1 ? 's' : ''} \`${bad.join('')}\` in \`${m[0]}\``,
        { start: at, end: at + m[0].length },
        'only (?i), (?m) and (?s) are supported, at the start of the regex (or use the /…/i, /…/m, /…/d flags)',
      );
      ok = false;
    } else {
      for (const c of letters) jsFlags.add(c);
    }
    pos += m[0].length;
  }
  const body = src.slice(pos);
  const bodyStart = node.patternStart + pos;

  // Scan the rest: inline flag groups, Java-only escapes, named groups.
  const groupNames: string[] = [];
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const e = body[i + 1];
      if (e !== undefined && e in JAVA_ONLY_ESCAPES) {
        const at = bodyStart + i;
        diags.error(
          'unsupported-regex-escape',
          `\`\\${e}\` is not supported (JavaScript regexes read it as a plain \`${e}\`)`,
          { start: at, end: at + 2 },
          JAVA_ONLY_ESCAPES[e],
        );
        ok = false;
      }
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal in Java; JavaScript reads `[]` as the empty class. Rare: skip.
      continue;
    }
    if (c === '(' && body[i + 1] === '?') {
      const rest = body.slice(i);
      const flagGroup = /^\(\?[A-Za-z-]+(\)|:)/.exec(rest);
      if (flagGroup) {
        const at = bodyStart + i;
        const scoped = flagGroup[1] === ':';
        diags.error(
          'unsupported-inline-flags',
          `inline flags \`${flagGroup[0]}${scoped ? '…)' : ''}\` are only supported at the start of the regex`,
          { start: at, end: at + flagGroup[0].length },
          scoped
            ? 'JavaScript has no scoped modifiers: apply the flag to the whole regex (/…/i) or spell both cases ([Aa])'
            : 'move the inline flags to the start of the regex, or use the /…/i, /…/m, /…/d flags',
        );
        ok = false;
        continue;
      }
      const named = /^\(\?<([A-Za-z_$][\w$]*)>/.exec(rest);
      if (named) groupNames.push(named[1]);
    }
  }
  if (!ok) return undefined;

  const flags = [...jsFlags].sort().join('');
  try {
    return { re: new RegExp(body, flags), groupNames };
  } catch (e) {
    const reason = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    diags.error('invalid-regex', `invalid regex: ${reason}`, node.span);
    return undefined;
  }
}
