/**
 * Bounded, insertion-ordered key → slot tables on typed arrays, for the per-object join indexes (processes,
 * identities). A process start or logon is one entry: keeping it must not cost a heap object per line (the indexes
 * hold up to 100k entries per object, and every object the garbage collector has to trace or copy is paid again at
 * each collection: that, not the lookups, was most of what the string-keyed Maps cost). Nor does it cost JavaScript
 * heap: typed arrays keep their elements outside it, and V8 sizes its old generation as a multiple of the live heap,
 * so entries kept there would raise the process's peak memory by more than their own size. (The price, measured on a
 * 400 MB replay: with the join indexes off the heap its old generation stays near 8 MB and V8 runs about 25 short
 * mark-compacts instead of 5, some 5 % of wall time. It is the small old generation that sets them off, not the
 * typed arrays' external memory: 80 MB more of typed arrays leave the count as it is, 20 MB more on the heap bring
 * it down to one.)
 *
 * A key is a pair (a, b): `a` a small integer (an id from `KeyIds`, e.g. the host's aid), `b` a number (a numeric
 * process or logon id as it is, or a negative id of a string from `KeyIds`). Slots are handed out in insertion order
 * as a ring of `capacity`: when it is full the oldest entry is forgotten; re-inserting a key moves it to the young
 * end (its old slot is dead and skipped when the ring comes round).
 */

import { rawString, readValue } from './extract';

const EMPTY = 0;
const MIN_BUCKETS = 1024;
const MIN_SLOTS = 1024;

export class KeyRing {
  /**
   * Open addressing (linear probing); `vals` holds slot + 1, 0 for an empty bucket. A bucket's key is its slot's
   * (4 bytes a bucket: the table is at most half full). Grown as entries arrive.
   */
  private vals = new Int32Array(MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  private live = 0;
  /** Per slot: its key, and whether it is still that key's slot. Grown (doubling) up to `capacity`. */
  private slotA = new Int32Array(0);
  private slotB = new Float64Array(0);
  private alive = new Uint8Array(0);
  /** Insertions so far (the next slot is `seq % capacity`), and the oldest position not yet forgotten. */
  private seq = 0;
  private tail = 0;
  private forgotten = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`KeyRing capacity must be a positive integer, not ${capacity}`);
    this.growSlots(Math.min(capacity, MIN_SLOTS));
  }

  /** Keys held. */
  get size(): number {
    return this.live;
  }

  /** Live entries forgotten to stay within bounds. */
  get evicted(): number {
    return this.forgotten;
  }

  /** Slots allocated so far: doubled as entries arrive, never beyond `capacity`. */
  get slots(): number {
    return this.alive.length;
  }

  /** The slot of key (a, b), or -1. */
  find(a: number, b: number): number {
    const slotA = this.slotA;
    const slotB = this.slotB;
    const vals = this.vals;
    for (let i = hash(a, b) & this.mask; ; i = (i + 1) & this.mask) {
      const v = vals[i];
      if (v === EMPTY) return -1;
      if (slotA[v - 1] === a && slotB[v - 1] === b) return v - 1;
    }
  }

  /**
   * The slot for key (a, b), made the youngest: a new slot, forgetting the oldest entry when the ring is full. What
   * the caller kept in the key's previous slot is no longer reachable through the key.
   */
  insert(a: number, b: number): number {
    if ((a | 0) !== a) throw new RangeError(`KeyRing key a must be a 32-bit integer, not ${a}`);
    const bucket = this.bucketOf(a, b);
    if (this.vals[bucket] !== EMPTY) this.alive[this.vals[bucket] - 1] = 0;
    if (this.seq - this.tail >= this.capacity) this.forgetOldest();
    const slot = this.seq % this.capacity;
    if (slot >= this.alive.length) this.growSlots(Math.min(this.capacity, this.alive.length * 2));
    this.seq++;
    this.slotA[slot] = a;
    this.slotB[slot] = b;
    this.alive[slot] = 1;
    // The bucket may have moved if forgetting shifted entries back: look it up again. (The key's old slot, dead, still
    // holds the key until it is written again: then it is this very slot, with the same key.)
    const at = this.bucketOf(a, b);
    if (this.vals[at] === EMPTY) this.live++;
    this.vals[at] = slot + 1;
    if (this.live * 2 > this.vals.length) this.rehash(this.vals.length * 2);
    return slot;
  }

  /** The slot the next forgetting would free (the oldest position), or -1 when the ring is empty. */
  oldest(): number {
    return this.tail < this.seq ? this.tail % this.capacity : -1;
  }

  /** Forget the oldest position (a caller's own budget, e.g. bytes, ran out); dead slots just pass. */
  forgetOldest(): void {
    if (this.tail >= this.seq) return;
    const slot = this.tail++ % this.capacity;
    if (this.alive[slot] === 0) return;
    this.alive[slot] = 0;
    this.remove(this.bucketOf(this.slotA[slot], this.slotB[slot]));
    this.live--;
    this.forgotten++;
  }

  /** The bucket holding (a, b), or the empty bucket where it would go. */
  private bucketOf(a: number, b: number): number {
    const slotA = this.slotA;
    const slotB = this.slotB;
    const vals = this.vals;
    let i = hash(a, b) & this.mask;
    for (let v = vals[i]; v !== EMPTY && !(slotA[v - 1] === a && slotB[v - 1] === b); v = vals[i]) i = (i + 1) & this.mask;
    return i;
  }

  /** Empty bucket `i`, shifting later entries of its probe run back (no tombstones: lookups stay short). */
  private remove(i: number): void {
    const mask = this.mask;
    const slotA = this.slotA;
    const slotB = this.slotB;
    const vals = this.vals;
    for (let j = (i + 1) & mask; vals[j] !== EMPTY; j = (j + 1) & mask) {
      const home = hash(slotA[vals[j] - 1], slotB[vals[j] - 1]) & mask;
      // Entry j may fill the hole at i when its home is not within (i, j] (cyclically).
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        vals[i] = vals[j];
        i = j;
      }
    }
    vals[i] = EMPTY;
  }

  private rehash(buckets: number): void {
    const old = this.vals;
    this.vals = new Int32Array(buckets);
    this.mask = buckets - 1;
    for (let k = 0; k < old.length; k++) {
      const v = old[k];
      if (v !== EMPTY) this.vals[this.bucketOf(this.slotA[v - 1], this.slotB[v - 1])] = v;
    }
  }

  private growSlots(n: number): void {
    this.slotA = grown(this.slotA, n);
    this.slotB = grown(this.slotB, n);
    this.alive = grown(this.alive, n);
  }
}

