import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE, MAX_INFLATE_INPUT } from '../../lambda/fdr/decode';
import { DEFAULT_INPUT_AHEAD } from '../../lambda/fdr/inflate-thread';
import { chunked, collect, decode, failing, inflateWith, INFLATERS, ndjson } from './decode-helpers';

const ev = (i: number, extra: Record<string, string> = {}) => ({
  event_simpleName: 'ProcessRollup2',
  id: `id-${i}`,
  TargetProcessId: `${2 ** 60 + i}`,
  ...extra,
});
const many = (n: number) => Array.from({ length: n }, (_, i) => ev(i + 1));

describe.each(INFLATERS)('decodeEvents: containers (%s inflate)', (_mode, inflater) => {
  beforeAll(() => inflateWith(inflater));
  it('decodes plain NDJSON with 1-based line numbers and the raw text', async () => {
    const text = ndjson([ev(1), ev(2), ev(3)]);
    const { events, stats } = await collect(chunked(Buffer.from(text), 10));
    expect(stats.gzip).toBe(false);
    expect(events.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(events[1].event.id).toBe('id-2');
    expect(events[1].text).toBe(JSON.stringify(ev(2)));
    expect(events[0].event.TargetProcessId).toBe(`${2 ** 60 + 1}`);
    expect(stats).toMatchObject({ lines: 3, candidates: 3, bytesIn: text.length, bytesOut: text.length });
    expect(stats.error).toBeUndefined();
  });

  it('decodes a single gzip member', async () => {
    const plain = Buffer.from(ndjson(many(500)));
    const gz = gzipSync(plain);
    const { events, stats } = await collect(chunked(gz, 4096));
    expect(stats.gzip).toBe(true);
    expect(events).toHaveLength(500);
    expect(events[499]).toMatchObject({ line: 500, event: { id: 'id-500' } });
    expect(stats).toMatchObject({ bytesIn: gz.length, bytesOut: plain.length, lines: 500, candidates: 500 });
  });

  it('decodes concatenated gzip members, including a line split across members', async () => {
    const plain = Buffer.from(ndjson(many(300)));
    const cut1 = 1000; // mid-line
    const cut2 = plain.indexOf('\n', 20_000) + 1; // on a line boundary
    const gz = Buffer.concat([
      gzipSync(plain.subarray(0, cut1)),
      gzipSync(plain.subarray(cut1, cut2)),
      gzipSync(plain.subarray(cut2)),
    ]);
    const { events, stats } = await collect(chunked(gz, 7));
    expect(stats.error).toBeUndefined();
    expect(events.map((e) => e.event.id)).toEqual(many(300).map((e) => e.id));
    expect(stats.bytesOut).toBe(plain.length);
  });

  it('members with zero padding between them: the input zlib left and the next write, gathered ahead, go back in order', async () => {
    const plain = Buffer.from(ndjson(many(600)));
    const cuts = [0, plain.indexOf('\n', 9000) + 1, plain.indexOf('\n', 30_000) + 1, plain.length];
    const members = cuts.slice(1).map((c, i) => gzipSync(plain.subarray(cuts[i], c)));
    const gz = Buffer.concat([members[0], Buffer.alloc(700), members[1], Buffer.alloc(3), members[2], Buffer.alloc(50)]);
    for (const [piece, step] of [[1000, 4096], [333, 2048], [4096, 1024], [gz.length, 1500]]) {
      const { events, stats } = await collect(chunked(gz, piece), { inflateStep: step });
      expect([piece, step, stats.error]).toEqual([piece, step, undefined]);
      expect(events.map((e) => e.event.id)).toEqual(many(600).map((e) => e.id));
      expect(stats.gzipPaddingBytes).toBe(753);
    }
  });

  it('sniffs gzip from magic bytes, not names: both byte forms of the same data decode the same', async () => {
    const plain = Buffer.from(ndjson(many(20)));
    const a = await collect(chunked(gzipSync(plain), 1)); // 1-byte chunks: the sniff spans chunks
    const b = await collect(chunked(plain, 1));
    expect(a.stats.gzip).toBe(true);
    expect(b.stats.gzip).toBe(false);
    expect(a.events).toEqual(b.events);
  });

  it('handles an empty source and a 1-byte source', async () => {
    const a = await collect(chunked(Buffer.alloc(0), 1));
    expect(a.stats).toMatchObject({ lines: 0, gzip: false });
    const b = await collect(chunked(Buffer.from('{'), 1));
    expect(b.stats.skipped['invalid-json']).toBe(1);
  });
});

describe.each(INFLATERS)('decodeEvents: line handling (%s inflate)', (_mode, inflater) => {
  beforeAll(() => inflateWith(inflater));
  it('tolerates CRLF', async () => {
    const { events, stats } = await collect(chunked(Buffer.from(ndjson(many(3), '\r\n')), 5));
    expect(events).toHaveLength(3);
    expect(events.every((e) => !e.text.endsWith('\r'))).toBe(true);
    expect(stats.lines).toBe(3);
  });

  it('strips a UTF-8 BOM at the start, even split over 1-byte chunks', async () => {
    const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ndjson(many(2)))]);
    for (const src of [chunked(buf, 1), chunked(gzipSync(buf), 3)]) {
      const { events, stats } = await collect(src);
      expect(events.map((e) => e.line)).toEqual([1, 2]);
      expect(events[0].text.startsWith('{')).toBe(true);
      expect(stats.skipped['invalid-json']).toBe(0);
    }
  });

  it('decodes multibyte UTF-8 split across chunk boundaries (plain 1-byte chunks and tiny inflate chunks)', async () => {
    const objs = [ev(1, { UserName: 'CORP\\josé', CommandLine: 'echo €uro 😀 日本語' }), ev(2, { CommandLine: 'ü'.repeat(100) })];
    const plain = Buffer.from(ndjson(objs));
    const a = await collect(chunked(plain, 1));
    const b = await collect(chunked(gzipSync(plain), 1), { chunkSize: 64 });
    for (const r of [a, b]) {
      expect(r.events.map((e) => e.event)).toEqual(objs);
      expect(r.stats.repairedUtf8 ?? 0).toBe(0);
    }
    expect(b.batches).toBeGreaterThan(1); // the tiny inflate chunks really did split the data
  });

  it('accepts a missing final newline (plain and gzip)', async () => {
    const text = ndjson(many(3)).trimEnd();
    for (const buf of [Buffer.from(text), gzipSync(text)]) {
      const { events, stats } = await collect(chunked(buf, 16));
      expect(events.map((e) => e.line)).toEqual([1, 2, 3]);
      expect(stats.lines).toBe(3);
    }
  });

  it('ignores blank and whitespace-only lines but keeps physical line numbers', async () => {
    const text = `\n${JSON.stringify(ev(1))}\n   \n\t\r\n\n${JSON.stringify(ev(2))}\n\n`;
    const { events, stats } = await collect(chunked(Buffer.from(text), 4));
    expect(events.map((e) => e.line)).toEqual([2, 6]);
    expect(stats.lines).toBe(2);
    expect(Object.values(stats.skipped).reduce((a, b) => a + b)).toBe(0);
  });

  it('counts invalid JSON and non-object lines with line numbers; samples bounded, counts exact', async () => {
    const text = [
      JSON.stringify(ev(1)),
      '{"event_simpleName":"ProcessRollup2",', // 2 invalid
      '[1,2]', // 3 not-object (array)
      '"ProcessRollup2"', // 4 not-object (string)
      'null', // 5 not-object
      '42', // 6 not-object
      'not json at all', // 7 invalid
      JSON.stringify(ev(8)),
    ].join('\n');
    const { events, stats } = await collect(chunked(Buffer.from(text), 3), { maxSkippedSamples: 3 });
    expect(events.map((e) => e.line)).toEqual([1, 8]);
    expect(stats.skipped).toEqual({ 'invalid-json': 2, 'not-object': 4, 'over-long': 0 });
    expect(stats.skippedSamples.map((s) => [s.line, s.reason])).toEqual([
      [2, 'invalid-json'],
      [3, 'not-object'],
      [4, 'not-object'],
    ]);
    expect(stats.lines).toBe(8);
    expect(stats.candidates).toBe(2);
  });

  it('keeps a line with invalid UTF-8 (bad bytes become U+FFFD) and counts it', async () => {
    const bad = Buffer.concat([Buffer.from('{"event_simpleName":"ProcessRollup2","x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const buf = Buffer.concat([Buffer.from(JSON.stringify(ev(1)) + '\n'), bad, Buffer.from(JSON.stringify(ev(3)) + '\n')]);
    const { events, stats } = await collect(chunked(buf, 5));
    expect(events.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(events[1].event.x).toBe('\ufffd(');
    expect(stats.repairedUtf8).toBe(1);
    expect(stats.skippedSamples).toEqual([]);
  });

  it('with a prefilter, still counts lines that are not shaped like a JSON object', async () => {
    const text = [
      JSON.stringify(ev(1)),
      'this is not json', // 2 invalid, not a candidate
      '{"event_simpleName":"DnsRequest","truncated":', // 3 invalid, not a candidate
      '[1,2]', // 4 not-object
      '  {"event_simpleName":"DnsRequest"}  ', // 5 fine, not a candidate
      JSON.stringify(ev(6)),
    ].join('\n');
    const { events, stats } = await collect(chunked(Buffer.from(text), 7), { eventTypes: ['ProcessRollup2'] });
    expect(events.map((e) => e.line)).toEqual([1, 6]);
    expect(stats.skippedSamples.map((x) => [x.line, x.reason])).toEqual([
      [2, 'invalid-json'],
      [3, 'invalid-json'],
      [4, 'not-object'],
    ]);
    expect(stats.lines).toBe(6);
  });

  it('skips an over-long line with its line number while its neighbours survive', async () => {
    const long = JSON.stringify(ev(2, { CommandLine: 'x'.repeat(500) }));
    const text = [JSON.stringify(ev(1)), long, JSON.stringify(ev(3)), long, JSON.stringify(ev(5))].join('\n');
    // within one chunk, spanning many chunks, and at the very end without a newline
    for (const size of [1 << 20, 7, 1]) {
      for (const t of [text, text + '\n' + long]) {
        const { events, stats } = await collect(chunked(Buffer.from(t), size), { maxLineBytes: 200 });
        expect(events.map((e) => e.line)).toEqual([1, 3, 5]);
        const nLong = t === text ? 2 : 3;
        expect(stats.skipped['over-long']).toBe(nLong);
        expect(stats.skippedSamples.map((s) => s.line)).toEqual([2, 4, 6].slice(0, nLong));
        expect(stats.lines).toBe(3 + nLong);
      }
    }
  });

  it('keeps memory bounded for a 64 MiB line with no newline (maxLineBytes 1 MiB)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const CHUNK = 256 * 1024;
    const TOTAL = 64 * 1024 * 1024;
    let peak = 0;
    gc();
    const base = process.memoryUsage().arrayBuffers;
    async function* huge(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(JSON.stringify(ev(1)) + '\n{"event_simpleName":"ProcessRollup2","CommandLine":"');
      for (let sent = 0; sent < TOTAL; sent += CHUNK) {
        yield Buffer.alloc(CHUNK, 0x61); // a fresh buffer each time, as a network source would
        if ((sent / CHUNK) % 16 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
        }
      }
      yield Buffer.from('"}\n' + JSON.stringify(ev(3)) + '\n');
    }
    const { events, stats } = await collect(huge(), { maxLineBytes: 1024 * 1024 });
    expect(events.map((e) => e.line)).toEqual([1, 3]);
    expect(stats.skippedSamples).toEqual([expect.objectContaining({ line: 2, reason: 'over-long' })]);
    expect(stats.bytesIn).toBeGreaterThan(TOTAL);
    // Accumulating the line would hold ≥ 64 MiB; the decoder holds at most ~maxLineBytes + a chunk.
    expect(peak).toBeLessThan(8 * 1024 * 1024);
  });
});

describe.each(INFLATERS)('decodeEvents: damaged streams never throw (%s inflate)', (_mode, inflater) => {
  beforeAll(() => inflateWith(inflater));
  // Poorly compressible lines (pseudo-random hex), so that the compressed stream has many zlib writes and calls (some MB:
  // several inflate chunks before the damage).
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32).toString(16).slice(2);
  const plain = Buffer.from(ndjson(many(20000).map((e) => ({ ...e, r: rnd() + rnd() + rnd() }))));
  const contiguous = (lines: number[]) => expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
  /** Lines whose bytes lie within the first `bytes` of `buf`. */
  const linesWithin = (buf: Buffer, bytes: number) => buf.subarray(0, bytes).toString().split('\n').length - 1;

  it('truncated gzip: yields every complete line before the cut, then stats.error stage gzip', async () => {
    const gz = gzipSync(plain);
    const cut = gz.subarray(0, Math.floor(gz.length / 2));
    const { events, stats } = await collect(chunked(cut, 8192));
    expect(stats.error).toMatchObject({ stage: 'gzip' });
    // Everything zlib can recover from the truncated stream, exactly (the cut line itself is dropped).
    const recoverable = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(events).toHaveLength(linesWithin(recoverable, recoverable.length));
    contiguous(events.map((e) => e.line));
    expect(stats.skipped['invalid-json']).toBe(0);
  });

  it('corrupt bytes mid-stream: a valid contiguous prefix up to (nearly) the damage, then stage gzip', async () => {
    // Node's zlib drops the output of the native call that hits the damage: at most one inflate chunk
    // (DEFAULT_CHUNK_SIZE) of output before the corruption point is lost, whatever the write size (decode.ts).
    const half = plain.indexOf('\n', plain.length / 2) + 1;
    const m1 = gzipSync(plain.subarray(0, half));
    const m2 = gzipSync(plain.subarray(half));
    const maxLost = Math.ceil((DEFAULT_CHUNK_SIZE / half) * linesWithin(plain, half)) + 1;
    for (const [name, gz, before] of [
      ['inside the deflate data', Buffer.concat([m1, m2.subarray(0, 5000), Buffer.alloc(100, 0x55), m2.subarray(5100)]), half],
      ['in the next member header', Buffer.concat([m1, Buffer.from('not a gzip member at all')]), half],
    ] as const) {
      const { events, stats } = await collect(chunked(gz, 65536));
      expect(stats.error?.stage, name).toBe('gzip');
      expect(stats.error?.atByte).toBeGreaterThan(0);
      // Corrupt deflate data may inflate to garbage before zlib notices (the CRC is only checked at the end of
      // the member): such garbage lines are counted as bad lines, but everything before them is intact.
      const intact = linesWithin(plain, before) - maxLost;
      expect(intact, 'most lines before the damage are owed').toBeGreaterThan(linesWithin(plain, before) / 2);
      expect(events.length, name).toBeGreaterThanOrEqual(intact);
      contiguous(events.slice(0, intact).map((e) => e.line));
    }
  });

  it('a source that throws mid-way (gzip): events before are yielded, stage source', async () => {
    const gz = gzipSync(plain);
    const pieces = [gz.subarray(0, 10_000), gz.subarray(10_000, 20_000)];
    const { events, stats } = await collect(failing(pieces, new Error('ECONNRESET')));
    expect(stats.error).toMatchObject({ stage: 'source', message: 'ECONNRESET', atByte: 20_000 });
    // Nothing is lost on a source error: zlib flushes all it can from the bytes received.
    const recoverable = gunzipSync(gz.subarray(0, 20_000), { finishFlush: constants.Z_SYNC_FLUSH });
    expect(events).toHaveLength(linesWithin(recoverable, recoverable.length));
    contiguous(events.map((e) => e.line));
  });

  it('a source that throws mid-way (plain): complete lines yielded, the cut line dropped, stage source', async () => {
    const cut = plain.indexOf('\n', 1000) + 20; // 20 bytes into a line
    const { events, stats } = await collect(failing([plain.subarray(0, cut)], new Error('socket hang up')));
    const complete = plain.subarray(0, cut).toString().split('\n').length - 1;
    expect(events).toHaveLength(complete);
    expect(stats.error).toMatchObject({ stage: 'source', atByte: cut });
    expect(stats.skipped['invalid-json']).toBe(0);
  });

  it('a source that throws before any byte', async () => {
    const { events, stats } = await collect(failing([], new Error('403')));
    expect(events).toHaveLength(0);
    expect(stats.error).toMatchObject({ stage: 'source', atByte: 0 });
  });
});

