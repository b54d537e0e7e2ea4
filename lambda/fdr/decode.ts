/**
 * FDR batch stream decoder: bytes (gzip, possibly several concatenated members, or plain NDJSON) →
 * batches of parsed events, prefiltered on raw bytes by `#event_simpleName`.
 *
 * - The format is sniffed from the first bytes (fdr/sniff.ts), never from a name: gzip magic `1f 8b` is inflated,
 *   text is split into lines, anything else (zstd, bzip2, zip, xz, UTF-16, binary data; also binary data inside
 *   gzip) is a `format` error that names it, and nothing is read as events.
 * - gzip members follow each other. Zero bytes between or after members (padding) are skipped and counted; Node's
 *   zlib stops at them, so the decoder starts a fresh inflate at the next member itself. Other bytes after a member
 *   are a `gzip` error, after everything before them was yielded.
 * - Pull-based: nothing is read from the source faster than the consumer iterates (zlib's readable side
 *   applies backpressure; the source is only pulled while zlib accepts input, at most one write ahead).
 *   Memory is bounded by a few inflated chunks + one write + `maxLineBytes`, whatever the input size.
 * - Never throws for bad data. A source error (thrown by the input iterable; the source says whether it is
 *   transient), a zlib error (corrupt / truncated gzip: permanent) or a format error ends the iteration after
 *   everything decoded before the damage has been yielded, and is reported in `stats.error`. Bad lines are counted
 *   with reasons and line numbers; an object in which every line is bad is a `format` error too.
 * - Exceptions thrown by the consumer propagate untouched; the source is closed (`return()`) on early exit.
 */
import type { TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { SourceError, isTransientSourceError } from '../ports';
import { LineDecoder, emptyStats } from './lines';
import { createPrefilter } from './prefilter';
import { SNIFF_BYTES, sniffContent, sniffObject } from './sniff';
import type { DecodedEvent, DecodeOptions, DecodeStats } from './types';

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
export const DEFAULT_MAX_SKIPPED_SAMPLES = 20;
/**
 * Compressed bytes handed to zlib per write. Node's zlib binding discards the output of the native inflate
 * call that hits corrupt data (it emits the error instead of the output), so on CORRUPT data (not truncation:
 * a truncated stream loses nothing) the output of that one call — at most one inflate chunk (`chunkSize`,
 * 256 KiB) just before the damage — is lost. Each write is a round trip through the event loop, and zlib only
 * works ahead of the line splitter while a write is in flight: 16 KiB writes ran the whole pipeline at about
 * 60 % of the speed of 256 KiB writes (bench/, 400 MB input), for a loss bound that is about the same. Smaller
 * source chunks are joined up to this size first (an S3 body arrives in socket-sized pieces).
 */
export const MAX_INFLATE_INPUT = 256 * 1024;

/**
 * Inflated chunks zlib may hold ready ahead of the line splitter. With Node's default (16 KiB: less than one
 * chunk) zlib stops after every chunk until that chunk is read, so each chunk that takes the splitter longer
 * than the next takes zlib leaves zlib's thread idle; a few chunks of slack absorb the variation (replay of the
 * bench's 400 MB input: about 10 % less wall time).
 */
const READ_AHEAD_CHUNKS = 4;

interface InflateOptions {
  chunkSize: number;
  /** Compressed bytes per zlib write. */
  step: number;
  /** From compressed byte `from` on, write `step` bytes at a time (recovery near known damage). */
  fine?: { from: number; step: number };
}

export function decodeEvents(
  src: AsyncIterable<Uint8Array>,
  opts: DecodeOptions = {},
): { events: AsyncIterable<DecodedEvent[]>; stats: DecodeStats } {
  const stats = emptyStats();
  const lines = new LineDecoder(stats, {
    maxLineBytes: positive(opts.maxLineBytes, DEFAULT_MAX_LINE_BYTES),
    maxSkippedSamples: Math.max(0, opts.maxSkippedSamples ?? DEFAULT_MAX_SKIPPED_SAMPLES),
    // Invalid type names are a programming error (not bad data): this throws here, synchronously.
    prefilter: createPrefilter(opts.eventTypes),
    gates: opts.gates,
  });
  const chunkSize = positive(opts.chunkSize, DEFAULT_CHUNK_SIZE);
  const inflate: InflateOptions = {
    chunkSize,
    step: positive(opts.inflateStep, Math.min(MAX_INFLATE_INPUT, chunkSize)),
    fine: opts.fineInflate,
  };
  const input = new Input(src[Symbol.asyncIterator](), stats, opts.signal);
  return { events: run(input, stats, lines, inflate), stats };
}

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
}

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function fail(stats: DecodeStats, stage: 'gzip' | 'format', code: string, msg: string, atByte: number, cause?: unknown): void {
  stats.error ??= { stage, message: msg, transient: false, code, atByte, cause };
}

