/**
 * gzip members → inflated chunks, pull-based. The decoder's gzip stage, kept apart from line work so that it can
 * run on the calling thread (`inlineInflater`, the default) or in a worker thread (fdr/inflate-thread.ts) over
 * the same code.
 *
 * - Members follow each other. Zero bytes between or after members (padding) are skipped and counted; Node's zlib
 *   stops at them, so a fresh inflate is started at the next member here. Other bytes after a member are a
 *   `trailing-garbage` error, after everything before them was yielded.
 * - Nothing is read from the input faster than the consumer pulls chunks (zlib's readable side applies
 *   backpressure; the input is only pulled while zlib accepts it, at most one write ahead of the one zlib takes).
 * - Never throws for bad data: a zlib error (corrupt or truncated gzip) ends the iteration after all output
 *   before it was yielded, and is recorded in `report.error` with the compressed byte where it was found.
 * - A consumer that stops early (`return()`) destroys zlib and closes the input.
 */
import type { TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import type { DecodeError } from './types';

/** How the gzip stage inflates. */
export interface InflateOptions {
  /** zlib's inflate chunk size (bytes of output per inflate call). */
  chunkSize: number;
  /** Compressed bytes per zlib write. */
  step: number;
  /** From compressed byte `from` on, write `step` bytes at a time (recovery near known damage). */
  fine?: { from: number; step: number };
  /**
   * The event types the decoder's prefilter looks for. An inflater with time to spare (the worker's) may find their
   * `event_simpleName` keys in each chunk itself and hand them over with it (`InflatedChunk.keyHits`).
   */
  keyTypes?: readonly string[];
}

/**
 * A chunk's `event_simpleName` keys, as the prefilter's `typedHits` over the whole chunk finds them for
 * `InflateOptions.keyTypes`: positions ascending, each hit's type as its index in keyTypes, and the keys that name
 * none of them.
 */
export interface KeyHits {
  readonly count: number;
  readonly positions: ArrayLike<number>;
  readonly types: ArrayLike<number>;
  readonly otherCount: number;
  readonly others: ArrayLike<number>;
}

/** An inflated chunk, with its key hits when the inflater found them. */
export type InflatedChunk = Buffer & { keyHits?: KeyHits };

/** What the gzip stage reports besides its output (a subset of DecodeStats, so the decoder can pass its own). */
export interface InflateReport {
  /** The first error. A gzip error is only recorded when none was recorded before (the input's own comes first). */
  error?: DecodeError;
  /** Zero bytes skipped between or after members. */
  gzipPaddingBytes?: number;
}

/**
 * Inflates the input's gzip members into chunks. `inlineInflater` runs it on the calling thread; a worker-thread
 * inflater (fdr/inflate-thread.ts) has the same contract. A chunk is the caller's until it asks for the next one: the
 * worker's chunks are views of a ring that the next ones overwrite, so a caller that keeps bytes copies them.
 */
export type Inflater = (input: PullInput, o: InflateOptions, report: InflateReport) => AsyncIterable<InflatedChunk>;

/**
 * Inflated chunks zlib may hold ready ahead of the consumer. With Node's default (16 KiB: less than one chunk) zlib
 * stops after every chunk until that chunk is read, so each chunk that takes the consumer longer than the next takes
 * zlib leaves zlib's thread idle; a few chunks of slack absorb the variation (replay of the bench's 400 MB input:
 * about 10 % less wall time).
 */
const READ_AHEAD_CHUNKS = 4;

/**
 * A pull-based byte reader with push-back (what a finished gzip member did not consume goes back). Subclasses say
 * where bytes come from (`pull`) and how to stop it (`stop`).
 */
export abstract class PullInput {
  private readonly pushedBack: Buffer[] = [];

  /** The next non-empty chunk from the source, or null at its end (or after a failure the subclass recorded). */
  protected abstract pull(): Promise<Buffer | null>;

  /** Stop a source that was not read to its end. */
  protected abstract stop(): Promise<void>;

  /** The next non-empty chunk, or null at the end. */
  next(): Promise<Buffer | null> {
    const back = this.pushedBack.shift();
    return back !== undefined ? Promise.resolve(back) : this.pull();
  }

  /**
   * The next bytes, at least `min` of them unless the input ends first: small source chunks (an HTTP body arrives in
   * socket-sized pieces of 16–64 KiB) are joined, so that zlib gets writes of a useful size.
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

  /** Stop reading; the source's own errors on close are irrelevant then. */
  async close(): Promise<void> {
    this.pushedBack.length = 0;
    await this.stop();
  }
}

/** The first `n` bytes (fewer at the end of input), left in the input to be read again. */
export async function peek(input: PullInput, n: number): Promise<Buffer> {
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

/**
 * A gzip-stage error. The first error wins, with one exception: damage found in the bytes before the point where the
 * source failed is reported, not the failure. (Writes are joined up to `step` bytes, so the source may fail while a
 * write is being gathered, before zlib meets damage earlier in it; inline and in a worker alike.) A stream cut short
 * by the failure fails at the failure's own position (zlib took every byte before it): the source's error stands.
 */
export function fail(report: InflateReport, code: string, msg: string, atByte: number, cause?: unknown): void {
  const prior = report.error;
  if (prior === undefined || (prior.stage === 'source' && atByte < prior.atByte)) {
    report.error = { stage: 'gzip', message: msg, transient: false, code, atByte, cause };
  }
}

/** gzip members one after another, on the calling thread. */
export const inlineInflater: Inflater = (input, o, report) => inflateMembers(input, o, report);

/**
 * One zlib instance, from compressed byte `offset` on: its output, then the compressed bytes it consumed when it ended
 * a member with input left over (what it did not take is pushed back), or null when the input ended or failed (or
 * zlib failed: recorded with `fail`). `member` below runs zlib's stream; fdr/inflate-sync.ts its handle, synchronously.
 */
export type MemberInflate = (input: PullInput, o: InflateOptions, offset: number, report: InflateReport) => AsyncGenerator<Buffer, number | null, undefined>;

/** gzip members one after another, with zero padding between them skipped. */
export async function* inflateMembers(input: PullInput, o: InflateOptions, report: InflateReport, inflateMember: MemberInflate = member): AsyncGenerator<Buffer, void, undefined> {
  let offset = 0; // compressed bytes taken by earlier zlib instances (and padding): where this one starts
  for (;;) {
    const consumed = yield* inflateMember(input, o, offset, report);
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
    report.gzipPaddingBytes = (report.gzipPaddingBytes ?? 0) + padding;
    offset += padding;
    if (next === null) return; // padding at the end: a clean end
    const magic = await peek(input, 2);
    if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
      fail(report, 'trailing-garbage', `unexpected data after a gzip member (${padding} zero bytes, then non-gzip bytes at byte ${offset})`, offset);
      await input.close();
      return;
    }
  }
}

/**
 * The size of the zlib write that starts at compressed byte `at`: `o.step`, and near known damage (a recovery pass)
 * small writes, so that a failing inflate call drops little output.
 */
export function writeSize(o: InflateOptions, at: number): number {
  if (o.fine === undefined || at + o.step <= o.fine.from) return o.step;
  return at < o.fine.from ? o.fine.from - at : Math.max(1, Math.min(o.step, o.fine.step));
}

/** One zlib instance as a stream (a MemberInflate). */
async function* member(input: PullInput, o: InflateOptions, offset: number, report: InflateReport): AsyncGenerator<Buffer, number | null, undefined> {
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

  let stopped = false; // the consumer left early
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

  /** What zlib left of the input when it ended the member (to go back to the input, in order). */
  let leftover: Buffer[] = [];
  /** Write `b` in pieces of at most `o.step` bytes; false when zlib is gone, the consumer left or the member ended. */
  const feed = async (b: Buffer): Promise<boolean> => {
    for (let off = 0; off < b.length; ) {
      if (gone()) return false;
      const size = writeSize(o, offset + fed);
      const piece = off === 0 && b.length <= size ? b : b.subarray(off, off + size);
      off += piece.length;
      fed += piece.length;
      await write(piece);
      if (!gone() && gz.bytesWritten < fed) {
        // zlib ended a member and left the rest of the input alone (it stops at zero padding): give it back.
        memberEnd = true;
        leftover = [piece.subarray(piece.length - (fed - gz.bytesWritten)), b.subarray(off)];
        fed = gz.bytesWritten;
        return false;
      }
    }
    return !gone();
  };

  // Feed the input into zlib, pulling only while zlib accepts it. The next write is gathered while zlib takes the last
  // one (a source in socket-sized pieces needs many reads for one write: zlib would wait for them otherwise).
  const pump = (async (): Promise<void> => {
    let finished = false;
    let ahead: Promise<Buffer | null> | null = null;
    try {
      for (let b = await input.nextAtLeast(o.step); b !== null; b = await ahead) {
        ahead = input.nextAtLeast(o.step);
        if (!(await feed(b))) {
          if (memberEnd) {
            // Back in byte order: what this member left, then the bytes gathered after it.
            const next = await ahead;
            ahead = null;
            input.unshift(...leftover, ...(next === null ? [] : [next]));
            finished = true;
          }
          return;
        }
      }
      ahead = null;
      finished = true;
      // Every piece was processed (writes are awaited): a truncated stream fails on end() without losing output.
      if (!gone()) gz.end();
    } finally {
      if (!finished) {
        await ahead?.catch(() => null); // a read in flight returns before the source is closed under it
        await input.close();
      }
    }
  })();

  let completed = false;
  try {
    for (;;) {
      // read() (not the stream's async iterator) so that output buffered before a zlib error is not dropped.
      const c = gz.read() as Buffer | null;
      if (c !== null) {
        yield c;
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
      // The consumer left: stop everything; don't wait for a possibly stalled source (the pump closes it when it
      // notices).
      stopped = true;
      gz.destroy();
      pump.catch(() => undefined);
    }
  }

  if (gzError === null) {
    await pump;
  } else {
    pump.catch(() => undefined); // it sees the failed stream and closes the source by itself
    fail(report, 'corrupt-gzip', (gzError as Error).message, offset + gz.bytesWritten, gzError);
  }
  if (memberEnd && !report.error) {
    gz.destroy();
    return fed;
  }
  return null;
}
