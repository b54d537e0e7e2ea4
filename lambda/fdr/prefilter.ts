/**
 * Byte-level prefilter: decide, before any UTF-8 decoding or JSON.parse, which NDJSON lines can be one of the
 * event types the rules care about.
 *
 * Needles are the quoted type names (`"ProcessRollup2"`, quotes included, so `"SyntheticProcessRollup2"` and
 * `"ProcessRollup2V19"` do not hit). Each hit is confirmed by walking backwards over JSON whitespace, a `:`,
 * more whitespace, to the key `"event_simpleName"`; so both `"event_simpleName":"ProcessRollup2"` and
 * `"event_simpleName" : "ProcessRollup2"` are found, while `"name":"ProcessRollup2"` is not.
 *
 * A confirmed hit is still only a HINT: the same bytes can sit inside another string value (say a CommandLine
 * quoting JSON with unusual escaping). Callers must re-check the parsed event's `event_simpleName`;
 * `decodeEvents` does so itself and drops the events whose type is not in the set.
 *
 * Limits (by design): JSON escapes in the key or the type name (`"event\u005fsimpleName"`, `"Process\u0052ollup2"`)
 * are not recognised. FDR writes both as plain ASCII identifiers, so this never happens on real data; a
 * producer that escaped them would have those lines filtered out. Type names must not contain `"`, `\` or
 * control characters (they are identifiers); such names are rejected at construction.
 *
 * Speed: the search runs over a whole inflated chunk with one `Buffer.indexOf` per needle (native, fast)
 * rather than once per line; the hits are then mapped to line boundaries by the line splitter.
 */

const KEY = Buffer.from('"event_simpleName"', 'latin1');
const COLON = 0x3a;

function isJsonSpace(c: number): boolean {
  // JSON whitespace inside one NDJSON line: space, tab, CR. LF is deliberately excluded: it ends the line,
  // so the backward walk never crosses into the previous line when searching a whole chunk.
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

export interface Prefilter {
  /** The type names, for the exact post-parse check. */
  readonly types: ReadonlySet<string>;
  /**
   * Positions (ascending) in `buf[start, end)` of confirmed `"event_simpleName":"<type>"` value needles.
   * A needle crossing `end` is not reported. Hits are hints (see module doc).
   */
  hits(buf: Buffer, start: number, end: number): number[];
  /** True when the line `buf[start, end)` holds at least one confirmed needle. */
  lineMatches(buf: Buffer, start: number, end: number): boolean;
}

/**
 * Build a prefilter for `#event_simpleName` values. `null`/`undefined` → `null` (every line is a candidate).
 * An empty list gives a prefilter that keeps nothing.
 */
export function createPrefilter(eventTypes: readonly string[] | null | undefined): Prefilter | null {
  if (eventTypes == null) return null;
  const types = new Set<string>();
  for (const t of eventTypes) {
    if (typeof t !== 'string' || t.length === 0 || /["\\\u0000-\u001f]/.test(t)) {
      throw new TypeError(`prefilter: invalid event type name ${JSON.stringify(t)}`);
    }
    types.add(t);
  }
  const needles = [...types].map((t) => Buffer.from(`"${t}"`, 'utf8'));

  /** `p` is the position of the needle's opening quote; is it the value of the event_simpleName key? */
  function confirmed(buf: Buffer, lineStartBound: number, p: number): boolean {
    let i = p - 1;
    while (i >= lineStartBound && isJsonSpace(buf[i])) i--;
    if (i < lineStartBound || buf[i] !== COLON) return false;
    i--;
    while (i >= lineStartBound && isJsonSpace(buf[i])) i--;
    // buf[i] must be the closing quote of "event_simpleName"
    const keyStart = i - KEY.length + 1;
    if (keyStart < lineStartBound) return false;
    return buf.compare(KEY, 0, KEY.length, keyStart, i + 1) === 0;
  }

  function hits(buf: Buffer, start: number, end: number): number[] {
    let out: number[] | null = null;
    let sorted = true;
    for (const needle of needles) {
      const last = end - needle.length;
      let p = buf.indexOf(needle, start);
      while (p !== -1 && p <= last) {
        if (confirmed(buf, start, p)) {
          if (out === null) out = [];
          else if (sorted && out[out.length - 1] > p) sorted = false;
          out.push(p);
        }
        p = buf.indexOf(needle, p + needle.length);
      }
    }
    if (out === null) return [];
    if (!sorted) out.sort((a, b) => a - b);
    return out;
  }

  function lineMatches(buf: Buffer, start: number, end: number): boolean {
    for (const needle of needles) {
      const last = end - needle.length;
      let p = buf.indexOf(needle, start);
      while (p !== -1 && p <= last) {
        if (confirmed(buf, start, p)) return true;
        p = buf.indexOf(needle, p + needle.length);
      }
    }
    return false;
  }

  return { types, hits, lineMatches };
}
