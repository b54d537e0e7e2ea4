/**
 * LogScale regex literals → JavaScript RegExp, compiled once.
 *
 * - Search (unanchored) semantics: the caller uses `test`/`exec`, never a full match.
 * - Flags: `i` ignore case, `m` multiline, `d` dotall (JS `s`), `g` accepted and ignored (a global JS regex
 *   would carry `lastIndex` state between events), `F` (LogScale's second regex engine) accepted and ignored.
 * - Inline flag groups at the very start — `(?i)`, `(?s)`, `(?m)`, `(?is)`, `(?i)(?s)` — become JS flags.
 *   Node 20's RegExp has no inline modifiers, so any other `(?flags)` / `(?flags:…)` is an error.
 * - Java-only escapes that JavaScript silently reads as a plain letter (`\A`, `\z`, `\Q`, …) are errors.
 */
import type { RegexValue, Span } from './ast';
import type { Diagnostics } from './diagnostics';

export interface CompiledRegex {
  re: RegExp;
  /** Named capture groups: on a match in a field filter these become fields. */
  groupNames: string[];
  /** The key of each named group in `match.groups` (a group named like a field, `user.name`, is renamed for JavaScript). */
  groupKeys: string[];
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
  return compileRegexCore(node.pattern, node.flags, diags, {
    at: (i, len) => ({ start: node.patternStart + i, end: node.patternStart + i + len }),
    flagAt: (i) => ({ start: node.flagsStart + i, end: node.flagsStart + i + 1 }),
    whole: node.span,
  });
}

/**
 * A regex given as a string argument (`regex("…")`, `replace("…")`, `splitString(by="…")`): the string's escapes
 * are already resolved, so problems are reported on the whole string. `flags` as the function's `flags=`
 * argument.
 */
export function compileRegexString(pattern: string, flags: string, span: Span, diags: Diagnostics, flagsSpan?: Span): CompiledRegex | undefined {
  return compileRegexCore(pattern, flags, diags, {
    at: () => span,
    flagAt: () => flagsSpan ?? span,
    whole: span,
  });
}

interface Locator {
  /** The span of `len` pattern characters from index `i`. */
  at(i: number, len: number): Span;
  flagAt(i: number): Span;
  whole: Span;
}

function compileRegexCore(src: string, flags: string, diags: Diagnostics, loc: Locator): CompiledRegex | undefined {
  let ok = true;
  const jsFlags = new Set<string>();
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    if (f === 'i' || f === 'm') jsFlags.add(f);
    else if (f === 'd') jsFlags.add('s');
    else if (f === 'g' || f === 'F') continue;
    else {
      diags.error('invalid-regex-flag', `unknown regex flag \`${f}\``, loc.flagAt(i), 'LogScale regex flags are i (ignore case), m (multiline), d (dotall), g and F');
      ok = false;
    }
  }

  // Leading inline flag groups.
  let pos = 0;
  for (let m = INLINE_FLAG.exec(src); m; m = INLINE_FLAG.exec(src.slice(pos))) {
    const letters = m[1];
    const bad = [...letters].filter((c) => c !== 'i' && c !== 'm' && c !== 's');
    if (bad.length > 0) {
      diags.error(
        'unsupported-inline-flags',
        `unsupported inline flag${bad.length > 1 ? 's' : ''} \`${bad.join('')}\` in \`${m[0]}\``,
        loc.at(pos, m[0].length),
        'only (?i), (?m) and (?s) are supported, at the start of the regex (or use the /…/i, /…/m, /…/d flags)',
      );
      ok = false;
    } else {
      for (const c of letters) jsFlags.add(c);
    }
    pos += m[0].length;
  }
  const body = src.slice(pos);
  const bodyStart = pos;

  // Scan the rest: inline flag groups, Java-only escapes, named groups.
  const groupNames: string[] = [];
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const e = body[i + 1];
      if (e !== undefined && e in JAVA_ONLY_ESCAPES) {
        diags.error(
          'unsupported-regex-escape',
          `\`\\${e}\` is not supported (JavaScript regexes read it as a plain \`${e}\`)`,
          loc.at(bodyStart + i, 2),
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
        const scoped = flagGroup[1] === ':';
        diags.error(
          'unsupported-inline-flags',
          `inline flags \`${flagGroup[0]}${scoped ? '…)' : ''}\` are only supported at the start of the regex`,
          loc.at(bodyStart + i, flagGroup[0].length),
          scoped
            ? 'JavaScript has no scoped modifiers: apply the flag to the whole regex (/…/i) or spell both cases ([Aa])'
            : 'move the inline flags to the start of the regex, or use the /…/i, /…/m, /…/d flags',
        );
        ok = false;
        continue;
      }
      const named = /^\(\?<([A-Za-z_$][\w$.@#-]*)>/.exec(rest);
      if (named) groupNames.push(named[1]);
    }
  }
  if (!ok) return undefined;

  // JavaScript group names are identifiers; LogScale's are field names (`(?<user.name>…)`): rename those.
  const groupKeys = groupNames.map((g, i) => (/^[A-Za-z_$][\w$]*$/.test(g) ? g : `_g${i}_`));
  let jsBody = body;
  groupNames.forEach((g, i) => {
    if (groupKeys[i] === g) return;
    jsBody = jsBody.split(`(?<${g}>`).join(`(?<${groupKeys[i]}>`).split(`\\k<${g}>`).join(`\\k<${groupKeys[i]}>`);
  });

  const jsFlagString = [...jsFlags].sort().join('');
  try {
    return { re: new RegExp(jsBody, jsFlagString), groupNames, groupKeys };
  } catch (e) {
    const reason = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    diags.error('invalid-regex', `invalid regex: ${reason}`, loc.whole);
    return undefined;
  }
}