/**
 * The source as a pull-based byte reader with push-back (what a finished gzip member did not consume goes back).
 * Source chunks are counted in `bytesIn`; a source failure is recorded in `stats.error` and ends the input.
 */
class Input {
  private readonly pushedBack: Buffer[] = [];
  /** The source ended, failed or was closed: it is not pulled again. */
  private exhausted = false;

  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    private readonly stats: DecodeStats,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The next non-empty chunk, or null at the end (or after a source failure, which is recorded). */
  async next(): Promise<Buffer | null> {
    const back = this.pushedBack.shift();
    if (back !== undefined) return back;
    while (!this.exhausted) {
      let r: IteratorResult<Uint8Array>;
      try {
        if (this.signal?.aborted) {
          throw new SourceError(`aborted: ${message(this.signal.reason ?? 'time budget exhausted')}`, true, 'aborted');
        }
        r = await this.it.next();
      } catch (e) {
        this.exhausted = true;
        if (!this.stats.error) {
          const code = e instanceof SourceError ? e.code : 'unknown';
          this.stats.error = { stage: 'source', message: message(e), transient: isTransientSourceError(e), code, atByte: this.stats.bytesIn, cause: e };
        }
        return null;
      }
      if (r.done) {
        this.exhausted = true;
        return null;
      }
      const b = toBuffer(r.value);
      this.stats.bytesIn += b.length;
      if (b.length > 0) return b;
    }
    return null;
  }

  /**
   * The next bytes, at least `min` of them unless the input ends or fails first: small source chunks (an HTTP
   * body arrives in socket-sized pieces of 16–64 KiB) are joined, so that zlib gets writes of a useful size.
   */
  async nextAtLeast(min: number): Promise<Buffer | null> {
    const first = await this.next();
    if (first === null || first.length >= min) return first;
    const parts = [first];
    let len = first.length;
    while (len < min) {
      const b = await this.next();
      if (b === null) break;
      parts.push(b);
      len += b.length;
    }
    return parts.length === 1 ? first : Buffer.concat(parts, len);
  }

  unshift(...chunks: Buffer[]): void {
    this.pushedBack.unshift(...chunks.filter((c) => c.length > 0));
  }

  /** Stop reading a source that was not read to its end; its own errors on close are irrelevant then. */
  async close(): Promise<void> {
    this.pushedBack.length = 0;
    if (this.exhausted) return;
    this.exhausted = true;
    try {
      await this.it.return?.();
    } catch {
      /* ignore */
    }
  }
}

/** The first SNIFF_BYTES bytes (fewer at the end of input), left in the input to be read again. */
async function peek(input: Input, n = SNIFF_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const b = await input.next();
    if (b === null) break;
    chunks.push(b);
    len += b.length;
  }
  input.unshift(...chunks);
  const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, len);
  return all.subarray(0, n);
}

