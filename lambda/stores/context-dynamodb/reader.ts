/**
 * The context table's read path, shared by the lookup store, the FDR writer (its pre-read) and the admin
 * commands: BatchGetItem in calls of ≤ 100 keys with `UnprocessedKeys` retried, an optional cache in front, and
 * `resolve`, which follows index references from the keys a query names to the entries that answer it.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffDelay, defaultSleep } from '../../aws/retry';
import type { ContextQuery, ContextStoreStats } from '../../ports';
import type { HostEntry, UserEntry } from '../../context/types';
import type { TtlLruCache } from './cache';
import {
  BATCH_GET_MAX,
  ENTRY,
  FDR,
  REF,
  hasFdr,
  hostQueryKeys,
  indexPks,
  itemValue,
  keyId,
  userQueryKeys,
  type Cached,
  type EntryItem,
  type Key,
} from './keys';

/** Lookup rounds: query keys, references, operator items under FDR-supplied names, their references. */
const MAX_ROUNDS = 4;

export interface ReaderOptions {
  tableName: string;
  doc: DynamoDBDocumentClient;
  /** Attempts for UnprocessedKeys (on top of the SDK's own retries). Default 6. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const emptyLookupStats = (): ContextStoreStats => ({ lookups: 0, keys: 0, cacheHits: 0, fetched: 0, requests: 0, degraded: 0 });

export class ContextTableReader {
  readonly tableName: string;
  readonly doc: DynamoDBDocumentClient;
  readonly stats: ContextStoreStats = emptyLookupStats();
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(o: ReaderOptions) {
    this.tableName = o.tableName;
    this.doc = o.doc;
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 6);
    this.sleep = o.sleep ?? defaultSleep;
  }

  /** Raw items for ≤ 100 keys; `UnprocessedKeys` retried with backoff. */
  async batchGet(keys: Key[], signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending: Key[] = keys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      this.stats.requests++;
      const res = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }), {
        abortSignal: signal,
      });
      items.push(...((res.Responses?.[this.tableName] ?? []) as Record<string, unknown>[]));
      pending = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
      if (pending.length === 0) break;
      if (attempt >= this.maxAttempts) {
        throw new Error(`BatchGetItem: ${pending.length} keys still unprocessed after ${attempt} attempts`);
      }
      await this.sleep(backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 2000 }));
    }
    return items;
  }

  /** What each key holds, through `cache` when given (absent keys are cached as null too). */
  async read(keys: Key[], cache: TtlLruCache<unknown> | null, signal?: AbortSignal): Promise<Map<string, Cached>> {
    const out = new Map<string, Cached>();
    const misses: Key[] = [];
    for (const k of keys) {
      const id = keyId(k);
      if (out.has(id)) continue;
      this.stats.keys++;
      const hit = cache ? (cache.get(this.cacheKey(k)) as Cached | undefined) : undefined;
      if (hit !== undefined) {
        this.stats.cacheHits++;
        out.set(id, hit);
      } else {
        out.set(id, null);
        misses.push(k);
      }
    }
    for (let i = 0; i < misses.length; i += BATCH_GET_MAX) {
      const chunk = misses.slice(i, i + BATCH_GET_MAX);
      const items = await this.batchGet(chunk, signal);
      this.stats.fetched += chunk.length;
      const byId = new Map(items.map((it) => [`${it.pk}|${it.sk}`, it]));
      for (const k of chunk) {
        const v = itemValue(k, byId.get(keyId(k)));
        out.set(keyId(k), v);
        cache?.set(this.cacheKey(k), v);
      }
    }
    return out;
  }

  cacheKey(k: Key): string {
    return `${this.tableName}|${k.pk}|${k.sk}`;
  }

  /**
   * Entries that can answer the queries, in a stable order: operator entries (`ENTRY`) and FDR items (`FDR`) found
   * by the query keys, by references (verified: followed only when the item still carries the key that pointed to
   * it) and, for FDR items, by the names/IPs they supply (operator entries keyed or indexed by those).
   */
  async resolve(q: ContextQuery, cache: TtlLruCache<unknown> | null, signal?: AbortSignal): Promise<{ users: UserEntry[]; hosts: HostEntry[] }> {
    const read = new Map<string, Cached>(); // `pk|sk` → value, every key read so far
    const direct = new Set<string>(); // pks asked for by a query key (or an FDR-derived one): no verification
    const wanted = new Map<string, Set<string>>(); // pk → index pks whose references pointed to it
    const derivedFrom = new Set<string>(); // `pk|sk` of FDR items whose names were already asked for
    let pending = new Map<string, Key>();
    const ask = (keys: Map<string, Key>, isDirect: boolean): void => {
      for (const [id, k] of keys) {
        if (isDirect && k.sk !== REF) direct.add(k.pk);
        if (!read.has(id)) pending.set(id, k);
      }
    };
    const initial = new Map<string, Key>();
    for (const h of q.hosts) hostQueryKeys(h, initial);
    for (const u of q.users) userQueryKeys(u, initial);
    ask(initial, true);

    const verified = (pk: string, v: EntryItem): boolean => {
      if (direct.has(pk)) return true;
      const carries = new Set(indexPks(v.kind, v.entry));
      return [...(wanted.get(pk) ?? [])].some((ix) => carries.has(ix));
    };

    for (let round = 0; pending.size > 0 && round < MAX_ROUNDS; round++) {
      const got = await this.read([...pending.values()], cache, signal);
      pending = new Map();
      for (const [id, v] of got) read.set(id, v);
      for (const [id, v] of got) {
        if (v === null) continue;
        const [pk, sk] = id.split('|') as [string, string];
        if (sk === REF && Array.isArray(v)) {
          const follow = new Map<string, Key>();
          for (const ref of v) {
            if (!wanted.has(ref)) wanted.set(ref, new Set());
            wanted.get(ref)!.add(pk);
            follow.set(`${ref}|${ENTRY}`, { pk: ref, sk: ENTRY });
            if (hasFdr(ref)) follow.set(`${ref}|${FDR}`, { pk: ref, sk: FDR });
          }
          ask(follow, false);
        }
      }
      // FDR items name the host/user: ask for the operator items under those names and IPs (the snapshot merges).
      for (const [id, v] of read) {
        if (!v || Array.isArray(v) || !id.endsWith(`|${FDR}`) || derivedFrom.has(id)) continue;
        const pk = id.slice(0, -FDR.length - 1);
        if (!verified(pk, v)) continue;
        derivedFrom.add(id);
        const keys = new Map<string, Key>();
        if (v.kind === 'host') {
          const h = v.entry as HostEntry;
          hostQueryKeys({ computerName: h.computerName, ips: h.ips }, keys);
        } else {
          userQueryKeys({ userName: (v.entry as UserEntry).userName }, keys);
        }
        ask(keys, true);
      }
    }

    const users: UserEntry[] = [];
    const hosts: HostEntry[] = [];
    for (const id of [...read.keys()].sort()) {
      const v = read.get(id);
      if (!v || Array.isArray(v)) continue;
      const pk = id.split('|')[0];
      if (!verified(pk, v)) continue;
      if (v.kind === 'user') users.push(v.entry as UserEntry);
      else hosts.push(v.entry as HostEntry);
    }
    return { users, hosts };
  }
}
