/**
 * A Map that forgets its oldest insertions beyond a capacity: per-object join state (processes, identities)
 * stays bounded whatever the object size.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** Entries forgotten to stay within capacity. */
  evicted = 0;

  constructor(readonly capacity: number) {}

  set(key: K, value: V): void {
    this.map.delete(key); // re-insert at the young end
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      this.map.delete(this.map.keys().next().value as K);
      this.evicted++;
    }
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * Strings → small integer ids (1, 2, …; 0 stands for undefined), for values that many entries of an index share
 * (image names, folders, SIDs, user names): an entry keeps the id in a typed array, off the JavaScript heap, and the
 * string is kept once, as given (a caller hands in a fresh string, never a slice of a line: it would keep the line).
 *
 * Reference-counted, never reset: an entry `acquire`s the id of the value it keeps and `release`s it when its slot
 * is given to another entry. An id is reused only once no entry holds it, so an id held by an entry always names the
 * string it was acquired for; and the table holds at most as many strings as there are ids held (bounded by the
 * entries of the index, one per field), never more.
 */
export class StringIds {
  private readonly ids = new Map<string, number>();
  /** id → its string (index 0: undefined), and how many holders it has. */
  private readonly strings: (string | undefined)[] = [undefined];
  private refs = new Int32Array(64);
  private readonly free: number[] = [];

  /** Distinct strings held. */
  get size(): number {
    return this.ids.size;
  }

  /** The id of `s` (0 for undefined), with one more holder. */
  acquire(s: string | undefined): number {
    if (s === undefined) return 0;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.free.pop() ?? this.strings.length;
      if (id >= this.refs.length) {
        const refs = new Int32Array(this.refs.length * 2);
        refs.set(this.refs);
        this.refs = refs;
      }
      this.strings[id] = s;
      this.ids.set(s, id);
    }
    this.refs[id]++;
    return id;
  }

  /** One more holder of a held id (0: none). */
  hold(id: number): number {
    if (id !== 0) this.refs[id]++;
    return id;
  }

  /** One holder of `id` fewer (0: none); the string is forgotten, and its id free again, with the last. */
  release(id: number): void {
    if (id === 0) return;
    if (--this.refs[id] > 0) return;
    this.ids.delete(this.strings[id]!);
    this.strings[id] = undefined;
    this.free.push(id);
  }

  /** The string of a held id (undefined for 0). */
  value(id: number): string | undefined {
    return this.strings[id];
  }
}

/**
 * Short strings kept per slot in chunks of bytes outside the JavaScript heap (command lines of the process index:
 * unique per entry, so sharing them would not help). Written in slot order — the slots of a KeyRing, handed out as
 * a ring — and read back (decoded into a new string) only when asked for.
 *
 * A string of code units all below 0x80 is kept as one byte per unit, any other as UTF-16 (two bytes per unit, lone
 * surrogates included): both read back exactly. Strings are appended one after the other (one that would not fit in
 * what is left of a chunk starts the next), and a chunk is let go, or reused, only once every string in it has been
 * forgotten: a string still held is never overwritten. The chunks held are what the strings of the last `slots`
 * writes take, rounded up to whole chunks: at most `slots × 2 × maxUnits` bytes plus two chunks and the ends of
 * chunks left over. Nothing is copied as it grows.
 */
export class TextRing {
  /** chunks[k] holds positions [(first + k) × chunkBytes, (first + k + 1) × chunkBytes): a position only grows. */
  private readonly chunks: Buffer[] = [];
  private first = 0;
  private spare: Buffer | undefined;
  private readonly chunkBytes: number;
  /** Per slot: where its string starts, and its size: 0 for none, else 1 + 2 × bytes + (1 if UTF-16). */
  private at = new Float64Array(0);
  private sizes = new Int32Array(0);
  /** The end of the last string forgotten (nothing before it is held), and the next position to write. */
  private start = 0;
  private end = 0;
  /** Strings set so far: the next slot is `writes % slots`. */
  private writes = 0;

  constructor(
    readonly slots: number,
    private readonly maxUnits: number,
    chunkBytes = 256 * 1024,
  ) {
    this.chunkBytes = Math.max(2 * maxUnits, Math.min(chunkBytes, slots * 2 * maxUnits));
  }

  /** Bytes allocated for strings (chunks held). */
  get allocated(): number {
    return (this.chunks.length + (this.spare ? 1 : 0)) * this.chunkBytes;
  }

  /**
   * Keep `s` (at most `maxUnits` long) for `slot`, which must be the slot after the last one written (in ring order:
   * 0, 1, …, slots - 1, 0, …, as a KeyRing hands them out): what it held before is the oldest string, and is forgotten.
   */
  set(slot: number, s: string | undefined): void {
    if (s !== undefined && s.length > this.maxUnits) throw new RangeError(`TextRing string of ${s.length} units, more than ${this.maxUnits}`);
    // Only in ring order is what the slot held the oldest string (anything else could let a held string be overwritten).
    if (slot !== this.writes % this.slots) throw new Error(`TextRing: slot ${slot} written out of ring order (${this.writes % this.slots} is next)`);
    this.writes++;
    if (slot >= this.sizes.length) this.growSlots(slot);
    const old = this.sizes[slot];
    if (old !== 0) {
      this.start = this.at[slot] + ((old - 1) >> 1);
      this.dropChunks();
    }
    if (s === undefined) {
      this.sizes[slot] = 0;
      return;
    }
    const ascii = Buffer.byteLength(s, 'utf8') === s.length;
    const n = ascii ? s.length : 2 * s.length;
    const chunkBytes = this.chunkBytes;
    let pos = this.end;
    let offset = pos % chunkBytes;
    if (offset + n > chunkBytes) {
      pos += chunkBytes - offset; // the rest of this chunk stays unused
      offset = 0;
    }
    const c = Math.floor(pos / chunkBytes) - this.first;
    if (c === this.chunks.length) {
      this.chunks.push(this.spare ?? Buffer.allocUnsafeSlow(chunkBytes));
      this.spare = undefined;
    }
    this.chunks[c].write(s, offset, n, ascii ? 'latin1' : 'utf16le');
    this.at[slot] = pos;
    this.sizes[slot] = 1 + ((n << 1) | (ascii ? 0 : 1));
    this.end = pos + n;
  }

  /** The string kept for `slot`, or undefined. */
  get(slot: number): string | undefined {
    const code = slot < this.sizes.length ? this.sizes[slot] : 0;
    if (code === 0) return undefined;
    const n = (code - 1) >> 1;
    const pos = this.at[slot];
    const offset = pos % this.chunkBytes;
    return this.chunks[Math.floor(pos / this.chunkBytes) - this.first].toString((code - 1) & 1 ? 'utf16le' : 'latin1', offset, offset + n);
  }

  /** Let go of the chunks wholly before `start` (one is kept for reuse). */
  private dropChunks(): void {
    while (this.chunks.length > 1 && (this.first + 1) * this.chunkBytes <= this.start) {
      this.spare = this.chunks.shift();
      this.first++;
    }
  }

  private growSlots(slot: number): void {
    const n = Math.min(this.slots, Math.max(slot + 1, this.sizes.length * 2, 1024));
    const at = new Float64Array(n);
    at.set(this.at);
    this.at = at;
    const sizes = new Int32Array(n);
    sizes.set(this.sizes);
    this.sizes = sizes;
  }
}
