import { describe, expect, it } from 'vitest';
import { StringIds, TextRing } from '../../lambda/fdr/bounded';

/** A small deterministic generator (the test must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('StringIds', () => {
  it('gives a string one id while it has holders, 0 for undefined, and forgets it with its last holder', () => {
    const ids = new StringIds();
    expect(ids.acquire(undefined)).toBe(0);
    ids.release(0); // no-op
    const a = ids.acquire('a');
    expect(ids.acquire('a')).toBe(a);
    const b = ids.acquire('b');
    expect(b).not.toBe(a);
    expect(ids.size).toBe(2);
    ids.release(a);
    expect(ids.value(a)).toBe('a'); // one holder left
    ids.release(a);
    expect(ids.value(a)).toBeUndefined();
    expect(ids.size).toBe(1);
    const c = ids.acquire('c'); // a's id, free again
    expect(c).toBe(a);
    expect([ids.value(c), ids.value(b)]).toEqual(['c', 'b']);
    expect(ids.acquire('a')).not.toBe(c); // 'a' again: a new id, 'c' keeps its own
  });

  it('never names a held id with another string, however many strings come and go (ids reused only when free)', () => {
    const next = rng(7);
    const ids = new StringIds();
    const slots: { id: number; s: string }[] = [];
    const SLOTS = 50;
    for (let step = 0; step < 20_000; step++) {
      // Mostly new strings (they churn ids), some repeated ones (they share).
      const s = next() < 0.3 ? `shared-${Math.floor(next() * 5)}` : `unique-${step}`;
      const k = step % SLOTS;
      const id = ids.acquire(s);
      if (slots[k]) ids.release(slots[k].id);
      slots[k] = { id, s };
      if (step % 101 === 0) for (const held of slots) if (held) expect(ids.value(held.id)).toBe(held.s);
    }
    for (const held of slots) expect(ids.value(held.id)).toBe(held.s);
    // Bounded by its holders: at most one string per slot, and the ids stay small.
    expect(ids.size).toBeLessThanOrEqual(SLOTS);
    expect(Math.max(...slots.map((h) => h.id))).toBeLessThanOrEqual(SLOTS + 1);
  });
});

describe('TextRing', () => {
  const samples = ['', 'cmd.exe /c dir', 'ä', 'C:\\Program Files\\x.exe "a b"', 'naïve \u2603 日本語', '😀 pair', 'lone \ud800 high', 'lone \udc00 low', '\u0000nul\u007f'];

  it('reads back exactly what was kept: ASCII, Latin-1, other BMP characters, surrogate pairs and lone surrogates', () => {
    const r = new TextRing(samples.length, 32);
    samples.forEach((s, i) => r.set(i, s));
    samples.forEach((s, i) => expect(r.get(i)).toBe(s));
    r.set(0, undefined);
    expect(r.get(0)).toBeUndefined();
    expect(r.get(samples.length + 5)).toBeUndefined(); // a slot never written
  });

  it('never overwrites a string still held, across many passes round the ring and its chunks, and stays within its bound', () => {
    const next = rng(11);
    const slots = 37;
    const maxUnits = 40;
    const chunkBytes = 128; // many chunks: strings start new chunks, chunks are dropped and reused
    const r = new TextRing(slots, maxUnits, chunkBytes);
    const model: (string | undefined)[] = [];
    let most = 0;
    for (let step = 0; step < 30_000; step++) {
      const slot = step % slots;
      const n = Math.floor(next() * (maxUnits + 1));
      let s: string | undefined = '';
      const kind = next();
      for (let i = 0; i < n; i++) s += String.fromCharCode(kind < 0.6 ? 0x20 + Math.floor(next() * 95) : kind < 0.9 ? Math.floor(next() * 0x10000) : 0xd800 + Math.floor(next() * 0x800));
      if (next() < 0.05) s = undefined;
      r.set(slot, s);
      model[slot] = s;
      most = Math.max(most, r.allocated);
      if (step % 89 === 0) for (let k = 0; k < slots; k++) expect(r.get(k)).toBe(model[k]);
    }
    for (let k = 0; k < slots; k++) expect(r.get(k)).toBe(model[k]);
    // What the last `slots` strings can take (2 bytes a unit), rounded to whole chunks, plus the chunk being filled
    // and one kept for reuse.
    expect(most).toBeLessThanOrEqual((Math.ceil((slots * 2 * maxUnits) / (chunkBytes - 2 * maxUnits + 1)) + 2) * chunkBytes);
    expect(most).toBeGreaterThan(chunkBytes);
  });

  it('allocates as strings arrive, not for its whole bound', () => {
    const r = new TextRing(100_000, 256);
    expect(r.allocated).toBe(0);
    for (let i = 0; i < 1000; i++) r.set(i, `process ${i} `.padEnd(100, 'x'));
    expect(r.allocated).toBe(256 * 1024); // 100 kB of strings: one chunk of 256 KiB
    expect(r.get(999)).toBe('process 999 '.padEnd(100, 'x'));
  });

  it('refuses slots out of ring order and strings longer than its unit bound (instead of overwriting)', () => {
    const r = new TextRing(3, 8);
    r.set(0, 'a');
    r.set(1, 'b');
    r.set(2, 'c');
    r.set(0, 'd'); // round again: slot 0 held the oldest
    expect(() => r.set(2, 'e')).toThrow(/ring order/); // slot 1 holds the oldest now
    expect([r.get(1), r.get(2), r.get(0)]).toEqual(['b', 'c', 'd']); // refused: nothing forgotten
    r.set(1, 'e');
    expect(r.get(1)).toBe('e');
    expect(() => r.set(2, 'x'.repeat(9))).toThrow(RangeError);
    expect(r.get(2)).toBe('c');
    r.set(2, 'f');
    expect([r.get(0), r.get(1), r.get(2)]).toEqual(['d', 'e', 'f']);
  });
});