async function* run(input: Input, stats: DecodeStats, lines: LineDecoder, o: InflateOptions): AsyncGenerator<DecodedEvent[], void, undefined> {
  const sniffed = sniffObject(await peek(input));
  if (sniffed.kind === 'unsupported') {
    fail(stats, 'format', 'unsupported-format', `unsupported input: ${sniffed.format}`, 0);
    await input.close();
    return;
  }
  stats.gzip = sniffed.kind === 'gzip';
  const out: DecodedEvent[] = [];
  if (stats.gzip) yield* members(input, stats, lines, o, out);
  else yield* plain(input, stats, lines, out);
  if (stats.error) lines.abandon();
  else lines.end(out);
  if (out.length > 0) yield out.splice(0);
  if (!stats.error) {
    const bad = Object.values(stats.skipped).reduce((a, b) => a + b, 0);
    if (stats.lines > 0 && bad === stats.lines) {
      const why = Object.entries(stats.skipped).filter(([, n]) => n > 0).map(([r, n]) => `${r}=${n}`).join(', ');
      fail(stats, 'format', 'no-valid-lines', `no valid line: all ${stats.lines} lines were skipped (${why})`, stats.bytesIn);
    }
  }
}

/** Plain NDJSON: the source chunks are the lines' bytes. */
async function* plain(input: Input, stats: DecodeStats, lines: LineDecoder, out: DecodedEvent[]): AsyncGenerator<DecodedEvent[], void, undefined> {
  let done = false;
  try {
    for (let b = await input.next(); b !== null; b = await input.next()) {
      stats.bytesOut += b.length;
      lines.push(b, out);
      if (out.length > 0) yield out.splice(0);
    }
    done = true;
  } finally {
    if (!done) await input.close(); // consumer stopped early (break / throw)
  }
}

/** gzip members one after another, with zero padding between them skipped. */
async function* members(
  input: Input,
  stats: DecodeStats,
  lines: LineDecoder,
  o: InflateOptions,
  out: DecodedEvent[],
): AsyncGenerator<DecodedEvent[], void, undefined> {
  let offset = 0; // compressed bytes taken by earlier zlib instances (and padding): where this one starts
  for (let first = true; ; first = false) {
    const consumed = yield* member(input, stats, lines, o, offset, first, out);
    if (consumed === null) return; // the input ended, or failed
    offset += consumed;
    // zlib stopped at a zero byte: skip the padding, then expect another member or the end.
    let padding = 0;
    let next: Buffer | null;
    for (;;) {
      next = await input.next();
      if (next === null) break;
      let i = 0;
      while (i < next.length && next[i] === 0) i++;
      padding += i;
      if (i < next.length) {
        input.unshift(next.subarray(i));
        break;
      }
    }
    stats.gzipPaddingBytes = (stats.gzipPaddingBytes ?? 0) + padding;
    offset += padding;
    if (next === null) return; // padding at the end: a clean end
    const magic = await peek(input, 2);
    if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
      fail(stats, 'gzip', 'trailing-garbage', `unexpected data after a gzip member (${padding} zero bytes, then non-gzip bytes at byte ${offset})`, offset);
      await input.close();
      return;
    }
  }
}

/**
 * One zlib instance, from `offset` in the compressed input. Returns the compressed bytes it consumed when zlib ended
 * a member with input left over (what it did not take is pushed back), or null when the input ended or failed.
 */
