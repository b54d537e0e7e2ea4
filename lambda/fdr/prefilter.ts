/**
 * Byte-level prefilter: decide, before any UTF-8 decoding or JSON.parse, which NDJSON lines can be one of the
 * event types the rules care about.
 *
 * How: find every occurrence of the key `"event_simpleName"` in the raw bytes, walk FORWARD over JSON
 * whitespace, the `:` and more whitespace to the value string, and compare the value's bytes exactly with the
 * requested type names. So `"event_simpleName":"ProcessRollup2"` and `"event_simpleName" : "ProcessRollup2"`
 * are both found, while `"SyntheticProcessRollup2"` / `"ProcessRollup2V19"` (different bytes) and
 * `"name":"ProcessRollup2"` (another key) are not. A key quoted inside another string value never matches: its
 * quotes are escaped there (`\"event_simpleName\"`), and the needle requires a bare `"`.
 *
 * (This replaces one `indexOf` per quoted type name: with the six types the rule pack needs, six full scans
 * of each chunk ran at ~300 MB/s; one scan for the key runs at >1 GB/s. The key is searched as
 * `_simpleName"` — `_` is rare in FDR JSON, so the native search skips ahead with memchr — and the `"event`
 * before it is then checked.)
 *
 * A match is still only a HINT: the same bytes can be a key of a nested object, or a duplicate key that
 * JSON.parse overrides. Callers must re-check the parsed event's `event_simpleName`; `decodeEvents` does so
 * itself and drops events whose type is not in the set (counted in `stats.prefilterFalseHits`).
 *
 * Limits (by design): JSON escapes in the key or the type name (`"event\u005fsimpleName"`,
 * `"Process\u0052ollup2"`) are not recognised. FDR writes both as plain ASCII identifiers, so this does not
 * happen on real data; a producer that escaped them would have those lines filtered out. Type names must not
 * contain `"`, `\` or control characters (they are identifiers); such names are rejected at construction.
 *
 * Speed: the search runs over a whole inflated chunk (one native search per key occurrence, not per line);
 * the line splitter maps the hits to line boundaries.
 */

