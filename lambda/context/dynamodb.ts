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
import { backoffDelay, defaultSleep, errorMessage } from '../aws/retry';
import { sharedContextCache, TtlLruCache } from './cache';
import { MemoryContext, splitUserName } from './memory';
import type { ContextFile, ContextSnapshot, ContextStore, HostEntry, HostQuery, UserEntry, UserQuery } from './types';
import { validateContext } from './validate';

export const ENTRY = 'ENTRY';
export const REF = 'REF';
const BATCH_GET_MAX = 100;

type Kind = 'user' | 'host';
interface Key {
  pk: string;
  sk: string;
}
interface EntryItem {
  kind: Kind;
  entry: UserEntry | HostEntry;
}
/** What the cache holds per key: an entry, the refs of an index item, or null (absent). */
type Cached = EntryItem | string[] | null;

const lower = (s: string): string => s.toLowerCase();

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

/** Every key (entry or index) a query may be answered from. */
function hostQueryKeys(q: HostQuery, out: Map<string, Key>): void {
  const add = (pk: string, sk: string): void => void out.set(`${pk}|${sk}`, { pk, sk });
  if (q.aid) add(`HOST#AID#${lower(q.aid)}`, ENTRY);
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
  if (q.userSid) add(`USER#SID#${q.userSid.toUpperCase()}`, ENTRY);
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
  /** Attempts for UnprocessedKeys (on top of the SDK's own retries). Default 6. */
  unprocessedAttempts?: number;
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

export class DynamoContextStore implements ContextStore {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly cache: TtlLruCache<unknown>;
  private readonly unprocessedAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly stats: ContextStoreStats = { lookups: 0, keys: 0, cacheHits: 0, fetched: 0, batchGets: 0, degraded: 0 };

  constructor(o: DynamoContextStoreOptions = {}) {
    const t = o.tableName ?? process.env.CONTEXT_TABLE_NAME;
    if (!t) throw new Error('DynamoContextStore: CONTEXT_TABLE_NAME is not set');
    this.tableName = t;
    this.doc = asDocumentClient(o.client);
    this.cache = o.cache ?? sharedContextCache;
    this.unprocessedAttempts = o.unprocessedAttempts ?? 6;
    this.sleep = o.sleep ?? defaultSleep;
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

  /** Entries that can answer the queries (references followed and verified), in a stable order. */
  private async resolve(
    q: { hosts: HostQuery[]; users: UserQuery[] },
    useCache: boolean,
  ): Promise<{ users: UserEntry[]; hosts: HostEntry[] }> {
    const keys = new Map<string, Key>();
    for (const h of q.hosts) hostQueryKeys(h, keys);
    for (const u of q.users) userQueryKeys(u, keys);
    const first = await this.read([...keys.values()], useCache);

    const found = new Map<string, EntryItem>(); // entry pk → entry
    const wanted = new Map<string, Set<string>>(); // entry pk → index pks that pointed to it
    for (const [id, v] of first) {
      const [pk, sk] = id.split('|') as [string, string];
      if (v === null) continue;
      if (sk === ENTRY && !Array.isArray(v)) found.set(pk, v);
      else if (sk === REF && Array.isArray(v)) {
        for (const ref of v) {
          if (!wanted.has(ref)) wanted.set(ref, new Set());
          wanted.get(ref)!.add(pk);
        }
      }
    }
    const second = [...wanted.keys()].filter((pk) => !found.has(pk)).map((pk) => ({ pk, sk: ENTRY }));
    const more = await this.read(second, useCache);
    const verified = new Map<string, EntryItem>(found);
    for (const [id, v] of more) {
      if (!v || Array.isArray(v)) continue;
      const pk = id.split('|')[0];
      // Follow a reference only when the entry still carries the key that pointed to it (stale index items).
      const carries = new Set(indexPks(v.kind, v.entry));
      if ([...(wanted.get(pk) ?? [])].some((ix) => carries.has(ix))) verified.set(pk, v);
    }
    const users: UserEntry[] = [];
    const hosts: HostEntry[] = [];
    for (const pk of [...verified.keys()].sort()) {
      const v = verified.get(pk)!;
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
      work.map((w) => ({ pk: w.pk, sk: ENTRY })),
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
        for (const ix of indexPks(old.kind, old.entry)) if (!newIx.includes(ix)) await this.removeRef(ix, w.pk);
      }
    }
    this.cache.clear(`${this.tableName}|`);
    return {
      users: work.filter((w) => w.kind === 'user').length,
      hosts: work.filter((w) => w.kind === 'host').length,
      skipped,
    };
  }

  /** Every entry in the table, as a context file (stable order). */
  async exportAll(): Promise<Required<ContextFile>> {
    const out: Required<ContextFile> = { users: [], hosts: [] };
    const rows: { pk: string; kind: Kind; entry: UserEntry | HostEntry }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :e',
          ExpressionAttributeValues: { ':e': ENTRY },
          ExclusiveStartKey: start,
        }),
      );
      for (const it of res.Items ?? []) rows.push(it as { pk: string; kind: Kind; entry: UserEntry | HostEntry });
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
    const snap = new MemoryContext(await this.resolve(q, false));
    const entry = sel.kind === 'user' ? snap.user(sel) : snap.host(sel);
    if (!entry) return null;
    const pk = entryPk(sel.kind, entry)!;
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: ENTRY } }));
    for (const ix of indexPks(sel.kind, entry)) await this.removeRef(ix, pk);
    this.cache.clear(`${this.tableName}|`);
    return entry;
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
