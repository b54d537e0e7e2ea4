/**
 * String matchers for CQL values, compiled once: exact (case-sensitive) comparison, or a `*` glob
 * (anchored; `*` matches any run of characters, including none and newlines). `parts` is the value split at
 * wildcard stars (one part = no wildcard).
 */

export type StringMatcher = (s: string) => boolean;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function compileGlob(parts: readonly string[], ignoreCase = false): StringMatcher {
  if (parts.length === 1) {
    const lit = parts[0];
    if (!ignoreCase) return (s) => s === lit;
    const low = lit.toLowerCase();
    return (s) => s.length === lit.length && s.toLowerCase() === low;
  }
  if (parts.every((p) => p === '')) return () => true;
  if (!ignoreCase) {
    const first = parts[0];
    const last = parts[parts.length - 1];
    if (parts.length === 2) {
      if (last === '') return (s) => s.startsWith(first);
      if (first === '') return (s) => s.endsWith(last);
      const min = first.length + last.length;
      return (s) => s.length >= min && s.startsWith(first) && s.endsWith(last);
    }
    if (parts.length === 3 && first === '' && last === '') {
      const mid = parts[1];
      return (s) => s.includes(mid);
    }
  }
  const re = new RegExp('^' + parts.map(escapeRegex).join('.*') + '$', ignoreCase ? 'is' : 's');
  return (s) => re.test(s);
}
