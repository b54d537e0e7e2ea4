/**
 * The DynamoDB adapter of the context port (table `CONTEXT_TABLE_NAME`).
 *
 * ## Item layout
 *
 * One table, string keys `pk` (partition) and `sk` (sort). Two kinds of items:
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | user entry | `USER#SID#<SID, upper case>`, or `USER#NAME#<lower name>` when the entry has no SID | `ENTRY` | `kind: "user"`, `entry` (the UserEntry map: userSid, userName, tags, owner, reason, expiresAt, …), `updatedAt` |
 * | host entry | `HOST#AID#<lower aid>`, else `HOST#NAME#<lower computerName>`, else `HOST#IP#<first ip>` | `ENTRY` | `kind: "host"`, `entry` (the HostEntry map: aid, computerName, ips, tags, owner, reason, expiresAt, …), `updatedAt` |
 * | user name index | `USER#NAME#<lower name as written>` (`corp\alice` or `alice`) | `REF` | `refs`: string set of entry pks |
 * | user bare-name index | `USER#BARE#<lower user part>` (only for `DOMAIN\user` names) | `REF` | `refs` |
 * | host name index | `HOST#NAME#<lower computerName>` (when the entry is keyed by aid) | `REF` | `refs` |
 * | host IP index | `HOST#IP#<ip>` (every IP that is not the entry's own key) | `REF` | `refs` |
 * | host FDR data | `HOST#AID#<lower aid>` (same partition as the operator entry) | `FDR` | `kind: "host"`, `entry` (HostEntry from aidmaster, `source: "fdr:aidmaster"`), `fdrTime` (ms), `fdrHash`, `ips`/`macs` (string sets from managedassets), `aid`, `updatedAt` |
 * | user FDR data | `USER#SID#<SID, upper case>` | `FDR` | `kind: "user"`, `entry` (UserEntry from userinfo, `source: "fdr:userinfo"`), `fdrTime`, `fdrHash`, `updatedAt` |
 *
 * FDR data (lambda/context/sync.ts) lives in items of its own (`sk = FDR`), never in the operator's `ENTRY`:
 * - operator fields (tags, owner, reason, expiresAt) cannot be overwritten by a sync, nor FDR fields by an import;
 *   the two are merged on lookup by MemoryContext (operator fields win);
 * - the entry is written with UpdateItem conditioned on `attribute_not_exists(fdrTime) OR fdrTime < :t OR
 *   (fdrTime = :t AND fdrHash < :h)`: the newest record wins whatever order files arrive in, equal versions are
 *   no-ops, concurrent syncs are safe without transactions (dynalite has none); managedassets `ADD`s to the sets
 *   (idempotent). The sync reads the FDR items first (BatchGetItem) and writes only what would change, so a
 *   re-sync of a file costs reads, not writes (a refused conditional write is still billed as a write);
 * - FDR names and IPs get the same index items (`ADD refs`, written before the entry, so an entry is never
 *   unreachable); the references point at the pk, and a lookup reads both `ENTRY` and `FDR` there.
 *   Operator writes (`putEntries`, `deleteEntry`) never remove a reference the FDR item still carries.
 *
 * Lookups read `ENTRY` and `FDR` for every aid/SID pk they touch (same BatchGetItem calls). When an FDR item
 * supplies a computerName, userName or IPs, one more round reads the operator items under those names/IPs (the
 * operator may have tagged a host by name only: `context put host --name HOST --tag monitoring`).
 *
 * Why this shape:
 * - Every lookup is a point read: BatchGetItem (≤ 100 keys per call) of the query's keys, then one more round
 *   for the entries the index items point to. No Query/Scan on the hot path, no GSI.
 * - Index items use `sk = REF` so a name can be both an entry's own key (an entry without SID/aid) and an index
 *   of other entries without the two overwriting each other.
 * - `refs` is a set, not a single pointer: two hosts can share an IP or a name (DHCP, re-imaged machines), and
 *   `LAB\alice` and `CORP\alice` share the bare name `alice`. Writes use `ADD`/`DELETE` on the set, so they are
 *   idempotent and need no read-modify-write.
 * - Bare names of qualified entries live under `USER#BARE#`, not `USER#NAME#`: a query `CORP\alice` must match
 *   the entries `CORP\alice` or `alice`, never `LAB\alice`; a bare query `alice` matches the entry `alice`, else a
 *   unique `DOMAIN\alice` (ambiguous across domains → no match). See MemoryContext.
 * - Index items may go stale (an entry re-imported with another IP); a reference is only followed when the
 *   entry it reaches still carries that key, and `putEntries` removes the old entry's stale references.
 * - Operator fields (tags, owner, reason, expiresAt) are part of `entry`; expiry is judged by the suppression
 *   policy against the event time, not by DynamoDB TTL.
 *
 * Reads go through a container-wide LRU+TTL cache (lambda/context/cache.ts), negative results included. Any
 * error after retries yields a `degraded` snapshot with no answers: matches then alert without context.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { asDocumentClient } from '../aws/clients';
import { backoffDelay, defaultSleep, errorMessage, isTransientError } from '../aws/retry';
import { sharedContextCache, TtlLruCache } from './cache';
import { isFdrEntry, MemoryContext, splitUserName } from './memory';
import { emptyApplyStats, isNewer, type FdrApplyStats, type FdrBatch, type FdrSyncTarget, type FdrVersion } from './sync';
import type { ContextFile, ContextSnapshot, ContextStore, HostEntry, HostQuery, UserEntry, UserQuery } from './types';
import { validateContext } from './validate';

export const ENTRY = 'ENTRY';
export const REF = 'REF';
export const FDR = 'FDR';
const BATCH_GET_MAX = 100;
/** Lookup rounds: query keys, references, operator items under FDR-supplied names, their references. */
const MAX_ROUNDS = 4;

