/**
 * Reading top-level fields from a raw NDJSON line's text without JSON.parse: a process start or identity event no rule
 * can match only feeds the join or the user and host names, and a handful of its fields are enough.
 *
 * It works on the line's decoded text (what JSON.parse would read). A key is recognised as `"Name"` followed by
 * optional whitespace and `:`, where the opening quote is not escaped: inside a JSON string every quote is
 * escaped (`\"`), so such bytes cannot come from a string value. Keys are searched without their leading quote
 * (`Name":`), which V8's string search skips through far faster than text starting with the ubiquitous `"`.
 *
 * The text must be one flat JSON object (`mayNest` false: no nested object whose keys could be taken for the
 * line's own). A key that occurs twice resolves as JSON.parse resolves it: the last occurrence wins.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

/** True when the character at `i` is preceded by an odd number of backslashes (it is escaped). */
function escaped(s: string, i: number): boolean {
  let n = 0;
  for (let k = i - 1; k >= 0 && s.charCodeAt(k) === BACKSLASH; k--) n++;
  return (n & 1) === 1;
}

/** Index of the closing quote of a JSON string whose content starts at `from`, or -1. */
export function stringEnd(s: string, from: number): number {
  let q = s.indexOf('"', from);
  while (q !== -1 && escaped(s, q)) q = s.indexOf('"', q + 1);
  return q;
}

/** A key's search needle (`Name"`: the leading quote is checked separately). */
const needles = new Map<string, string>();
function needleOf(name: string): string {
  let n = needles.get(name);
  if (n === undefined) needles.set(name, (n = `${name}"`));
  return n;
}

/**
 * Where the value of the key whose needle was found at `i` starts (its first non-blank character), or -1 when the
 * occurrence is not a key: no unescaped quote before it, or no `:` after it.
 */
function valueStart(s: string, i: number, needleLen: number): number {
  if (i < 1 || s.charCodeAt(i - 1) !== QUOTE || (s.charCodeAt(i - 2) === BACKSLASH && escaped(s, i - 1))) return -1;
  let j = i + needleLen;
  if (s.charCodeAt(j) !== 0x3a) {
    while (j < s.length && isSpace(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) !== 0x3a) return -1;
  }
  j++;
  while (j < s.length && isSpace(s.charCodeAt(j))) j++;
  return j;
}

/** Where the value of top-level key `name` starts in a flat object's text (the last occurrence wins), or -1. */
export function valueAt(text: string, name: string): number {
  const needle = needleOf(name);
  let at = -1;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) {
    const v = valueStart(text, i, needle.length);
    if (v !== -1) at = v;
  }
  return at;
}

/** A JSON number's text (RFC 8259 grammar). */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * The value at `i` (from `valueAt`) as the field view reads it from a parsed line: a JSON string unescaped into a
 * fresh string, cut to at most `maxChars` characters (a cut never splits an escape); a number as `String` gives the
 * number JSON.parse reads (`1e3` → `1000`); `true`/`false` as such; `null`, a malformed value or `i` = -1 →
 * undefined. Fresh copies, never slices that would keep the line alive in a join index.
 */
export function readValue(text: string, i: number, maxChars = Infinity): string | undefined {
  if (i < 0 || i >= text.length) return undefined;
  if (text.charCodeAt(i) === QUOTE) {
    const end = stringEnd(text, i + 1);
    return end === -1 ? undefined : jsonString(text, i + 1, end, maxChars);
  }
  let j = i;
  while (j < text.length && !',}] \t\r'.includes(text[j])) j++;
  if (j === i) return undefined;
  const t = text.slice(i, j);
  if (t === 'true' || t === 'false') return t;
  return JSON_NUMBER.test(t) ? String(Number(t)) : undefined;
}

/** The raw (still escaped) content of the JSON string value at `i`, as a slice of `text`; undefined if not a string. */
export function rawString(text: string, i: number): string | undefined {
  if (i < 0 || text.charCodeAt(i) !== QUOTE) return undefined;
  const end = stringEnd(text, i + 1);
  return end === -1 ? undefined : text.slice(i + 1, end);
}

/** The JSON string content `s[from, to)` unescaped into a fresh string, at most `maxChars` long; undefined if invalid. */
function jsonString(s: string, from: number, to: number, maxChars: number): string | undefined {
  try {
    if (to - from <= maxChars) return JSON.parse(s.slice(from - 1, to + 1)) as string;
    // An escape is at most 6 characters per character it stands for: this prefix decodes to at least maxChars.
    let end = from + Math.min(to - from, maxChars * 6);
    if (end < to) {
      // Do not cut an escape sequence in half.
      if (escaped(s, end)) end--;
      const u = s.lastIndexOf('\\u', end);
      if (u >= from && end - u < 6 && !escaped(s, u)) end = u;
    }
    const v = JSON.parse(`"${s.slice(from, end)}"`) as string;
    // A fresh copy of the cut (a slice would keep the longer decoded string alive).
    return v.length <= maxChars ? v : Buffer.from(v.slice(0, maxChars)).toString();
  } catch {
    return undefined;
  }
}

/**
 * True when the line may hold a nested object: a `{` after the first whose previous non-blank character is `:`,
 * `,` or `[`. Outside strings a `{` can only follow those, so any other `{` sits inside a string value (a GUID
 * in a command line) and is harmless.
 */
export function mayNest(s: string): boolean {
  for (let b = s.indexOf('{', 1); b !== -1; b = s.indexOf('{', b + 1)) {
    let k = b - 1;
    while (k > 0 && isSpace(s.charCodeAt(k))) k--;
    const c = s.charCodeAt(k);
    if (c === 0x3a || c === 0x2c || c === 0x5b) return true;
  }
  return false;
}
