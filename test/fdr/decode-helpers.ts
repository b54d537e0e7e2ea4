import { decodeEvents } from '../../lambda/fdr/decode';
import { inflateMembers, type Inflater } from '../../lambda/fdr/inflate';
import { syncMember } from '../../lambda/fdr/inflate-sync';
import { workerInflater } from '../../lambda/fdr/inflate-thread';
import type { DecodedEvent, DecodeOptions, DecodeStats } from '../../lambda/fdr/types';

/**
 * zlib's synchronous calls (the worker's engine) on the calling thread, into one buffer that every call reuses: what
 * the decoder keeps of a chunk must be a copy.
 */
const handleInflater: Inflater = (input, o, report) => {
  const slot = Buffer.alloc(o.chunkSize);
  const engine = syncMember(() => slot);
  if (engine === null) throw new Error("zlib's handle is not as fdr/inflate-sync.ts expects");
  return inflateMembers(input, o, report, engine);
};

/**
 * The decoder's suites run once per inflater: on the calling thread through zlib's stream (the default) and by
 * synchronous calls, and in a worker thread by either.
 */
export const INFLATERS: [string, Inflater | undefined][] = [
  ['inline', undefined],
  ['inline handle', handleInflater],
  ['thread', workerInflater()],
  ['thread stream', workerInflater({ engine: 'stream' })],
];
let inflater: Inflater | undefined;
/** The inflater `decode` and `collect` use from now on. */
export function inflateWith(i: Inflater | undefined): void {
  inflater = i;
}

/** decodeEvents with the current inflater (unless `opts` names one). */
export function decode(src: AsyncIterable<Uint8Array>, opts?: DecodeOptions): ReturnType<typeof decodeEvents> {
  return decodeEvents(src, { inflater, ...opts });
}

/** Yield `buf` in pieces of `size` bytes (fresh copies, like a network source). */
export async function* chunked(buf: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield Uint8Array.prototype.slice.call(buf, i, i + size);
}

/** Yield the pieces, then throw `err` (a source failing mid-way). */
export async function* failing(pieces: Uint8Array[], err: Error): AsyncGenerator<Uint8Array> {
  for (const p of pieces) yield p;
  throw err;
}

export async function collect(
  src: AsyncIterable<Uint8Array>,
  opts?: DecodeOptions,
): Promise<{ events: DecodedEvent[]; stats: DecodeStats; batches: number }> {
  const { events, stats } = decode(src, opts);
  const all: DecodedEvent[] = [];
  let batches = 0;
  for await (const batch of events) {
    batches++;
    all.push(...batch);
  }
  return { events: all, stats, batches };
}

export function ndjson(objs: unknown[], eol = '\n'): string {
  return objs.map((o) => JSON.stringify(o)).join(eol) + eol;
}
