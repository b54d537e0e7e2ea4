/**
 * The worker-thread inflater. The decoder's own suites (decode.test.ts, sniff.test.ts) run with it as well; these
 * are what only a worker can get wrong: which error wins when the source fails while the worker is behind, a
 * worker that cannot start, and the source's lifetime.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { workerInflater } from '../../lambda/fdr/inflate-thread';
import { SourceError } from '../../lambda/ports';
import { chunked, collect, failing, ndjson } from './decode-helpers';

/** Poorly compressible lines (~200 bytes, ~150 compressed): many zlib writes per member. */
const lines = (n: number, from = 0) =>
  Buffer.from(ndjson(Array.from({ length: n }, (_, i) => ({ event_simpleName: 'ProcessRollup2', aid: 'a', id: `${from + i}`, r: randomBytes(96).toString('base64') }))));

describe('workerInflater', () => {
  it('reports corrupt data met before a source failure as corrupt gzip, as inline, though it read the failure first', async () => {
    // The damage (a second member that is no gzip) is ~150 KB in; the source fails ~700 KB in: inline meets the
    // damage first. The worker's caller reads up to 1 MiB ahead, so it sees the failure before the worker reaches the
    // damage: the failure must wait its turn.
    const m1 = gzipSync(lines(1500));
    expect(m1.length).toBeGreaterThan(120_000);
    const damaged = Buffer.concat([m1, Buffer.from('not a gzip member at all'), randomBytes(700_000 - m1.length)]);
    const pieces = Array.from({ length: Math.ceil(damaged.length / 65536) }, (_, i) => damaged.subarray(i * 65536, (i + 1) * 65536));
    const inline = await collect(failing(pieces, new Error('ECONNRESET')), { inflater: undefined });
    const thread = await collect(failing(pieces, new Error('ECONNRESET')), { inflater: workerInflater() });
    expect(inline.stats.error).toMatchObject({ stage: 'gzip', code: 'corrupt-gzip' });
    expect(thread.stats.error).toMatchObject({ stage: 'gzip', code: 'corrupt-gzip', atByte: inline.stats.error!.atByte });
    expect((thread.stats.error!.cause as Error & { code?: string }).code).toBe((inline.stats.error!.cause as Error & { code?: string }).code);
    expect(thread.events.map((e) => e.line)).toEqual(inline.events.map((e) => e.line));
  });

  it('reports the source failure, with its own error and position, when the data before it is sound', async () => {
    const gz = gzipSync(lines(3000));
    expect(gz.length).toBeGreaterThan(300_000);
    const pieces = [gz.subarray(0, 100_000), gz.subarray(100_000, 300_000)];
    const err = new SourceError('socket hang up', true, 'network');
    const inline = await collect(failing(pieces, err), { inflater: undefined });
    const thread = await collect(failing(pieces, err), { inflater: workerInflater() });
    expect(thread.stats.error).toMatchObject({ stage: 'source', code: 'network', transient: true, atByte: 300_000 });
    expect(thread.stats.error!.cause).toBe(err);
    expect(thread.stats.error).toEqual(inline.stats.error);
    expect(thread.events).toEqual(inline.events);
  });

  it('a worker that cannot start is a transient error, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdr-inflate-'));
    const script = join(dir, 'broken-worker.mjs');
    writeFileSync(script, "throw new Error('no inflate here');\n");
    const gz = gzipSync(lines(100));
    const { events, stats } = await collect(chunked(gz, 4096), { inflater: workerInflater({ script: pathToFileURL(script) }) });
    expect(events).toHaveLength(0);
    expect(stats.error).toMatchObject({ stage: 'source', code: 'inflate-worker', transient: true });
    expect(stats.error!.message).toContain('no inflate here');
  });

  it('decodes what inline decodes when every chunk reuses the one slot (what the decoder keeps of a chunk is a copy)', async () => {
    // 256-byte chunks: the first 1 KiB (judged before any line is read) spans four of them, and every line spans two.
    const gz = gzipSync(lines(300));
    const inline = await collect(chunked(gz, 10_000), { inflater: undefined, chunkSize: 256 });
    const thread = await collect(chunked(gz, 10_000), { inflater: workerInflater({ lead: 1 }), chunkSize: 256 });
    expect(thread.events).toHaveLength(300);
    expect(thread.events).toEqual(inline.events);
    expect(thread.stats).toEqual(inline.stats);
  });

  it('decodes what inline decodes, with small leads (every chunk waits for its acknowledgement)', async () => {
    const gz = Buffer.concat([gzipSync(lines(2000)), Buffer.alloc(33), gzipSync(lines(2000, 2000))]);
    const inline = await collect(chunked(gz, 10_000), { inflater: undefined, chunkSize: 16 * 1024 });
    const thread = await collect(chunked(gz, 10_000), { inflater: workerInflater({ lead: 1, inputAhead: 1 }), chunkSize: 16 * 1024 });
    expect(thread.events).toHaveLength(4000);
    expect(thread.events).toEqual(inline.events);
    expect(thread.stats).toEqual(inline.stats);
    expect(thread.stats.gzipPaddingBytes).toBe(33);
  });
});
