/**
 * FDR batch stream decoder: bytes (gzip, possibly several concatenated members, or plain NDJSON) →
 * batches of parsed events, prefiltered on raw bytes by `#event_simpleName`.
 *
 * - gzip is sniffed from the magic bytes `1f 8b` (never from a file name).
 * - Pull-based: nothing is read from the source faster than the consumer iterates (zlib's readable side
 *   applies backpressure; the source is only pulled while zlib accepts input). Memory is bounded by
 *   chunk size + `maxLineBytes`, whatever the input size.
 * - Never throws for bad data. A source error (thrown by the input iterable: network, transient) or a zlib
 *   error (corrupt / truncated gzip: permanent) ends the iteration after everything decoded before the damage
 *   has been yielded, and is reported in `stats.error`. Bad lines are counted with reasons and line numbers.
 * - Exceptions thrown by the consumer propagate untouched; the source is closed (`return()`) on early exit.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import { LineDecoder, emptyStats } from './lines';
import { createPrefilter } from './prefilter';
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
 * 60 % of the speed of 256 KiB writes (bench/, 400 MB input), for a loss bound that is about the same.
 */
export const MAX_INFLATE_INPUT = 256 * 1024;

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
  const step = positive(opts.inflateStep, Math.min(MAX_INFLATE_INPUT, chunkSize));
  return { events: run(src, stats, lines, chunkSize, step, opts.fineInflate), stats };
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

function sourceError(stats: DecodeStats, e: unknown): void {
  if (stats.error) return;
  stats.error = { stage: 'source', message: message(e), atByte: stats.bytesIn, cause: e };
}

/** The next source chunk (counted in bytesIn), or null when the source ended or failed (the failure recorded). */
async function pull(it: AsyncIterator<Uint8Array>, stats: DecodeStats): Promise<Buffer | null> {
  let r: IteratorResult<Uint8Array>;
  try {
    r = await it.next();
  } catch (e) {
    sourceError(stats, e);
    return null;
  }
  if (r.done) return null;
  const b = toBuffer(r.value);
  stats.bytesIn += b.length;
  return b;
}

/** Close a source we stopped reading early; its own errors on close are irrelevant then. */
async function closeSource(it: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    /* ignore */
  }
}

async function* run(
  src: AsyncIterable<Uint8Array>,
  stats: DecodeStats,
  lines: LineDecoder,
  chunkSize: number,
  step: number,
  fine: { from: number; step: number } | undefined,
): AsyncGenerator<DecodedEvent[], void, undefined> {
  const it = src[Symbol.asyncIterator]();

  // Sniff: read until we hold 2 bytes (chunks may be tiny) or the source ends.
  const head: Buffer[] = [];
  let headLen = 0;
  let srcDone = false;
  try {
    while (headLen < 2) {
      const r = await it.next();
      if (r.done) {
        srcDone = true;
        break;
      }
      const b = toBuffer(r.value);
      stats.bytesIn += b.length;
      if (b.length > 0) {
        head.push(b);
        headLen += b.length;
      }
    }
  } catch (e) {
    srcDone = true;
    sourceError(stats, e);
  }
  const byteAt = (i: number): number => (head[0].length > i ? head[0][i] : head[1][i - head[0].length]);
  stats.gzip = headLen >= 2 && byteAt(0) === 0x1f && byteAt(1) === 0x8b;

  if (stats.gzip) {
    yield* inflate(it, head, srcDone, stats, lines, chunkSize, step, fine);
    return;
  }

  // Plain NDJSON: the source chunks are the lines' bytes.
  let out: DecodedEvent[] = [];
  try {
    for (const b of head) {
      stats.bytesOut += b.length;
      lines.push(b, out);
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
    while (!srcDone) {
      const b = await pull(it, stats);
      if (b === null) {
        srcDone = true;
        break;
      }
      stats.bytesOut += b.length;
      lines.push(b, out);
      if (out.length > 0) {
        yield out;
        out = [];
      }
    }
  } finally {
    if (!srcDone) await closeSource(it); // consumer stopped early (break / throw)
  }
  if (stats.error) lines.abandon();
  else lines.end(out);
  if (out.length > 0) yield out;
}

/** Resolves when the writable side may take more, or can never again (closed / errored). */
function writable(gz: Gunzip): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      gz.off('drain', done);
      gz.off('close', done);
      gz.off('error', done);
      resolve();
    };
    gz.on('drain', done);
    gz.on('close', done);
    gz.on('error', done);
  });
}

