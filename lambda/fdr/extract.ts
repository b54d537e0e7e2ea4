/**
 * Field extraction from a raw NDJSON line without JSON.parse: for lines that only feed a join (a process start
 * no rule can match), a handful of top-level string fields are enough, at a fraction of the cost of parsing.
 *
 * It works on the line's decoded text (what JSON.parse would read). A key is recognised as `"Name"` followed by
 * optional whitespace and `:`, where the opening quote is not escaped: inside a JSON string every quote is
 * escaped (`\"`), so such bytes cannot come from a string value. Keys are searched without their leading quote
 * (`Name":`), which V8's string search skips through far faster than text starting with the ubiquitous `"`.
 * Unquoted scalars (numbers, true/false) are taken as their text. Missing or malformed fields are absent.
 * Extracted strings are fresh copies, never slices that would keep the line alive in a join index.
 */
import type { RawEvent } from './types';

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
function stringEnd(s: string, from: number): number {
  let q = s.indexOf('"', from);
  while (q !== -1 && escaped(s, q)) q = s.indexOf('"', q + 1);
  return q;
}

/** Extracted values are for joins and display: longer ones are cut (an analyst needs the start of a command line). */
export const MAX_EXTRACTED_BYTES = 1024;
/** Fields cut to MAX_EXTRACTED_BYTES (display only); every other field is taken whole (a basename needs the end). */
const CUT_FIELDS: ReadonlySet<string> = new Set(['CommandLine']);

/** A key's search needle (`Name"`: the leading quote is checked separately). */
const needles = new Map<string, string>();
function needleOf(name: string): string {
  let n = needles.get(name);
  if (n === undefined) needles.set(name, (n = `${name}"`));
  return n;
}

/**
 * Where the value of the key found at `i` (the needle's position) starts, or -1 when the occurrence is not a
 * key: no unescaped quote before it, or no `:` after it.
 */
function valueStart(s: string, i: number, needleLen: number): number {
  if (i < 1 || s.charCodeAt(i - 1) !== QUOTE || (s.charCodeAt(i - 2) === BACKSLASH && escaped(s, i - 1))) return -1;
  let j = i + needleLen;
  if (s.charCodeAt(j) === 0x3a) return j + 1; // the compact form FDR writes
  while (j < s.length && isSpace(s.charCodeAt(j))) j++;
  if (s.charCodeAt(j) !== 0x3a) return -1;
  return j + 1;
}

/** The next occurrence of the key at or after `from`: [needle position, value start], or null. */
function findKey(s: string, needle: string, from: number): [number, number] | null {
  for (let i = s.indexOf(needle, from); i !== -1; i = s.indexOf(needle, i + 1)) {
    const v = valueStart(s, i, needle.length);
    if (v !== -1) return [i, v];
  }
  return null;
}

/** A JSON string `s[from - 1, to]` (its quotes included), unescaped into a fresh string; undefined if invalid. */
function jsonString(s: string, from: number, to: number, cut: boolean): string | undefined {
  try {
    if (!cut || to - from <= MAX_EXTRACTED_BYTES) return JSON.parse(s.slice(from - 1, to + 1)) as string;
    let end = from + MAX_EXTRACTED_BYTES;
    // Do not cut an escape sequence in half.
    if (escaped(s, end)) end--;
    const u = s.lastIndexOf('\\u', end);
    if (u >= from && end - u < 6 && !escaped(s, u)) end = u;
    return JSON.parse(`"${s.slice(from, end)}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * True when the line may hold a nested object: a `{` after the first whose previous non-blank character is `:`,
 * `,` or `[`. Outside strings a `{` can only follow those, so any other `{` sits inside a string value (a GUID
 * in a command line) and is harmless.
 */
function mayNest(s: string): boolean {
  for (let b = s.indexOf('{', 1); b !== -1; b = s.indexOf('{', b + 1)) {
    let k = b - 1;
    while (k > 0 && isSpace(s.charCodeAt(k))) k--;
    const c = s.charCodeAt(k);
    if (c === 0x3a || c === 0x2c || c === 0x5b) return true;
  }
  return false;
}

/**
 * The named top-level string/scalar fields of a line's text, or null when the text is ambiguous — a requested
 * key appears twice (a duplicate key, or the same name inside a nested object), or the line may nest objects —
 * and the caller should parse the line.
 */
export function extractFields(text: string, names: readonly string[]): RawEvent | null {
  if (mayNest(text)) return null;
  const out: RawEvent = {};
  for (const name of names) {
    const needle = needleOf(name);
    const key = findKey(text, needle, 0);
    if (key === null) continue;
    if (findKey(text, needle, key[0] + needle.length) !== null) return null;
    let i = key[1];
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === QUOTE) {
      const end = stringEnd(text, i + 1);
      if (end === -1) continue;
      const v = jsonString(text, i + 1, end, CUT_FIELDS.has(name));
      if (v !== undefined) out[name] = v;
    } else {
      let j = i;
      while (j < text.length && !',}] \t\r'.includes(text[j])) j++;
      // A number's text, copied (a slice would keep the whole line alive).
      if (j > i) out[name] = j - i < 13 ? text.slice(i, j) : Buffer.from(text.slice(i, j), 'latin1').toString('latin1');
    }
  }
  return out;
}
