/**
 * FDR batch stream decoder: bytes (gzip, possibly several concatenated members, or plain NDJSON) →
 * batches of parsed events, prefiltered on raw bytes by `#event_simpleName`.
 *
 * - The format is sniffed from the first bytes (fdr/sniff.ts), never from a name: gzip magic `1f 8b` is inflated,
 *   text is split into lines, anything else (zstd, bzip2, zip, xz, UTF-16, binary data; also binary data inside
 *   gzip) is a `format` error that names it, and nothing is read as events.
 * - gzip (members one after another, zero padding between them, trailing garbage) is inflated by fdr/inflate.ts, on
 *   this thread by default or in a worker thread (`inflater`, fdr/inflate-thread.ts).
 * - Pull-based: nothing is read from the source faster than the consumer iterates (zlib's readable side
 *   applies backpressure; the source is only pulled while zlib accepts input, at most one write ahead; a worker
 *   thread's inflater reads a bounded lead ahead). Memory is bounded by a few inflated chunks + the writes ahead +
 *   `maxLineBytes`, whatever the input size.
 * - Never throws for bad data. A source error (thrown by the input iterable; the source says whether it is
 *   transient), a zlib error (corrupt / truncated gzip: permanent) or a format error ends the iteration after
 *   everything decoded before the damage has been yielded, and is reported in `stats.error`. Bad lines are counted
 *   with reasons and line numbers; an object in which every line is bad is a `format` error too.
 * - Exceptions thrown by the consumer propagate untouched; the source is closed (`return()`) on early exit.
 */
import { SourceError, isTransientSourceError } from '../ports';
import { inlineInflater, peek, PullInput, type Inflater, type InflateOptions } from './inflate';
import { LineDecoder, emptyStats } from './lines';
import { createPrefilter } from './prefilter';
import { SNIFF_BYTES, sniffContent, sniffObject } from './sniff';
import type { DecodedEvent, DecodeOptions, DecodeStats } from './types';

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
export const DEFAULT_MAX_SKIPPED_SAMPLES = 20;
/**
 * Compressed bytes handed to zlib per write (by default at most 4 inflate chunks' worth: a small `chunkSize` keeps
 * writes small). Node's zlib binding discards the output of the native inflate call that hits corrupt data (it emits
 * the error instead of the output), so on CORRUPT data (not truncation: a truncated stream loses nothing) the output
 * of that one call — at most one inflate chunk (`chunkSize`, 256 KiB) just before the damage — is lost, whatever the
 * write size. Each write is a round trip through the event loop: zlib takes the next one only once the line work
 * in hand lets the callback of the last one run, and it idles meanwhile. 16 KiB writes ran the whole pipeline at
 * about 60 % of the speed of 256 KiB writes, and 1 MiB writes took about 5 % less wall time than 256 KiB ones
 * (bench/, 400 MB input, alternating runs, medians of 10 and 12). Smaller source chunks are joined up to this size
 * first (an S3 body arrives in socket-sized pieces).
 */
export const MAX_INFLATE_INPUT = 1024 * 1024;

/** The gzip stage's options, with the inflater that runs it. */
interface DecodeInflate extends InflateOptions {
  inflater: Inflater;
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
    keyTypes: opts.eventTypes ?? undefined,
    gates: opts.gates,
    onEvent: opts.onEvent,
  });
  const chunkSize = positive(opts.chunkSize, DEFAULT_CHUNK_SIZE);
  const inflate: DecodeInflate = {
    chunkSize,
    step: positive(opts.inflateStep, Math.min(MAX_INFLATE_INPUT, 4 * chunkSize)),
    fine: opts.fineInflate,
    keyTypes: opts.eventTypes ?? undefined,
    inflater: opts.inflater ?? inlineInflater,
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

/** A format error (the inflater and the source record their own). */
function fail(stats: DecodeStats, code: string, msg: string, atByte: number): void {
  stats.error ??= { stage: 'format', message: msg, transient: false, code, atByte };
}

/**
 * The source as a pull-based byte reader with push-back. Source chunks are counted in `bytesIn`; a source failure is
 * recorded in `stats.error` and ends the input.
 */
class Input extends PullInput {
  /** The source ended, failed or was closed: it is not pulled again. */
  private exhausted = false;

  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    private readonly stats: DecodeStats,
    private readonly signal: AbortSignal | undefined,
  ) {
    super();
  }

  protected async pull(): Promise<Buffer | null> {
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

  protected async stop(): Promise<void> {
    if (this.exhausted) return;
    this.exhausted = true;
    try {
      await this.it.return?.();
    } catch {
      /* ignore */
    }
  }
}

async function* run(input: Input, stats: DecodeStats, lines: LineDecoder, o: DecodeInflate): AsyncGenerator<DecodedEvent[], void, undefined> {
  const sniffed = sniffObject(await peek(input, SNIFF_BYTES));
  if (sniffed.kind === 'unsupported') {
    fail(stats, 'unsupported-format', `unsupported input: ${sniffed.format}`, 0);
    await input.close();
    return;
  }
  stats.gzip = sniffed.kind === 'gzip';
  const out: DecodedEvent[] = [];
  if (stats.gzip) yield* inflated(input, stats, lines, o, out);
  else yield* plain(input, stats, lines, out);
  if (stats.error) lines.abandon();
  else lines.end(out);
  if (out.length > 0) yield out.splice(0);
  if (!stats.error) {
    const bad = Object.values(stats.skipped).reduce((a, b) => a + b, 0);
    if (stats.lines > 0 && bad === stats.lines) {
      const why = Object.entries(stats.skipped).filter(([, n]) => n > 0).map(([r, n]) => `${r}=${n}`).join(', ');
      fail(stats, 'no-valid-lines', `no valid line: all ${stats.lines} lines were skipped (${why})`, stats.bytesIn);
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

/** gzip: the inflater's chunks are the lines' bytes, once their first bytes were judged to be text. */
async function* inflated(input: Input, stats: DecodeStats, lines: LineDecoder, o: DecodeInflate, out: DecodedEvent[]): AsyncGenerator<DecodedEvent[], void, undefined> {
  let head: Buffer[] | null = []; // the first bytes, until there are enough to judge them
  let headLen = 0;
  /** The first inflated bytes must be text; false (and a format error) when they are not. */
  const contentOk = (): boolean => {
    const sniffed = sniffContent(head!.length === 1 ? head![0] : Buffer.concat(head!, headLen));
    if (sniffed.kind !== 'unsupported') return true;
    fail(stats, 'unsupported-format', `unsupported input: ${sniffed.format}`, 0);
    return false;
  };
  const flushHead = function* (): Generator<DecodedEvent[], void, undefined> {
    for (const h of head!) {
      lines.push(h, out);
      if (out.length > 0) yield out.splice(0);
    }
    head = null;
  };
  for await (const c of o.inflater(input, o, stats)) {
    stats.bytesOut += c.length;
    if (head !== null) {
      head.push(Buffer.from(c)); // kept past the next chunk: a copy (see Inflater)
      headLen += c.length;
      if (headLen < SNIFF_BYTES) continue;
      if (!contentOk()) return; // leaving the loop stops the inflater and closes the input
      yield* flushHead();
      continue;
    }
    lines.push(c, out, c.keyHits);
    if (out.length > 0) yield out.splice(0);
  }
  if (head !== null && headLen > 0 && contentOk()) yield* flushHead();
}