async function* inflate(
  it: AsyncIterator<Uint8Array>,
  head: Buffer[],
  srcAlreadyDone: boolean,
  stats: DecodeStats,
  lines: LineDecoder,
  chunkSize: number,
  pieceSize: number,
  fine: { from: number; step: number } | undefined,
): AsyncGenerator<DecodedEvent[], void, undefined> {
  // createGunzip decodes concatenated members by default.
  const gz = createGunzip({ chunkSize });
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

  let stopped = false; // the consumer left early
  let lastWrite: Promise<void> = Promise.resolve(); // settles when zlib has processed the latest piece
  const closed = new Promise<void>((resolve) => gz.once('close', resolve));
  /** Write `b` in pieces of at most `pieceSize` bytes; false when zlib is gone or the consumer left. */
  let fed = 0;
  const feed = async (b: Buffer): Promise<boolean> => {
    for (let off = 0; off < b.length; ) {
      if (stopped || gz.destroyed) return false;
      // Near known damage (a recovery pass), small writes: a failing inflate call then drops little output.
      const size =
        fine === undefined || fed + pieceSize <= fine.from
          ? pieceSize
          : fed < fine.from
            ? fine.from - fed
            : Math.max(1, Math.min(pieceSize, fine.step));
      const piece = off === 0 && b.length <= size ? b : b.subarray(off, off + size);
      off += piece.length;
      fed += piece.length;
      let resolveWrite!: () => void;
      lastWrite = new Promise<void>((resolve) => (resolveWrite = resolve));
      if (!gz.write(piece, () => resolveWrite())) await writable(gz);
    }
    return !(stopped || gz.destroyed);
  };
  // Feed the source into zlib, pulling only while zlib accepts input.
  const pump = (async (): Promise<void> => {
    let srcDone = srcAlreadyDone;
    try {
      for (const b of head) if (!(await feed(b))) return;
      while (!srcDone) {
        if (stopped || gz.destroyed) return;
        // A source error is recorded here, before zlib sees the end, so its "unexpected end of file" does not
        // mask the real cause.
        const b = await pull(it, stats);
        if (b === null) {
          srcDone = true;
          break;
        }
        if (!(await feed(b))) return;
      }
      if (!stopped && !gz.destroyed) {
        // Let zlib finish every piece before end(): zlib.js would otherwise inflate the last piece together
        // with Z_FINISH, and on a truncated stream that native call fails and its output is lost.
        await Promise.race([lastWrite, closed]);
        if (!stopped && !gz.destroyed) gz.end();
      }
    } finally {
      if (!srcDone) await closeSource(it);
    }
  })();

  let out: DecodedEvent[] = [];
  let completed = false;
  try {
    for (;;) {
      // read() (not the stream's async iterator) so that output buffered before a zlib error is not dropped.
      const c = gz.read() as Buffer | null;
      if (c !== null) {
        stats.bytesOut += c.length;
        lines.push(c, out);
        if (out.length > 0) {
          yield out;
          out = [];
        }
        continue;
      }
      if (ended || gzError !== null || gz.destroyed) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    completed = true;
  } finally {
    if (!completed) {
      // Consumer broke out or threw: stop everything; don't wait for a possibly stalled source.
      stopped = true;
      gz.destroy();
      pump.catch(() => undefined);
    }
  }

  if (gzError === null) {
    await pump;
  } else {
    pump.catch(() => undefined); // it sees the destroyed stream and closes the source by itself
    if (!stats.error) {
      const e: Error = gzError;
      stats.error = { stage: 'gzip', message: message(e), atByte: gz.bytesWritten, cause: e };
    }
  }
  if (stats.error) lines.abandon();
  else lines.end(out);
  if (out.length > 0) yield out;
}
