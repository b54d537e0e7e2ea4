/**
 * Field extraction from a raw NDJSON line without JSON.parse: for lines that only feed a join (a process start
 * no rule can match), a handful of top-level string fields are enough, at a fraction of the cost of parsing.
 *
 * `latin1` is the line decoded one char per byte, so string offsets are byte offsets into `buf` (from `start`);
 * values are decoded from the bytes as UTF-8. A key is recognised as `"Name"` followed by optional whitespace and
 * `:`; inside a JSON string a quote is always escaped (`\"`), so a bare `"Name"` cannot come from a string value.
 * Unquoted scalars (numbers, true/false) are taken as their text. Missing or malformed fields are absent.
 */
import type { RawEvent } from './types';

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

/** Index of the closing quote of a JSON string whose content starts at `from`, or -1. */
function stringEnd(s: string, from: number): number {
  let q = s.indexOf('"', from);
  while (q !== -1) {
    let backslashes = 0;
    for (let k = q - 1; k >= from && s.charCodeAt(k) === 0x5c; k--) backslashes++;
    if ((backslashes & 1) === 0) return q;
    q = s.indexOf('"', q + 1);
  }
  return -1;
}

/** Extracted values are for joins and display: longer ones are cut (an analyst needs the start of a command line). */
export const MAX_EXTRACTED_BYTES = 1024;
const SIMPLE_ESCAPES = /\\(["\\/])/g;
const OTHER_ESCAPE = /\\[^"\\/]/;

/** The content of a JSON string (bytes `from`..`to` of `buf`, quotes excluded), unescaped. */
function jsonString(buf: Buffer, from: number, to: number, latin1: string, lFrom: number, lTo: number, cut: boolean): string | undefined {
  let end = to;
  if (cut && end - from > MAX_EXTRACTED_BYTES) {
    end = from + MAX_EXTRACTED_BYTES;
    // Do not cut an escape sequence in half.
    let k = end - 1;
    let backslashes = 0;
    while (k >= from && buf[k] === 0x5c) {
      backslashes++;
      k--;
    }
    if (backslashes & 1) end--;
    const u = latin1.lastIndexOf('\\u', lFrom + (end - from));
    if (u >= lFrom && lFrom + (end - from) - u < 6) end = from + (u - lFrom);
  }
  const raw = buf.toString('utf8', from, end);
  if (latin1.indexOf('\\', lFrom) === -1 || latin1.indexOf('\\', lFrom) >= lTo) return raw;
  if (!OTHER_ESCAPE.test(raw)) return raw.replace(SIMPLE_ESCAPES, '$1');
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}

/** Fields cut to MAX_EXTRACTED_BYTES (display only); every other field is taken whole (a basename needs the end). */
const CUT_FIELDS: ReadonlySet<string> = new Set(['CommandLine']);

/**
 * The named top-level string/scalar fields of a line, or null when the bytes are ambiguous — a requested key
 * appears twice (a duplicate key, or the same name inside a nested object) — and the caller should parse the line.
 */
export function extractFields(buf: Buffer, start: number, latin1: string, names: readonly string[]): RawEvent | null {
  if (latin1.indexOf('{', 1) !== -1 && hasNestedObject(latin1)) return null;
  const out: RawEvent = {};
  for (const name of names) {
    const key = `"${name}"`;
    let k = latin1.indexOf(key);
    while (k !== -1) {
      let i = k + key.length;
      while (i < latin1.length && isSpace(latin1.charCodeAt(i))) i++;
      if (latin1.charCodeAt(i) === 0x3a /* : */) {
        i++;
        while (i < latin1.length && isSpace(latin1.charCodeAt(i))) i++;
        if (latin1.charCodeAt(i) === 0x22 /* " */) {
          const end = stringEnd(latin1, i + 1);
          if (end !== -1) {
            const v = jsonString(buf, start + i + 1, start + end, latin1, i + 1, end, CUT_FIELDS.has(name));
            if (v !== undefined) out[name] = v;
          }
        } else {
          let j = i;
          while (j < latin1.length && !',}] \t\r'.includes(latin1[j])) j++;
          if (j > i) out[name] = buf.toString('latin1', start + i, start + j); // a fresh string, not a slice of the line
        }
        break;
      }
      k = latin1.indexOf(key, k + key.length);
    }
    if (k !== -1 && latin1.indexOf(key, k + key.length) !== -1) return null;
  }
  return out;
}

/** True when a `{` occurs outside string values after the opening one (a nested object). */
function hasNestedObject(s: string): boolean {
  let inString = false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) return true;
  }
  return false;
}