export type Kind = 'user' | 'host';
interface Key {
  pk: string;
  sk: string;
}
export interface EntryItem {
  kind: Kind;
  entry: UserEntry | HostEntry;
}
/** What the cache holds per key: an entry, the refs of an index item, or null (absent). */
type Cached = EntryItem | string[] | null;

const lower = (s: string): string => s.toLowerCase();
/** Only aid- and SID-keyed partitions hold FDR items. */
const hasFdr = (pk: string): boolean => pk.startsWith('HOST#AID#') || pk.startsWith('USER#SID#');
const isConditionFailure = (err: unknown): boolean => (err as { name?: string })?.name === 'ConditionalCheckFailedException';

// ── keys ────────────────────────────────────────────────────────────────────────────────────────────────────

export function userEntryPk(u: UserEntry): string | null {
  if (u.userSid) return `USER#SID#${u.userSid.toUpperCase()}`;
  if (u.userName) return `USER#NAME#${normalName(u.userName)}`;
  return null;
}

function normalName(name: string): string {
  const { domain, user } = splitUserName(name);
  return domain ? `${domain}\\${user}` : user;
}

export function userIndexPks(u: UserEntry): string[] {
  const own = userEntryPk(u);
  const out: string[] = [];
  if (u.userName) {
    const { domain, user } = splitUserName(u.userName);
    const nameKey = `USER#NAME#${normalName(u.userName)}`;
    if (nameKey !== own) out.push(nameKey);
    if (domain) out.push(`USER#BARE#${user}`);
  }
  return out;
}

export function hostEntryPk(h: HostEntry): string | null {
  if (h.aid) return `HOST#AID#${lower(h.aid)}`;
  if (h.computerName) return `HOST#NAME#${lower(h.computerName)}`;
  const ip = h.ips?.find((x) => x);
  return ip ? `HOST#IP#${ip}` : null;
}

export function hostIndexPks(h: HostEntry): string[] {
  const own = hostEntryPk(h);
  const out = new Set<string>();
  if (h.computerName) out.add(`HOST#NAME#${lower(h.computerName)}`);
  for (const ip of h.ips ?? []) if (ip) out.add(`HOST#IP#${ip}`);
  out.delete(own as string);
  return [...out];
}

const entryPk = (kind: Kind, e: UserEntry | HostEntry): string | null =>
  kind === 'user' ? userEntryPk(e as UserEntry) : hostEntryPk(e as HostEntry);
