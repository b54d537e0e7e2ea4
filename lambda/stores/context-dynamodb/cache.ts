/**
 * A size-bounded LRU cache with per-entry TTL, for context items across invocations of a warm Lambda container.
 * Negative results (the key is absent) are cached like positive ones; callers store `null` for them.
 */

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  size: number;
}

export class TtlLruCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    readonly maxEntries = 10_000,
    readonly ttlMs = 5 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `undefined` when absent or expired (a cached negative result is `null`, not `undefined`). */
  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    if (e.expires <= this.now()) {
      this.map.delete(key);
      this.misses++;
      return undefined;
    }
    // Refresh recency (Map iteration order is insertion order).
    this.map.delete(key);
    this.map.set(key, e);
    this.hits++;
    return e.value;
  }

  set(key: string, value: V, ttlMs = this.ttlMs): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + ttlMs });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evictions++;
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  /** Drop every key starting with `prefix` (all keys when omitted). */
  clear(prefix?: string): void {
    if (prefix === undefined) this.map.clear();
    else for (const k of [...this.map.keys()]) if (k.startsWith(prefix)) this.map.delete(k);
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, size: this.map.size };
  }
}

let shared: TtlLruCache<unknown> | undefined;

/**
 * The container-wide cache of context items (it survives across invocations of a warm Lambda container). The
 * first call's options size it; later calls get the same cache.
 */
export function sharedContextCache(o: { maxEntries?: number; ttlMs?: number } = {}): TtlLruCache<unknown> {
  shared ??= new TtlLruCache<unknown>(o.maxEntries ?? 20_000, o.ttlMs ?? 300_000);
  return shared;
}
