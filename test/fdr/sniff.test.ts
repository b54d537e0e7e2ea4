// What the decoder does with bytes that are not FDR NDJSON: named, permanent, nothing read as events.
import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { sniffContent, sniffObject } from '../../lambda/fdr/sniff';
import { SourceError } from '../../lambda/ports';
import { chunked, collect, failing, inflateWith, INFLATERS, ndjson } from './decode-helpers';

/** Random bytes that start like nothing in particular (no magic number by chance). */
const noise = (n: number): Buffer => {
  const b = randomBytes(n);
  b[0] = 0x13;
  b[1] = 0x37;
  return b;
};
/** Random bytes without a NUL byte: binary all the same (controls, invalid UTF-8). */
const noNul = (n: number): Buffer => Buffer.from(noise(n).map((x) => x || 1));
const line = (i: number) => ({ event_simpleName: 'ProcessRollup2', id: `id-${i}`, aid: 'a' });
const text = Buffer.from(ndjson(Array.from({ length: 50 }, (_, i) => line(i))));

describe('sniffObject / sniffContent', () => {
  it.each([
    ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00])],
    ['bzip2', Buffer.from('BZh91AY&SY')],
    ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00])],
    ['zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])],
    ['7z', Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00])],
    ['lz4', Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64])],
    ['UTF-16 LE text', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}', 'utf16le')])],
    ['UTF-16 BE text', Buffer.from([0xfe, 0xff, 0x00, 0x7b])],
    ['zlib (deflate) stream', deflateSync(text)],
    ['binary data', noise(1024)],
    ['binary data', noNul(1024)],
    ['binary data', Buffer.from(noNul(4096).map((x) => (x < 0x20 ? 0x41 : x)))], // no controls: invalid UTF-8
    ['binary data', Buffer.from('{"a":1}\u0000\u0000\u0000')],
  ])('%s', (format, bytes) => {
    expect(sniffObject(bytes)).toEqual({ kind: 'unsupported', format });
  });

  it('gzip, NDJSON (with BOM and leading whitespace), other text and the empty object', () => {
    expect(sniffObject(gzipSync(text))).toEqual({ kind: 'gzip' });
    expect(sniffObject(text)).toEqual({ kind: 'text' });
    expect(sniffObject(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('  \r\n'), text]))).toEqual({ kind: 'text' });
    expect(sniffObject(Buffer.from('a,b,c\n1,2,3\n'))).toEqual({ kind: 'text' });
    expect(sniffObject(Buffer.alloc(0))).toEqual({ kind: 'text' });
    // A few invalid UTF-8 bytes in a command line, and real non-ASCII text, are still text (repaired later).
    expect(sniffObject(Buffer.concat([Buffer.from('{"CommandLine":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}\n'), text]))).toEqual({ kind: 'text' });
    expect(sniffObject(Buffer.from(`{"UserName":"CORP\\josé","CommandLine":"echo €uro 😀 日本語 ${'ü'.repeat(300)}"}\n`))).toEqual({ kind: 'text' });
    expect(sniffContent(gzipSync(text))).toEqual({ kind: 'unsupported', format: 'gzip inside gzip' });
  });
});

describe.each(INFLATERS)('decodeEvents on unsupported input (%s inflate)', (_mode, inflater) => {
  beforeAll(() => inflateWith(inflater));
  it.each([
    ['random bytes named .gz', noise(64 * 1024), 'binary data'],
    ['zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(4096)]), 'zstd'],
    ['zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(4096)]), 'zip'],
    ['UTF-16 text', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.toString(), 'utf16le')]), 'UTF-16 LE text'],
    ['binary inside gzip', gzipSync(noise(8192)), 'binary data'],
    ['gzip inside gzip', gzipSync(gzipSync(text)), 'gzip inside gzip'],
  ])('%s: a permanent format error naming it, no events, no skipped lines', async (_name, bytes, format) => {
    const { events, stats } = await collect(chunked(bytes, 1000));
    expect(events).toHaveLength(0);
    expect(stats.error).toMatchObject({ stage: 'format', code: 'unsupported-format', transient: false, message: `unsupported input: ${format}` });
    expect(Object.values(stats.skipped).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('an object whose every line is invalid is an error, not a clean read', async () => {
    const { events, stats } = await collect(chunked(Buffer.from('a,b,c\n1,2,3\nnot json\n'), 7));
    expect(events).toHaveLength(0);
    expect(stats.skipped['invalid-json']).toBe(3);
    expect(stats.error).toMatchObject({ stage: 'format', code: 'no-valid-lines', transient: false });
    expect(stats.error?.message).toMatch(/all 3 lines were skipped \(invalid-json=3\)/);
    // One good line among bad ones is a clean read with counted skips.
    const mixed = await collect(chunked(Buffer.from(`garbage\n${JSON.stringify(line(1))}\n`), 5));
    expect(mixed.events).toHaveLength(1);
    expect(mixed.stats.error).toBeUndefined();
  });

  it('a source error is not taken for a format error', async () => {
    const { stats } = await collect(failing([Buffer.from('{"a":')], new SourceError('reset', true, 'network')));
    expect(stats.error).toMatchObject({ stage: 'source', transient: true, code: 'network' });
  });
});

describe.each(INFLATERS)('decodeEvents: gzip member boundaries (%s inflate)', (_mode, inflater) => {
  beforeAll(() => inflateWith(inflater));
  const half = text.indexOf('\n', text.length / 2) + 1;
  const m1 = gzipSync(text.subarray(0, half));
  const m2 = gzipSync(text.subarray(half));

  it.each([1, 7, 512, 65536])('zero padding between members is skipped, and the next member read (chunks of %i)', async (size) => {
    const padded = Buffer.concat([m1, Buffer.alloc(777), m2]);
    const { events, stats } = await collect(chunked(padded, size));
    expect(stats.error).toBeUndefined();
    expect(events.map((e) => e.event.id)).toEqual(Array.from({ length: 50 }, (_, i) => `id-${i}`));
    expect(stats.gzipPaddingBytes).toBe(777);
  });

  it('padding after the last member ends the object cleanly', async () => {
    const { events, stats } = await collect(chunked(Buffer.concat([m1, m2, Buffer.alloc(4096)]), 1000));
    expect(stats.error).toBeUndefined();
    expect(events).toHaveLength(50);
    expect(stats.gzipPaddingBytes).toBe(4096);
  });

  it('non-gzip bytes after padding are an error after everything before them was kept', async () => {
    const { events, stats } = await collect(chunked(Buffer.concat([m1, Buffer.alloc(10), Buffer.from('trailing garbage')]), 64));
    const inFirst = text.subarray(0, half).toString().split('\n').length - 1;
    expect(events.map((e) => e.event.id)).toEqual(Array.from({ length: inFirst }, (_, i) => `id-${i}`));
    expect(stats.error).toMatchObject({ stage: 'gzip', code: 'trailing-garbage', transient: false, atByte: m1.length + 10 });
  });

  it('several members with padding in between, some padding split across chunks', async () => {
    const members = [0, 1, 2, 3, 4].map((k) => {
      const lines = text.toString().split('\n').slice(k * 10, (k + 1) * 10).join('\n') + '\n';
      return gzipSync(Buffer.from(lines));
    });
    const bytes = Buffer.concat(members.flatMap((m, k) => (k === 0 ? [m] : [Buffer.alloc(k * 3), m])));
    const { events, stats } = await collect(chunked(bytes, 5));
    expect(stats.error).toBeUndefined();
    expect(events).toHaveLength(50);
  });
});