const indexPks = (kind: Kind, e: UserEntry | HostEntry): string[] =>
  kind === 'user' ? userIndexPks(e as UserEntry) : hostIndexPks(e as HostEntry);

/** The entry an FDR item stands for: the aidmaster/userinfo entry with the managedassets interfaces folded in. */
export function fdrItemEntry(it: Record<string, unknown>): EntryItem | null {
  const kind = it.kind === 'user' ? 'user' : it.kind === 'host' ? 'host' : null;
  if (!kind) return null;
  const base = it.entry as (UserEntry & HostEntry) | undefined;
  if (kind === 'user') return base ? { kind, entry: { ...base } } : null;
  const ips = it.ips ? [...(it.ips as Set<string>)].sort() : [];
  const macs = it.macs ? [...(it.macs as Set<string>)].sort() : [];
  if (!base && typeof it.aid !== 'string') return null;
  const entry: HostEntry = base ? { ...base } : { aid: it.aid as string, source: 'fdr:managedassets' };
  if (ips.length > 0) entry.ips = [...new Set([...(entry.ips ?? []), ...ips])];
  if (macs.length > 0) entry.macs = [...new Set([...(entry.macs ?? []), ...macs])];
  return { kind, entry };
}

/** Every key (entry or index) a query may be answered from. */
function hostQueryKeys(q: HostQuery, out: Map<string, Key>): void {
  const add = (pk: string, sk: string): void => void out.set(`${pk}|${sk}`, { pk, sk });
  if (q.aid) {
    add(`HOST#AID#${lower(q.aid)}`, ENTRY);
    add(`HOST#AID#${lower(q.aid)}`, FDR);
  }
  if (q.computerName) {
    add(`HOST#NAME#${lower(q.computerName)}`, ENTRY);
    add(`HOST#NAME#${lower(q.computerName)}`, REF);
  }
  for (const ip of q.ips ?? []) {
    if (!ip) continue;
    add(`HOST#IP#${ip}`, ENTRY);
    add(`HOST#IP#${ip}`, REF);
  }
}

function userQueryKeys(q: UserQuery, out: Map<string, Key>): void {
  const add = (pk: string, sk: string): void => void out.set(`${pk}|${sk}`, { pk, sk });
  if (q.userSid) {
    add(`USER#SID#${q.userSid.toUpperCase()}`, ENTRY);
    add(`USER#SID#${q.userSid.toUpperCase()}`, FDR);
  }
  if (q.userName) {
    const { domain, user } = splitUserName(q.userName);
    for (const pk of domain ? [`USER#NAME#${domain}\\${user}`, `USER#NAME#${user}`] : [`USER#NAME#${user}`]) {
      add(pk, ENTRY);
      add(pk, REF);
    }
    if (!domain) add(`USER#BARE#${user}`, REF);
  }
}

// ── the store ───────────────────────────────────────────────────────────────────────────────────────────────

export interface DynamoContextStoreOptions {
  tableName?: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Defaults to the container-wide shared cache. */
  cache?: TtlLruCache<unknown>;
  /** Attempts for UnprocessedKeys and for throttled sync writes (on top of the SDK's own retries). Default 6. */
  unprocessedAttempts?: number;
  /** Write requests in flight during an FDR sync (`applyFdr`). Default 16. */
  syncConcurrency?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ContextStoreStats {
  /** lookup() calls. */
  lookups: number;
  /** Distinct keys asked for (first round + references). */
  keys: number;
  /** Keys answered from the cache (positive or negative). */
  cacheHits: number;
  /** Keys read from DynamoDB. */
  fetched: number;
  /** BatchGetItem calls. */
  batchGets: number;
  /** lookup() calls that ended degraded. */
  degraded: number;
}

export class DynamoContextStore implements ContextStore, FdrSyncTarget {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly cache: TtlLruCache<unknown>;
  private readonly unprocessedAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly syncConcurrency: number;
  readonly stats: ContextStoreStats = { lookups: 0, keys: 0, cacheHits: 0, fetched: 0, batchGets: 0, degraded: 0 };

