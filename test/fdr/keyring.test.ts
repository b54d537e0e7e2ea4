import { describe, expect, it } from 'vitest';
import { canonicalNumber, canonicalNumberAt, KeyIds, KeyRing } from '../../lambda/fdr/keyring';
import { valueAt } from '../../lambda/fdr/extract';

/**
 * What a KeyRing must behave as: it holds the last `capacity` insertions; a key is found (with its latest value) while
 * its latest insertion is one of them. A re-inserted key's earlier insertion still takes its place in the ring.
 */
class Model {
  readonly map = new Map<string, number>();
  private readonly order: string[] = [];
  private readonly latest = new Map<string, number>();
  evicted = 0;
  constructor(private readonly capacity: number) {}
  insert(k: string, v: number): void {
    const seq = this.order.length;
    if (seq >= this.capacity) {
      const old = this.order[seq - this.capacity];
      // (The key being inserted again is not forgotten: it moves.)
      if (old !== k && this.latest.get(old) === seq - this.capacity) {
        this.map.delete(old);
        this.latest.delete(old);
        this.evicted++;
      }
    }
    this.order.push(k);
    this.latest.set(k, seq);
    this.map.set(k, v);
  }
}

/** A small deterministic generator (the test must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('KeyRing', () => {
  it('finds what was inserted and forgets the oldest key past capacity; a re-inserted key is young again', () => {
    const r = new KeyRing(3);
    const s1 = r.insert(1, 10);
    r.insert(1, 20);
    r.insert(2, 10); // a differs: another key
    expect(r.find(1, 10)).toBe(s1);
    expect(r.find(2, 20)).toBe(-1);
    const again = r.insert(1, 10); // moves to the young end: (1, 20) is now the oldest
    expect(r.find(1, 10)).toBe(again);
    expect(r.size).toBe(3);
    r.insert(3, 30);
    expect(r.find(1, 20)).toBe(-1);
    expect(r.find(2, 10)).not.toBe(-1);
    expect(r.find(1, 10)).toBe(again);
    expect(r.size).toBe(3);
    expect(r.evicted).toBe(1);
  });

  it('keeps numbers beyond 32 bits and negative (string-id) keys apart', () => {
    const r = new KeyRing(10);
    const big = 2 ** 40 + 7;
    const a = r.insert(1, big);
    const b = r.insert(1, 7);
    const c = r.insert(1, -7);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(r.find(1, big)).toBe(a);
    expect(r.find(1, 7)).toBe(b);
    expect(r.find(1, -7)).toBe(c);
    expect(r.find(1, 2 ** 40 + 8)).toBe(-1);
  });

  it('forgetOldest frees the oldest live entry and passes over dead slots', () => {
    const r = new KeyRing(4);
    r.insert(1, 1);
    r.insert(1, 2);
    r.insert(1, 1); // slot 0 is dead now
    expect(r.oldest()).toBe(0);
    r.forgetOldest(); // the dead slot: nothing forgotten
    expect(r.size).toBe(2);
    expect(r.evicted).toBe(0);
    r.forgetOldest(); // (1, 2)
    expect(r.find(1, 2)).toBe(-1);
    expect(r.find(1, 1)).not.toBe(-1);
    expect(r.evicted).toBe(1);
    r.forgetOldest();
    r.forgetOldest(); // empty: no-op
    expect(r.size).toBe(0);
    expect(r.oldest()).toBe(-1);
  });

  it('holds the last capacity insertions under random inserts, re-inserts, growth and deletions, as the model does', () => {
    // Few distinct a values and clustered b values: long probe runs, so the backward-shift deletion is exercised.
    for (const [capacity, seed] of [
      [1, 1],
      [7, 2],
      [100, 3],
      [3000, 4],
    ] as const) {
      const next = rng(seed);
      const ring = new KeyRing(capacity);
      const model = new Model(capacity);
      const vals: number[] = [];
      for (let step = 0; step < 20_000; step++) {
        const a = 1 + Math.floor(next() * 3);
        const b = next() < 0.1 ? -Math.floor(next() * 50) - 1 : Math.floor(next() * capacity * 3);
        const slot = ring.insert(a, b);
        vals[slot] = step;
        model.insert(`${a}/${b}`, step);
        if (step % 97 === 0) {
          expect(ring.size).toBe(model.map.size);
          for (let k = 0; k < 200; k++) {
            const qa = 1 + Math.floor(next() * 3);
            const qb = Math.floor(next() * capacity * 3);
            const found = ring.find(qa, qb);
            const want = model.map.get(`${qa}/${qb}`);
            expect(found === -1 ? undefined : vals[found]).toBe(want);
          }
        }
      }
      for (const [k, v] of model.map) {
        const [a, b] = k.split('/').map(Number);
        expect(vals[ring.find(a, b)]).toBe(v);
      }
      expect(ring.evicted).toBe(model.evicted);
    }
  });

  it('grows its slots by doubling up to capacity, never beyond, and forgets in FIFO order once full', () => {
    const capacity = 5000;
    const r = new KeyRing(capacity);
    expect(r.slots).toBe(1024); // small rings stay small
    for (let i = 0; i < 3000; i++) expect(r.insert(1, i)).toBe(i);
    expect(r.slots).toBe(4096);
    for (let i = 3000; i < capacity; i++) r.insert(1, i);
    expect(r.slots).toBe(capacity); // not 8192
    expect([r.size, r.evicted]).toEqual([capacity, 0]);
    // Past capacity: slots come round in order, the oldest key goes first, nothing grows.
    for (let i = capacity; i < capacity + 1500; i++) expect(r.insert(2, i)).toBe(i - capacity);
    expect(r.slots).toBe(capacity);
    expect([r.size, r.evicted]).toEqual([capacity, 1500]);
    expect(r.find(1, 1499)).toBe(-1);
    expect(r.find(1, 1500)).toBe(1500);
    expect(r.find(2, capacity + 1499)).toBe(1499);
    // Large numeric keys (beyond 32 bits, up to 2^53) and negative string ids survive the growth.
    const big = new KeyRing(4000);
    for (let i = 0; i < 4000; i++) big.insert(3, i % 2 ? 2 ** 52 + i : -i - 1);
    for (let i = 0; i < 4000; i++) expect(big.find(3, i % 2 ? 2 ** 52 + i : -i - 1)).toBe(i);
    expect(big.find(3, 2 ** 52)).toBe(-1);
  });

  it('takes only a 32-bit integer as the first half of a key', () => {
    const r = new KeyRing(2);
    expect(() => r.insert(2 ** 31, 1)).toThrow(/32-bit/);
    expect(() => r.insert(1.5, 1)).toThrow(/32-bit/);
    expect(r.size).toBe(0);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new KeyRing(0)).toThrow(/positive integer/);
    expect(() => new KeyRing(1.5)).toThrow(/positive integer/);
  });
});

describe('KeyIds', () => {
  it('gives each string one id, starts afresh past capacity and never reuses an id', () => {
    const ids = new KeyIds(2);
    const a = ids.idOf('a');
    expect(ids.idOf('a')).toBe(a);
    const b = ids.idOf('b');
    expect(b).not.toBe(a);
    expect(ids.peek('zzz')).toBe(-1);
    const c = ids.idOf('c'); // past capacity: a and b are forgotten
    expect(ids.peek('a')).toBe(-1);
    expect(ids.peek('c')).toBe(c);
    const a2 = ids.idOf('a');
    expect(new Set([a, b, c, a2]).size).toBe(4);
  });
});

describe('canonicalNumber', () => {
  it('reads a canonical decimal as its number and anything else as -1', () => {
    expect(canonicalNumber('0')).toBe(0);
    expect(canonicalNumber('12')).toBe(12);
    expect(canonicalNumber('999999999999999')).toBe(999_999_999_999_999);
    for (const s of ['', '012', '00', '1000000000000000', '-1', '1.5', '1e3', ' 1', '0x10', '１２']) expect(canonicalNumber(s)).toBe(-1);
  });

  it('reads in place what canonicalNumber reads, quoted or bare, and -1 where only the slow path can say', () => {
    const at = (json: string) => canonicalNumberAt(json, json.indexOf(':') + 1);
    expect(at('{"p":"12"}')).toBe(12);
    expect(at('{"p":12}')).toBe(12);
    expect(at('{"p":12 }')).toBe(12);
    expect(at('{"p":0,"q":1}')).toBe(0);
    expect(at('{"p":[1]}')).toBe(-1);
    for (const j of ['{"p":"012"}', '{"p":"12x"}', '{"p":"1\\u0032"}', '{"p":1e3}', '{"p":1.5}', '{"p":-1}', '{"p":"1000000000000000"}', '{"p":""}', '{"p":"12', '{"p":12'])
      expect(at(j), j).toBe(-1);
    expect(canonicalNumberAt('{}', -1)).toBe(-1);
  });
});

describe('KeyIds.idAt (a value of a line, looked up as its raw text when it holds no escape)', () => {
  it('gives the id idOf gives the decoded value, whatever form the line writes it in', () => {
    const ids = new KeyIds(100);
    const at = (json: string) => {
      const text = `{"k":${json}}`;
      return ids.idAt(text, valueAt(text, 'k'));
    };
    const plain = at('"S-1-5-21-9"');
    expect(plain).toBe(ids.idOf('S-1-5-21-9'));
    expect(at(String.raw`"S-1-5-21-\u0039"`)).toBe(plain); // escaped: decoded first
    expect(at('12')).toBe(ids.idOf('12')); // a bare number: read as text
    expect([at('""'), at('null'), ids.idAt('{"x":1}', valueAt('{"x":1}', 'k'))]).toEqual([-1, -1, -1]);
  });
});
