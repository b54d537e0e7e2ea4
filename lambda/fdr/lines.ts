/**
 * NDJSON line splitting on raw bytes (no readline/split2: those cap throughput at ~270 MB/s).
 *
 * Chunks are split on 0x0a. 0x0a never occurs inside a UTF-8 multibyte sequence, so whole lines can be decoded
 * safely even when a character was split across chunks. The partial last line of a chunk is carried (as
 * references to the chunk, not copies) and completed by the next chunk; once it exceeds `maxLineBytes` it is
 * dropped and the rest of that line discarded up to the next newline, so memory stays bounded by
 * chunk size + `maxLineBytes` even for a 1 GiB line with no newline.
 *
 * Line rules: CRLF tolerated (trailing \r stripped), UTF-8 BOM stripped at the start of the stream,
 * blank/whitespace-only lines ignored (neither counted as lines nor skipped), missing final newline accepted.
 * Line numbers are physical, 1-based, counting blank lines too (what an editor shows).
 */
import { isUtf8 } from 'node:buffer';
import type { KeyHits } from './inflate';
import type { Prefilter } from './prefilter';
import { mayNest } from './extract';
import type { DecodedEvent, DecodeStats, LineGate, SkipReason } from './types';

const LF = 0x0a;
const CR = 0x0d;
const OPEN_BRACE = 0x7b;
const MAX_DETAIL = 160;

export interface LineDecoderOptions {
  maxLineBytes: number;
  maxSkippedSamples: number;
  prefilter: Prefilter | null;
  /** The prefilter's types as given (InflateOptions.keyTypes): what a chunk's key hits index. */
  keyTypes?: readonly string[];
  /** Literal gates by event type; only used with a prefilter (which names each candidate line's type). */
  gates?: ReadonlyMap<string, LineGate>;
  /** Where events go as they are read (see DecodeOptions.onEvent); into the caller's batch when unset. */
  onEvent?: (ev: DecodedEvent) => void;
}

export function emptyStats(): DecodeStats {
  return {
    bytesIn: 0,
    bytesOut: 0,
    gzip: false,
    lines: 0,
    candidates: 0,
    skipped: { 'invalid-json': 0, 'not-object': 0, 'over-long': 0 },
    skippedSamples: [],
  };
}