async function* member(
  input: Input,
  stats: DecodeStats,
  lines: LineDecoder,
  o: InflateOptions,
  offset: number,
  sniffOutput: boolean,
  out: DecodedEvent[],
): AsyncGenerator<DecodedEvent[], number | null, undefined> {
  // Node's gunzip decodes directly concatenated members itself; it stops at a zero byte (padding).
  // zlib hands its options to its Transform, which reads readableHighWaterMark (not in ZlibOptions' type).
  const zopts: ZlibOptions & TransformOptions = { chunkSize: o.chunkSize, readableHighWaterMark: READ_AHEAD_CHUNKS * o.chunkSize };
  const gz = createGunzip(zopts);
  let gzError: Error | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  gz.on('readable', signal);
  gz.on('end', () => {
    ended = true;
    signal();
  });
  gz.on('error', (e: Error) => {
    gzError ??= e;
    signal();
  });
  gz.on('close', signal);

  let stopped = false; // the consumer left early, or the output is not readable
  let memberEnd = false; // zlib stopped consuming with input left over
  let fed = 0; // compressed bytes given to this instance
  const gone = (): boolean => stopped || gz.destroyed || gzError !== null;

  /** One write, awaited: zlib has processed the piece (or failed, or was destroyed) when it resolves. */
  const write = (piece: Buffer): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        gz.off('close', done);
        gz.off('error', done);
        resolve();
      };
      gz.on('close', done);
      gz.on('error', done);
      gz.write(piece, () => done());
    });

  /** Write `b` in pieces of at most `o.step` bytes; false when zlib is gone, the consumer left or the member ended. */
  const feed = async (b: Buffer): Promise<boolean> => {
    for (let off = 0; off < b.length; ) {
      if (gone()) return false;
      // Near known damage (a recovery pass), small writes: a failing inflate call then drops little output.
      const at = offset + fed;
      const size =
        o.fine === undefined || at + o.step <= o.fine.from
          ? o.step
          : at < o.fine.from
            ? o.fine.from - at
            : Math.max(1, Math.min(o.step, o.fine.step));
      const piece = off === 0 && b.length <= size ? b : b.subarray(off, off + size);
      off += piece.length;
      fed += piece.length;
      await write(piece);
      if (!gone() && gz.bytesWritten < fed) {
        // zlib ended a member and left the rest of the input alone (it stops at zero padding): give it back.
        memberEnd = true;
        input.unshift(piece.subarray(piece.length - (fed - gz.bytesWritten)), b.subarray(off));
        fed = gz.bytesWritten;
        return false;
      }
    }
    return !gone();
  };

  // Feed the input into zlib, pulling only while zlib accepts it.
  const pump = (async (): Promise<void> => {
    let finished = false;
    try {
      for (let b = await input.nextAtLeast(o.step); b !== null; b = await input.nextAtLeast(o.step)) {
        if (!(await feed(b))) {
          finished = memberEnd;
          return;
        }
      }
      finished = true;
      // Every piece was processed (writes are awaited): a truncated stream fails on end() without losing output.
      if (!gone()) gz.end();
    } finally {
      if (!finished) await input.close();
    }
  })();

  let completed = false;
  let sniffing = sniffOutput;
  const head: Buffer[] = [];
  let headLen = 0;
  /** The first decompressed bytes must be text; false (and a format error) when they are not. */
  const contentOk = (): boolean => {
    sniffing = false;
    const sniffed = sniffContent(head.length === 1 ? head[0] : Buffer.concat(head, headLen));
    if (sniffed.kind !== 'unsupported') return true;
    fail(stats, 'format', 'unsupported-format', `unsupported input: ${sniffed.format}`, 0);
    return false;
  };
  try {
    for (;;) {
      // read() (not the stream's async iterator) so that output buffered before a zlib error is not dropped.
      const c = gz.read() as Buffer | null;
      if (c !== null) {
        stats.bytesOut += c.length;
        if (sniffing) {
          head.push(c);
          headLen += c.length;
          if (headLen < SNIFF_BYTES) continue;
          if (!contentOk()) break;
          for (const h of head.splice(0)) {
            lines.push(h, out);
            if (out.length > 0) yield out.splice(0);
          }
          continue;
        }
        lines.push(c, out);
        if (out.length > 0) yield out.splice(0);
        continue;
      }
      if (ended || gzError !== null || gz.destroyed) {
        if (sniffing && headLen > 0 && contentOk()) {
          for (const h of head.splice(0)) {
            lines.push(h, out);
            if (out.length > 0) yield out.splice(0);
          }
        }
        break;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    completed = !stats.error || stats.error.stage !== 'format';
  } finally {
    if (!completed) {
      // Consumer broke out or threw, or the content is not text: stop everything; don't wait for a possibly
      // stalled source (the pump closes it when it notices).
      stopped = true;
      gz.destroy();
      pump.catch(() => undefined);
    }
  }
  if (!completed) return null;

  if (gzError === null) {
    await pump;
  } else {
    pump.catch(() => undefined); // it sees the failed stream and closes the source by itself
    fail(stats, 'gzip', 'corrupt-gzip', message(gzError), offset + gz.bytesWritten, gzError);
  }
  if (memberEnd && !stats.error) {
    gz.destroy();
    return fed;
  }
  return null;
}