const KEY_TAIL = Buffer.from('_simpleName"', 'latin1');
const KEY_HEAD = Buffer.from('"event', 'latin1');
const COLON = 0x3a;
const QUOTE = 0x22;
function isJsonSpace(c: number): boolean {
  // JSON whitespace inside one NDJSON line: space, tab, CR. LF is deliberately excluded: it ends the line,
  // so a match never spans two lines when searching a whole chunk.
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

export interface Prefilter {
  /** The type names, for the exact post-parse check. */
  readonly types: ReadonlySet<string>;
  /**
   * Positions (ascending) in `buf[start, end)` of `"event_simpleName":"<type>"` matches (the key's opening
   * quote). A match crossing `end` is not reported. Matches are hints (see module doc).
   */
  hits(buf: Buffer, start: number, end: number): number[];
  /**
   * Like `hits`, into caller-owned arrays (no allocation per chunk): `positions` gets the hits and `names`
   * (unless null) the type each one names; `others` (unless null) gets the positions of the `"event_simpleName"`
   * keys that name no requested type (or hold no string). Returns the number of hits.
   */
  typedHits(buf: Buffer, start: number, end: number, positions: number[], names: (string | undefined)[] | null, others?: number[] | null): number;
  /** True when the line `buf[start, end)` holds at least one match. */
  lineMatches(buf: Buffer, start: number, end: number): boolean;
  /**
   * The type the line's `"event_simpleName"` keys name when every one of them names it (so that JSON.parse, which
   * takes the last, reads that type too); undefined when a key names another value, or none a requested type.
   */
  lineType(buf: Buffer, start: number, end: number): string | undefined;
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
  // Type names by their first byte, for an allocation-free exact comparison that rejects most other types at
  // once (FDR has hundreds of type names; the few wanted ones rarely share a first byte).
  const byFirst: (readonly { bytes: Buffer; name: string }[] | undefined)[] = new Array(256);
  for (const t of types) {
    const b = Buffer.from(t, 'utf8');
    byFirst[b[0]] = [...(byFirst[b[0]] ?? []), { bytes: b, name: t }];
  }

  /**
   * `p` is the position of `_simpleName"` in `buf`: where the value of the `"event_simpleName"` key there starts
   * (its first byte after `:` and blanks, before `end`), or -1 when the bytes there are not that key.
   */
  function keyValue(buf: Buffer, start: number, end: number, p: number): number {
    const k = p - KEY_HEAD.length;
    if (k < start) return -1;
    for (let j = 0; j < KEY_HEAD.length; j++) if (buf[k + j] !== KEY_HEAD[j]) return -1;
    let i = p + KEY_TAIL.length;
    if (buf[i] === COLON && buf[i + 1] === QUOTE) return i + 1; // the compact form FDR writes
    while (i < end && isJsonSpace(buf[i])) i++;
    if (i >= end || buf[i] !== COLON) return -1;
    i++;
    while (i < end && isJsonSpace(buf[i])) i++;
    return i < end ? i : -1;
  }

  /** The requested type whose quoted name, ending before `end`, starts at `v` (a key's value); undefined if none. */
  function typeAt(buf: Buffer, end: number, v: number): string | undefined {
    if (buf[v] !== QUOTE) return undefined;
    const i = v + 1;
    if (i >= end) return undefined;
    const candidates = byFirst[buf[i]];
    if (candidates === undefined) return undefined;
    for (const c of candidates) {
      const b = c.bytes;
      const q = i + b.length;
      if (q >= end || buf[q] !== QUOTE) continue;
      let j = 1;
      while (j < b.length && buf[i + j] === b[j]) j++;
      if (j === b.length) return c.name;
    }
    return undefined;
  }

  function hits(buf: Buffer, start: number, end: number): number[] {
    const out: number[] = [];
    typedHits(buf, start, end, out, null);
    return out;
  }

  function typedHits(
    buf: Buffer,
    start: number,
    end: number,
    positions: number[],
    names: (string | undefined)[] | null,
    others: number[] | null = null,
  ): number {
    positions.length = 0;
    if (names !== null) names.length = 0;
    if (others !== null) others.length = 0;
    if (types.size === 0) return 0;
    const last = end - KEY_TAIL.length;
    let p = buf.indexOf(KEY_TAIL, start);
    while (p !== -1 && p <= last) {
      const v = keyValue(buf, start, end, p);
      if (v !== -1) {
        const t = typeAt(buf, end, v);
        if (t !== undefined) {
          positions.push(p - KEY_HEAD.length);
          if (names !== null) names.push(t);
        } else if (others !== null) others.push(p - KEY_HEAD.length);
      }
      p = buf.indexOf(KEY_TAIL, p + KEY_TAIL.length);
    }
    return positions.length;
  }

  function lineMatches(buf: Buffer, start: number, end: number): boolean {
    if (types.size === 0) return false;
    const last = end - KEY_TAIL.length;
    let p = buf.indexOf(KEY_TAIL, start);
    while (p !== -1 && p <= last) {
      const v = keyValue(buf, start, end, p);
      if (v !== -1 && typeAt(buf, end, v) !== undefined) return true;
      p = buf.indexOf(KEY_TAIL, p + KEY_TAIL.length);
    }
    return false;
  }

  function lineType(buf: Buffer, start: number, end: number): string | undefined {
    const last = end - KEY_TAIL.length;
    let found: string | undefined;
    let p = buf.indexOf(KEY_TAIL, start);
    while (p !== -1 && p <= last) {
      const v = keyValue(buf, start, end, p);
      if (v !== -1) {
        const t = typeAt(buf, end, v);
        if (t === undefined || (found !== undefined && found !== t)) return undefined;
        found = t;
      }
      p = buf.indexOf(KEY_TAIL, p + KEY_TAIL.length);
    }
    return found;
  }

  return { types, hits, typedHits, lineMatches, lineType };
}
