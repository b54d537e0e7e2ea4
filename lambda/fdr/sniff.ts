/**
 * What kind of bytes an object holds, judged from its first bytes (never from its name): gzip to inflate, text to
 * split into lines, or something fdr-detect cannot read — named, so that a user replaying the wrong file or a
 * producer switching codec is told what it is instead of seeing hundreds of invalid lines.
 */

/** How many leading bytes the decision looks at (fewer when the object is shorter). */
export const SNIFF_BYTES = 1024;

export type Sniffed = { kind: 'gzip' } | { kind: 'text' } | { kind: 'unsupported'; format: string };

const MAGIC: readonly { format: string; bytes: readonly number[] }[] = [
  { format: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { format: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
  { format: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { format: 'zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { format: 'zip', bytes: [0x50, 0x4b, 0x05, 0x06] },
  { format: 'zip', bytes: [0x50, 0x4b, 0x07, 0x08] },
  { format: '7z', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { format: 'lz4', bytes: [0x04, 0x22, 0x4d, 0x18] },
  { format: 'parquet', bytes: [0x50, 0x41, 0x52, 0x31] },
  { format: 'UTF-32 LE text', bytes: [0xff, 0xfe, 0x00, 0x00] },
  { format: 'UTF-16 LE text', bytes: [0xff, 0xfe] },
  { format: 'UTF-16 BE text', bytes: [0xfe, 0xff] },
];

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[i] !== bytes[i]) return false;
  return true;
}

/** The four zlib (RFC 1950) headers encoders write: deflate, 32K window, each compression level. */
function isZlibHeader(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(head[1]);
}

/** Bytes ≥ 0x80 that are not part of a well-formed UTF-8 sequence (a sequence cut by the end of `head` is fine). */
function invalidUtf8Bytes(head: Uint8Array): number {
  let bad = 0;
  for (let i = 0; i < head.length; ) {
    const c = head[i];
    const need = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) {
      bad++;
      i++;
      continue;
    }
    let k = 1;
    while (k <= need && i + k < head.length && (head[i + k] & 0xc0) === 0x80) k++;
    if (k <= need && i + k < head.length) {
      bad++; // a lead byte without its continuation bytes
      i++;
      continue;
    }
    i += k;
  }
  return bad;
}

/**
 * Binary, not text: a NUL byte; or more than one byte in eight a control character other than tab, line feed,
 * form feed, carriage return and escape; or more than one byte in sixteen outside well-formed UTF-8. A few stray
 * bytes in a command line do not make an FDR file binary (invalid UTF-8 is repaired line by line later).
 */
function looksBinary(head: Uint8Array): boolean {
  let controls = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === 0) return true;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d && c !== 0x1b) controls++;
  }
  return controls * 8 > head.length || invalidUtf8Bytes(head) * 16 > head.length;
}

/** The first bytes of a stored object: gzip, text, or an unsupported format. */
export function sniffObject(head: Uint8Array): Sniffed {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: 'gzip' };
  return sniffContent(head);
}

/** The first bytes of decompressed content (or of a plain object without gzip magic): text, or what it is instead. */
export function sniffContent(head: Uint8Array): Sniffed {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: 'unsupported', format: 'gzip inside gzip' };
  for (const m of MAGIC) if (startsWith(head, m.bytes)) return { kind: 'unsupported', format: m.format };
  if (isZlibHeader(head)) return { kind: 'unsupported', format: 'zlib (deflate) stream' };
  if (looksBinary(head)) return { kind: 'unsupported', format: 'binary data' };
  return { kind: 'text' };
}
