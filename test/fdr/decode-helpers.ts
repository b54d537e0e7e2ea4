import { decodeEvents } from '../../lambda/fdr/decode';
import type { DecodedEvent, DecodeOptions, DecodeStats } from '../../lambda/fdr/types';

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
  const { events, stats } = decodeEvents(src, opts);
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