  constructor(o: DynamoContextStoreOptions = {}) {
    const t = o.tableName ?? process.env.CONTEXT_TABLE_NAME;
    if (!t) throw new Error('DynamoContextStore: CONTEXT_TABLE_NAME is not set');
    this.tableName = t;
    this.doc = asDocumentClient(o.client);
    this.cache = o.cache ?? sharedContextCache;
    this.unprocessedAttempts = o.unprocessedAttempts ?? 6;
    this.sleep = o.sleep ?? defaultSleep;
    this.syncConcurrency = Math.max(1, o.syncConcurrency ?? 16);
  }

  private cacheKey(k: Key): string {
    return `${this.tableName}|${k.pk}|${k.sk}`;
  }

  async lookup(q: { hosts: HostQuery[]; users: UserQuery[] }): Promise<ContextSnapshot> {
    this.stats.lookups++;
    try {
      const entries = await this.resolve(q, true);
      return new MemoryContext(entries);
    } catch (err) {
      this.stats.degraded++;
      return new MemoryContext({}, `context store unavailable: ${errorMessage(err)}`);
    }
  }

  /**
   * Entries that can answer the queries, in a stable order: operator entries (`ENTRY`) and FDR items (`FDR`) found
   * by the query keys, by references (verified: followed only when the item still carries the key that pointed to
   * it) and, for FDR items, by the names/IPs they supply (operator entries keyed or indexed by those).
   */
  private async resolve(
    q: { hosts: HostQuery[]; users: UserQuery[] },
    useCache: boolean,
  ): Promise<{ users: UserEntry[]; hosts: HostEntry[] }> {
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
      const got = await this.read([...pending.values()], useCache);
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
      // FDR items name the host/user: ask for the operator items under those names and IPs (MemoryContext merges).
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

  /** Reads keys through the cache; misses in BatchGetItem calls of ≤ 100 keys, UnprocessedKeys retried. */
  private async read(keys: Key[], useCache: boolean): Promise<Map<string, Cached>> {
    const out = new Map<string, Cached>();
    const misses: Key[] = [];
    for (const k of keys) {
      const id = `${k.pk}|${k.sk}`;
      if (out.has(id)) continue;
      this.stats.keys++;
      const hit = useCache ? (this.cache.get(this.cacheKey(k)) as Cached | undefined) : undefined;
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
      const items = await this.batchGet(chunk);
      this.stats.fetched += chunk.length;
      const byId = new Map(items.map((it) => [`${it.pk}|${it.sk}`, it]));
      for (const k of chunk) {
        const it = byId.get(`${k.pk}|${k.sk}`);
        let v: Cached = null;
        if (it && k.sk === ENTRY && it.entry && (it.kind === 'user' || it.kind === 'host')) {
          v = { kind: it.kind as Kind, entry: it.entry as UserEntry | HostEntry };
        } else if (it && k.sk === FDR) {
          v = fdrItemEntry(it);
        } else if (it && k.sk === REF && it.refs) {
          v = [...(it.refs as Set<string>)].sort();
          if (v.length === 0) v = null;
        }
        out.set(`${k.pk}|${k.sk}`, v);
        this.cache.set(this.cacheKey(k), v);
      }
    }
    return out;
  }

  private async batchGet(keys: Key[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending: Key[] = keys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      this.stats.batchGets++;
      const res = await this.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: { Keys: pending },
          },
        }),
      );
      items.push(...((res.Responses?.[this.tableName] ?? []) as Record<string, unknown>[]));
      pending = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
      if (pending.length === 0) break;
      if (attempt >= this.unprocessedAttempts) {
        throw new Error(`BatchGetItem: ${pending.length} keys still unprocessed after ${attempt} attempts`);
      }
      await this.sleep(backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 2000 }));
    }
    return items;
  }

  // ── writes (CLI: context import / export / delete) ────────────────────────────────────────────────────────

  /**
   * Writes the entries of a context file (validated first; any problem throws and nothing is written).
   * Idempotent: the same file twice leaves the same items. An entry whose key already exists is replaced,
   * and references its old version had but the new one lacks are removed. Within one file the first entry for
   * a key wins (as in the file adapter); later ones are reported in `skipped`.
   */
  async putEntries(file: ContextFile): Promise<{ users: number; hosts: number; skipped: string[] }> {
    const { context, problems } = validateContext(file);
    if (problems.length > 0) {
      throw new Error(`invalid context entries:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    }
    const seen = new Set<string>();
    const skipped: string[] = [];
    const work: { kind: Kind; pk: string; entry: UserEntry | HostEntry }[] = [];
    for (const [kind, list] of [
      ['user', context.users],
      ['host', context.hosts],
    ] as const) {
      list.forEach((entry, i) => {
        const pk = entryPk(kind, entry);
        if (!pk) {
          skipped.push(`${kind}s[${i}]: no identifying key`);
          return;
        }
        if (seen.has(pk)) {
          skipped.push(`${kind}s[${i}]: duplicate of an earlier entry (${pk})`);
          return;
        }
        seen.add(pk);
        work.push({ kind, pk, entry });
      });
    }
    const existing = await this.read(
      work.flatMap((w) => (hasFdr(w.pk) ? [{ pk: w.pk, sk: ENTRY }, { pk: w.pk, sk: FDR }] : [{ pk: w.pk, sk: ENTRY }])),
      false,
    );
    const now = new Date().toISOString();
    for (const w of work) {
      const old = existing.get(`${w.pk}|${ENTRY}`);
      const newIx = indexPks(w.kind, w.entry);
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { pk: w.pk, sk: ENTRY, kind: w.kind, entry: w.entry, updatedAt: now } }),
      );
      for (const ix of newIx) await this.addRef(ix, w.kind, w.pk);
      if (old && !Array.isArray(old)) {
        // References the FDR item in the same partition still needs stay.
        const fdr = existing.get(`${w.pk}|${FDR}`);
        const keep = new Set([...newIx, ...(fdr && !Array.isArray(fdr) ? indexPks(fdr.kind, fdr.entry) : [])]);
        for (const ix of indexPks(old.kind, old.entry)) if (!keep.has(ix)) await this.removeRef(ix, w.pk);
      }
    }
    this.cache.clear(`${this.tableName}|`);
    return {
      users: work.filter((w) => w.kind === 'user').length,
      hosts: work.filter((w) => w.kind === 'host').length,
      skipped,
    };
  }

  /**
   * Every operator entry in the table, as a context file (stable order): what `context import` reads back.
   * `{ fdr: true }`: the FDR-synced entries instead (`source: "fdr:…"`; `context list --fdr`).
   */
  async exportAll(o: { fdr?: boolean } = {}): Promise<Required<ContextFile>> {
    const out: Required<ContextFile> = { users: [], hosts: [] };
    const rows: { pk: string; kind: Kind; entry: UserEntry | HostEntry }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :e',
          ExpressionAttributeValues: { ':e': o.fdr ? FDR : ENTRY },
          ExclusiveStartKey: start,
        }),
      );
      for (const it of res.Items ?? []) {
        if (!o.fdr) rows.push(it as { pk: string; kind: Kind; entry: UserEntry | HostEntry });
        else {
          const v = fdrItemEntry(it);
          if (v) rows.push({ pk: it.pk as string, ...v });
        }
      }
      start = res.LastEvaluatedKey;
    } while (start);
    rows.sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0));
    for (const r of rows) (r.kind === 'user' ? out.users : out.hosts).push(r.entry as never);
    return out;
  }

  /**
   * Deletes the entry a user or host query resolves to (same precedence as lookups), with its index references.
   * Returns the deleted entry, or null when nothing matched (idempotent).
   */
  async deleteEntry(
    sel: ({ kind: 'user' } & UserQuery) | ({ kind: 'host' } & HostQuery),
  ): Promise<UserEntry | HostEntry | null> {
    const q = sel.kind === 'user' ? { users: [sel], hosts: [] } : { users: [], hosts: [sel] };
    // Operator entries only: FDR items are the sync's (they come back with the next secondary-data file anyway).
    const found = await this.resolve(q, false);
    const snap = new MemoryContext({ users: found.users.filter((e) => !isFdrEntry(e)), hosts: found.hosts.filter((e) => !isFdrEntry(e)) });
    const entry = sel.kind === 'user' ? snap.user(sel) : snap.host(sel);
    if (!entry) return null;
    const pk = entryPk(sel.kind, entry)!;
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: ENTRY } }));
    const fdr = hasFdr(pk) ? (await this.read([{ pk, sk: FDR }], false)).get(`${pk}|${FDR}`) : null;
    const keep = new Set(fdr && !Array.isArray(fdr) ? indexPks(fdr.kind, fdr.entry) : []);
    for (const ix of indexPks(sel.kind, entry)) if (!keep.has(ix)) await this.removeRef(ix, pk);
    this.cache.clear(`${this.tableName}|`);
    return entry;
  }

  // ── FDR sync (lambda/context/sync.ts) ──────────────────────────────────────────────────────────────────────

  /**
   * Upserts FDR records into their `sk = FDR` items (see the header): per chunk of keys, one BatchGetItem round
   * reads what is stored, then only records that change something are written — index items first, then the
   * entry with its version condition — with bounded concurrency. Operator items are never touched.
   */
  async applyFdr(batch: FdrBatch, opts: { signal?: AbortSignal } = {}): Promise<FdrApplyStats> {
    const st = emptyApplyStats();
    const units: SyncUnit[] = [
      ...batch.hosts.map((rec): SyncUnit => ({ type: 'host', pk: `HOST#AID#${lower(rec.aid)}`, rec })),
      ...batch.interfaces.map((rec): SyncUnit => ({ type: 'ifaces', pk: `HOST#AID#${lower(rec.aid)}`, rec })),
      ...batch.users.map((rec): SyncUnit => ({ type: 'user', pk: `USER#SID#${rec.sid.toUpperCase()}`, rec })),
    ];
    for (let i = 0; i < units.length; i += SYNC_CHUNK) {
      if (opts.signal?.aborted) {
        throw Object.assign(new Error(`sync stopped after ${i} of ${units.length} keys: ${String(opts.signal.reason ?? 'aborted')}`), {
          name: 'AbortError',
        });
      }
      const chunk = units.slice(i, i + SYNC_CHUNK);
      const keys = [...new Set(chunk.map((u) => u.pk))].map((pk) => ({ pk, sk: FDR }));
      const stored = new Map<string, Record<string, unknown>>();
      for (let j = 0; j < keys.length; j += BATCH_GET_MAX) {
        const before = this.stats.batchGets;
        for (const it of await this.batchGet(keys.slice(j, j + BATCH_GET_MAX))) stored.set(it.pk as string, it);
        st.readRequests += this.stats.batchGets - before;
      }
      await mapLimit(chunk, this.syncConcurrency, (u) => this.applyUnit(u, stored.get(u.pk), st));
    }
    return st;
  }

  private async applyUnit(u: SyncUnit, old: Record<string, unknown> | undefined, st: FdrApplyStats): Promise<void> {
    const now = new Date().toISOString();
    const key = { pk: u.pk, sk: FDR };
    if (u.type === 'ifaces') {
      const haveIps = new Set((old?.ips as Set<string> | undefined) ?? []);
      const haveMacs = new Set((old?.macs as Set<string> | undefined) ?? []);
      const ips = u.rec.ips.filter((x) => !haveIps.has(x));
      const macs = u.rec.macs.filter((x) => !haveMacs.has(x));
      if (ips.length === 0 && macs.length === 0) return void st.unchanged++;
      await Promise.all(ips.map((ip) => this.syncRef(`HOST#IP#${ip}`, 'host', u.pk, st)));
      const adds: string[] = [];
      const names: Record<string, string> = { '#k': 'kind', '#aid': 'aid', '#u': 'updatedAt' };
      const values: Record<string, unknown> = { ':k': 'host', ':aid': u.rec.aid, ':now': now };
      if (ips.length > 0) {
        adds.push('#ips :ips');
        names['#ips'] = 'ips';
        values[':ips'] = new Set(ips);
      }
      if (macs.length > 0) {
        adds.push('#macs :macs');
        names['#macs'] = 'macs';
        values[':macs'] = new Set(macs);
      }
      await this.syncWrite(
        st,
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `ADD ${adds.join(', ')} SET #k = :k, #aid = if_not_exists(#aid, :aid), #u = :now`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      st.items++;
      this.cache.delete(this.cacheKey(key));
      return;
    }
    const oldVersion: FdrVersion | null =
      old && typeof old.fdrTime === 'number' ? { time: old.fdrTime, hash: String(old.fdrHash ?? '') } : null;
    if (!isNewer(u.rec, oldVersion)) return void st.unchanged++;
    const kind: Kind = u.type;
    const entry = u.rec.entry;
    const oldEntry = old ? fdrItemEntry(old) : null;
    const had = new Set(oldEntry ? indexPks(oldEntry.kind, oldEntry.entry) : []);
    // References first: once the entry is there, its names already lead to it. Old names are left to verification.
    await Promise.all(indexPks(kind, entry).filter((ix) => !had.has(ix)).map((ix) => this.syncRef(ix, kind, u.pk, st)));
    const names: Record<string, string> = { '#e': 'entry', '#t': 'fdrTime', '#h': 'fdrHash', '#k': 'kind', '#u': 'updatedAt' };
    const values: Record<string, unknown> = { ':e': entry, ':t': u.rec.time, ':h': u.rec.hash, ':k': kind, ':now': now };
    let set = 'SET #e = :e, #t = :t, #h = :h, #k = :k, #u = :now';
    if (u.type === 'host') {
      names['#aid'] = 'aid';
      values[':aid'] = u.rec.aid;
      set += ', #aid = :aid';
    }
    try {
      await this.syncWrite(
        st,
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: set,
          ConditionExpression: 'attribute_not_exists(#t) OR #t < :t OR (#t = :t AND #h < :h)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      st.items++;
      this.cache.delete(this.cacheKey(key));
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      st.stale++; // a newer version landed since the read (another sync): it stays
    }
  }

  private async syncRef(indexPk: string, kind: Kind, ref: string, st: FdrApplyStats): Promise<void> {
    await this.syncWrite(
      st,
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: indexPk, sk: REF },
        UpdateExpression: 'ADD refs :r SET kind = :k',
        ExpressionAttributeValues: { ':r': new Set([ref]), ':k': kind },
      }),
    );
    st.refs++;
    this.cache.delete(this.cacheKey({ pk: indexPk, sk: REF }));
  }

  /** One write, retried with backoff on throttling and transient errors beyond the SDK's own attempts. */
  private async syncWrite(st: FdrApplyStats, cmd: UpdateCommand): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      st.writeRequests++;
      try {
        await this.doc.send(cmd);
        return;
      } catch (err) {
        if (isConditionFailure(err) || !isTransientError(err) || attempt >= this.unprocessedAttempts) throw err;
        await this.sleep(backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 5000 }));
      }
    }
  }

  private async addRef(indexPk: string, kind: Kind, ref: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: indexPk, sk: REF },
        UpdateExpression: 'ADD refs :r SET kind = :k',
        ExpressionAttributeValues: { ':r': new Set([ref]), ':k': kind },
      }),
    );
  }

  private async removeRef(indexPk: string, ref: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: indexPk, sk: REF },
        UpdateExpression: 'DELETE refs :r',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':r': new Set([ref]) },
      }),
    ).catch((err: unknown) => {
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
    });
    // An index item with no references left is removed.
    await this.doc
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: indexPk, sk: REF },
          ConditionExpression: 'attribute_not_exists(refs)',
        }),
      )
      .catch((err: unknown) => {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
      });
  }
}

const SYNC_CHUNK = 1000;

type SyncUnit =
  | { type: 'host'; pk: string; rec: FdrBatch['hosts'][number] }
  | { type: 'user'; pk: string; rec: FdrBatch['users'][number] }
  | { type: 'ifaces'; pk: string; rec: FdrBatch['interfaces'][number] };

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}