/** `a` copied into the start of a new, longer typed array of the same kind with `n` elements (the rest zero). */
export function grown<T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** Mixes the pair into 32 bits (b's low and high words: ids up to 2^53, and negative string ids). */
function hash(a: number, b: number): number {
  const lo = b >>> 0;
  const hi = Math.floor(b / 4294967296) | 0;
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(lo, 0x85ebca6b) ^ Math.imul(hi, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

/**
 * Strings → small integer ids, for keys. Bounded: past `capacity` distinct strings the table starts afresh, with new
 * ids (never reused), so an entry keyed by a forgotten id is simply not found again — it fails open like an entry
 * the ring forgot.
 */
export class KeyIds {
  private readonly ids = new Map<string, number>();
  private next = 1;

  constructor(private readonly capacity: number) {}

  /** The string's id, assigned if new. */
  idOf(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      if (this.ids.size >= this.capacity) this.ids.clear();
      id = this.next++;
      this.ids.set(s, id);
    }
    return id;
  }

  /**
   * The id of the value at `i` of a line's text (from `valueAt`), -1 when there is none or it is empty. A JSON string
   * without an escape (aids and SIDs never hold one) is looked up as its raw text, not decoded first: a new key is kept
   * as a copy (a slice would keep the whole line alive). Anything else is read with `read` (readValue, or a caller's
   * decode-once cache over it).
   */
  idAt(text: string, i: number, read: (text: string, i: number) => string | undefined = readValue): number {
    const raw = rawString(text, i);
    if (raw !== undefined && !raw.includes('\\')) {
      if (raw === '') return -1;
      const id = this.ids.get(raw);
      return id !== undefined ? id : this.idOf(Buffer.from(raw, 'utf8').toString('utf8'));
    }
    const v = read(text, i);
    return v ? this.idOf(v) : -1;
  }

  /** The string's id if it has one, else -1. */
  peek(s: string): number {
    return this.ids.get(s) ?? -1;
  }
}

/** Longest decimal that is always an exact double (< 2^53). */
const MAX_EXACT_DIGITS = 15;

/**
 * A numeric id written as a canonical decimal (`"0"`, or digits without a leading zero, at most 15 of them) as that
 * number; -1 for anything else (a string id then stands for it). The same string always gives the same key, and two
 * different strings never do: `"12"` → 12, `"012"` → -1.
 */
export function canonicalNumber(s: string): number {
  const n = s.length;
  if (n === 0 || n > MAX_EXACT_DIGITS || (n > 1 && s.charCodeAt(0) === 0x30)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * `canonicalNumber` of the value at `i` of a line's text (from `valueAt`), read in place: a string holding only a
 * canonical decimal, or a bare JSON number token that is one. -1 when the value is anything else (then it is read the
 * slow way, with `readValue`). No allocation.
 */
export function canonicalNumberAt(text: string, i: number): number {
  if (i < 0) return -1;
  const quoted = text.charCodeAt(i) === 0x22;
  const from = quoted ? i + 1 : i;
  let j = from;
  let v = 0;
  for (; j < text.length && j - from <= MAX_EXACT_DIGITS; j++) {
    const c = text.charCodeAt(j) - 0x30;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  const n = j - from;
  if (n === 0 || n > MAX_EXACT_DIGITS || (n > 1 && text.charCodeAt(from) === 0x30)) return -1;
  const end = text.charCodeAt(j);
  if (quoted) return end === 0x22 ? v : -1;
  // A bare number ends where JSON lets it: `,` `}` `]` or blank (`1e3`, `1.5`, `-1` go the slow way).
  return end === 0x2c || end === 0x7d || end === 0x5d || end === 0x20 || end === 0x09 || end === 0x0d ? v : -1;
}