describe.each(INFLATERS)('decodeEvents: consumer and backpressure (%s inflate)', (_mode, inflater) => {
  beforeAll(() => inflateWith(inflater));
  function infinite(gzip: boolean) {
    const state = { pulledBytes: 0, closed: false };
    const line = Buffer.from(JSON.stringify(ev(1)) + '\n');
    const block = Buffer.concat(Array.from({ length: 200 }, () => line));
    const body = gzip ? gzipSync(block) : block;
    const src: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        return {
          async next() {
            state.pulledBytes += body.length;
            return { done: false, value: Buffer.from(body) };
          },
          async return() {
            state.closed = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    return { src, state };
  }

  for (const gzip of [false, true]) {
    it(`pulls lazily and closes the source when the consumer stops early (${gzip ? 'gzip' : 'plain'})`, async () => {
      const { src, state } = infinite(gzip);
      const { events } = decode(src);
      let n = 0;
      for await (const batch of events) {
        n += batch.length;
        if (n > 1000) break;
      }
      await new Promise((r) => setTimeout(r, 20));
      // An infinite source: only what was needed plus two zlib writes (small source chunks are joined into writes of
      // up to MAX_INFLATE_INPUT; the next is gathered while zlib takes the last), zlib's 16 KiB input buffer and one
      // chunk; a worker thread's input lead besides.
      const lead = gzip && inflater !== undefined ? DEFAULT_INPUT_AHEAD : 0;
      expect(state.pulledBytes).toBeLessThan(200 * 1024 + (gzip ? 2 * MAX_INFLATE_INPUT : 0) + lead);
      expect(state.closed).toBe(true);
    });

    it(`does not swallow consumer exceptions (${gzip ? 'gzip' : 'plain'})`, async () => {
      const { src, state } = infinite(gzip);
      const { events } = decode(src);
      const boom = new Error('consumer failed');
      await expect(
        (async () => {
          for await (const _batch of events) throw boom;
        })(),
      ).rejects.toBe(boom);
      await new Promise((r) => setTimeout(r, 20));
      expect(state.closed).toBe(true);
    });
  }

  it('updates stats progressively', async () => {
    const { events, stats } = decode(chunked(Buffer.from(ndjson(many(100))), 500));
    const seen: number[] = [];
    for await (const _b of events) seen.push(stats.lines);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[0]).toBeLessThan(100);
    expect(stats.lines).toBe(100);
  });
});
