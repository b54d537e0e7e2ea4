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