/** First and last non-blank bytes are `{` and `}`. */
function looksLikeObject(buf: Buffer, s: number, e: number): boolean {
  let i = s;
  while (i < e && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  let j = e - 1;
  while (j > i && (buf[j] === 0x20 || buf[j] === 0x09)) j--;
  return buf[i] === OPEN_BRACE && buf[j] === 0x7d;
}

function isBlank(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

export class LineDecoder {
  /** Physical line number of the last line seen (blank ones included). */
  private physLine = 0;
  /** Pieces of the current partial line (copies: a chunk may be reused once the next is pushed, see Inflater). */
  private pieces: Buffer[] = [];
  private carryLen = 0;
  /** True while discarding the rest of an over-long line up to the next newline. */
  private discarding = false;
  private discardedBytes = 0;
  private readonly maxLineBytes: number;
  private readonly maxSamples: number;
  private readonly prefilter: Prefilter | null;
  private readonly gates: ReadonlyMap<string, LineGate> | null;
  private readonly onEvent: ((ev: DecodedEvent) => void) | null;
  private readonly keyTypes: readonly string[] | null;
  /** Reused per region: the prefilter's hits and the types they name. */
  private readonly hitPositions: number[] = [];
  private readonly hitTypes: (string | undefined)[] = [];
  /** Reused per region: `event_simpleName` keys that name no requested type (a line holding one has no sure type). */
  private readonly otherKeys: number[] = [];

  constructor(
    private readonly stats: DecodeStats,
    opts: LineDecoderOptions,
  ) {
    this.maxLineBytes = opts.maxLineBytes;
    this.maxSamples = opts.maxSkippedSamples;
    this.prefilter = opts.prefilter;
    this.gates = opts.prefilter !== null && opts.gates && opts.gates.size > 0 ? opts.gates : null;
    this.onEvent = opts.onEvent ?? null;
    this.keyTypes = opts.prefilter !== null ? (opts.keyTypes ?? null) : null;
  }

  /**
   * Feed one chunk of (inflated) bytes; complete candidate lines are appended to `out` (or handed to `onEvent`).
   * `keyHits`: the chunk's type keys, when the inflater found them (the prefilter's search is then not repeated).
   */
  push(chunk: Buffer, out: DecodedEvent[], keyHits?: KeyHits): void {
    const len = chunk.length;
    if (len === 0) return;
    let pos = 0;

    if (this.discarding || this.carryLen > 0) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        this.extendPartial(chunk);
        return;
      }
      this.physLine++;
      if (this.discarding) {
        this.overLong(this.discardedBytes + nl);
      } else if (this.carryLen + nl > this.maxLineBytes) {
        this.overLong(this.carryLen + nl);
      } else {
        this.pieces.push(chunk.subarray(0, nl));
        const line = Buffer.concat(this.pieces, this.carryLen + nl);
        this.lineAcross(line, out);
      }
      this.resetPartial();
      pos = nl + 1;
    }

    const lastNl = chunk.lastIndexOf(LF);
    if (lastNl >= pos) {
      this.region(chunk, pos, lastNl, out, keyHits);
      pos = lastNl + 1;
    }
    if (pos < len) this.extendPartial(pos === 0 ? chunk : chunk.subarray(pos));
  }

  /** The stream ended cleanly: a last line without a final newline is still a line. */
  end(out: DecodedEvent[]): void {
    if (this.discarding) {
      this.physLine++;
      this.overLong(this.discardedBytes);
    } else if (this.carryLen > 0) {
      this.physLine++;
      const line = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.carryLen);
      this.lineAcross(line, out);
    }
    this.resetPartial();
  }

  /**
   * The stream broke (truncated gzip, source error): the partial line at the damage point is incomplete by
   * definition and is dropped, not counted (the stream error explains it).
   */
  abandon(): void {
    this.resetPartial();
  }

  private extendPartial(piece: Buffer): void {
    if (this.discarding) {
      this.discardedBytes += piece.length;
      return;
    }
    if (this.carryLen + piece.length > this.maxLineBytes) {
      // Drop what we hold; count the bytes only.
      this.discarding = true;
      this.discardedBytes = this.carryLen + piece.length;
      this.pieces = [];
      this.carryLen = 0;
      return;
    }
    this.pieces.push(Buffer.from(piece));
    this.carryLen += piece.length;
  }

  private resetPartial(): void {
    this.pieces = [];
    this.carryLen = 0;
    this.discarding = false;
    this.discardedBytes = 0;
  }

  /** A line that spanned chunks, joined into its own buffer. */
  private lineAcross(line: Buffer, out: DecodedEvent[]): void {
    const pf = this.prefilter;
    const candidate = pf === null || pf.lineMatches(line, 0, line.length);
    const type = candidate && pf !== null && this.gates !== null ? pf.lineType(line, 0, line.length) : undefined;
    this.line(line, 0, line.length, candidate, type, out);
  }

  /** Complete lines in `buf[start, lastNl]` where `buf[lastNl]` is a newline. */
  private region(buf: Buffer, start: number, lastNl: number, out: DecodedEvent[], keyHits?: KeyHits): void {
    const pf = this.prefilter;
    if (pf === null) {
      let pos = start;
      while (pos <= lastNl) {
        const nl = buf.indexOf(LF, pos);
        this.physLine++;
        this.line(buf, pos, nl, true, undefined, out);
        pos = nl + 1;
      }
      return;
    }
    // One search of the whole region for the type key; lines are then matched to its hits. A line's type (for its
    // gate) is known from its hit when that is the line's only `event_simpleName` key; a line with other such keys,
    // rare, is settled by lineType (a key naming another value leaves the type unknown: JSON.parse takes the last).
    const hits = this.hitPositions;
    const names = this.hitTypes;
    const others = this.otherKeys;
    const typed = this.gates !== null;
    const nHits =
      keyHits !== undefined && this.keyTypes !== null
        ? this.hitsIn(keyHits, this.keyTypes, start, lastNl, hits, typed ? names : null, typed ? others : null)
        : pf.typedHits(buf, start, lastNl, hits, typed ? names : null, typed ? others : null);
    const nOthers = typed ? others.length : 0;
    let h = 0;
    let o = 0;
    let pos = start;
    while (pos <= lastNl) {
      const nl = buf.indexOf(LF, pos);
      this.physLine++;
      let more = 0; // other event_simpleName keys in this line
      while (o < nOthers && others[o] < nl) {
        o++;
        more++;
      }
      if (h < nHits && hits[h] < nl) {
        const first = h;
        do h++;
        while (h < nHits && hits[h] < nl);
        const type = !typed ? undefined : h - first === 1 && more === 0 ? names[first] : pf.lineType(buf, pos, nl);
        this.line(buf, pos, nl, true, type, out);
      } else this.line(buf, pos, nl, false, undefined, out);
      pos = nl + 1;
    }
  }

  /**
   * What `typedHits(buf, start, lastNl, …)` finds, from the whole chunk's hits: those whose key starts in
   * `[start, lastNl)`. (A key cannot span a newline: the lines of that range hold the same keys, found alike.)
   */
  private hitsIn(
    k: KeyHits,
    keyTypes: readonly string[],
    start: number,
    lastNl: number,
    positions: number[],
    names: (string | undefined)[] | null,
    others: number[] | null,
  ): number {
    positions.length = 0;
    if (names !== null) names.length = 0;
    for (let i = 0; i < k.count; i++) {
      const p = k.positions[i];
      if (p < start) continue;
      if (p >= lastNl) break;
      positions.push(p);
      if (names !== null) names.push(keyTypes[k.types[i]]);
    }
    if (others !== null) {
      others.length = 0;
      for (let i = 0; i < k.otherCount; i++) {
        const p = k.others[i];
        if (p < start) continue;
        if (p >= lastNl) break;
        others.push(p);
      }
    }
    return positions.length;
  }

  /**
   * One complete line `buf[s, e)` (newline excluded), numbered `this.physLine`. `type`: the event type its
   * prefilter hit names (when gates apply); undefined when unknown or ambiguous.
   */
  private line(buf: Buffer, s: number, e: number, candidate: boolean, type: string | undefined, out: DecodedEvent[]): void {
    if (e - s > this.maxLineBytes) {
      this.overLong(e - s);
      return;
    }
    if (this.physLine === 1 && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    if (e > s && buf[e - 1] === CR) e--;
    if (s === e || (buf[s] !== OPEN_BRACE && isBlank(buf, s, e))) return;
    this.stats.lines++;
    const lineNo = this.physLine;
    if (!candidate) {
      // Not parsed (the prefilter says no rule can use it), but still judged on its shape, cheaply: a JSON object
      // line starts with `{` and ends with `}`. Anything else is counted as bad; a well-shaped line is not checked
      // further (that would cost the JSON.parse the prefilter exists to avoid).
      if (!looksLikeObject(buf, s, e)) this.judge(buf, s, e, lineNo);
      return;
    }
    // The line's literal gate, if its type has one. A malformed line is not gated: it is parsed, so that it is judged
    // (and counted) rather than half-used.
    const found = type === undefined || this.gates === null ? undefined : this.gates.get(type);
    const gate = found !== undefined && found.keep !== null && looksLikeObject(buf, s, e) ? found : undefined;
    if (gate !== undefined && !gate.partial && gate.needles && this.lacksNeedles(buf, s, e, gate.needles)) {
      this.stats.gated = (this.stats.gated ?? 0) + 1;
      return;
    }
    // Decoded once: the literal gate, the join's field reads and JSON.parse all read this text.
    const text = buf.toString('utf8', s, e);
    if (gate !== undefined && this.gated(text, gate, type!, lineNo, out)) return;
    // Invalid sequences became U+FFFD: only then is the line checked (a stray byte in a command line must not cost
    // a detection: the line is kept, and counted).
    if (text.includes('\uFFFD') && !isUtf8(buf.subarray(s, e))) this.stats.repairedUtf8 = (this.stats.repairedUtf8 ?? 0) + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.skip(lineNo, 'invalid-json', (err as Error).message);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.skip(lineNo, 'not-object', value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
      return;
    }
    const pf = this.prefilter;
    if (pf !== null) {
      // The byte needle is only a hint (it may sit inside another field's string): check the parsed type.
      const parsedType = (value as Record<string, unknown>).event_simpleName;
      if (typeof parsedType !== 'string' || !pf.types.has(parsedType)) {
        this.stats.prefilterFalseHits = (this.stats.prefilterFalseHits ?? 0) + 1;
        return;
      }
    }
    this.stats.candidates++;
    this.emit({ line: lineNo, event: value as Record<string, unknown>, text }, out);
  }

  /**
   * Second-stage prefilter: when the line's text lacks its gate's literals, it is not parsed; a partial event (its
   * text, for joins to read a few fields from) is yielded instead when the gate asks for one. Returns true when the
   * line was handled here.
   */
  private gated(text: string, gate: LineGate, type: string, lineNo: number, out: DecodedEvent[]): boolean {
    if (gate.keep!(text)) return false;
    // A nested object's keys could be taken for the line's own: such a line is parsed instead. (Its type is sure:
    // the prefilter gives one only when every `event_simpleName` key of the line names it.)
    if (gate.partial && mayNest(text)) return false;
    this.stats.gated = (this.stats.gated ?? 0) + 1;
    if (gate.partial) this.emit({ line: lineNo, event: { event_simpleName: type }, text, partial: true }, out);
    return true;
  }

  private emit(ev: DecodedEvent, out: DecodedEvent[]): void {
    if (this.onEvent !== null) this.onEvent(ev);
    else out.push(ev);
  }

  /**
   * True when the line's raw bytes hold none of `needles` (its gate's letter-free literals): it is settled without
   * being decoded. Each search is bounded by the line (a view of it): searching on through the chunk to a needle's
   * next occurrence, and remembering it for the lines after, scanned the whole chunk once per needle instead — for a
   * needle whose first byte is common (`445` in a line of digits and hex) that was most of the cost of these lines.
   */
  private lacksNeedles(buf: Buffer, s: number, e: number, needles: readonly Buffer[]): boolean {
    const line = s === 0 && e === buf.length ? buf : buf.subarray(s, e);
    for (const n of needles) if (line.indexOf(n) !== -1) return false;
    return true;
  }

  /** A line that is not shaped like a JSON object: say why (parsing it is cheap: such lines are rare). */
  private judge(buf: Buffer, s: number, e: number, lineNo: number): void {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', s, e));
    } catch (err) {
      this.skip(lineNo, 'invalid-json', (err as Error).message);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.skip(lineNo, 'not-object', value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
    }
  }

  private overLong(bytes: number): void {
    this.stats.lines++;
    this.skip(this.physLine, 'over-long', `${bytes} bytes > maxLineBytes ${this.maxLineBytes}`);
  }

  private skip(line: number, reason: SkipReason, detail?: string): void {
    this.stats.skipped[reason]++;
    if (this.stats.skippedSamples.length < this.maxSamples) {
      const sample: { line: number; reason: SkipReason; detail?: string } = { line, reason };
      if (detail !== undefined) sample.detail = detail.length > MAX_DETAIL ? detail.slice(0, MAX_DETAIL) + '…' : detail;
      this.stats.skippedSamples.push(sample);
    }
  }
}
