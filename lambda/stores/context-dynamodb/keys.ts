/**
 * The context table's key schema (pure: no I/O). One table, string keys `pk` (partition) and `sk` (sort):
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | user entry | `USER#SID#<SID, upper case>`, or `USER#NAME#<lower name>` when the entry has no SID | `ENTRY` | `kind: "user"`, `entry` (userSid, userName, tags, owner, reason, expiresAt, …), `updatedAt` |
 * | host entry | `HOST#AID#<lower aid>`, else `HOST#NAME#<lower computerName>`, else `HOST#IP#<first ip>` | `ENTRY` | `kind: "host"`, `entry` (aid, computerName, ips, tags, owner, reason, expiresAt, …), `updatedAt` |
 * | user name index | `USER#NAME#<lower name as written>` (`corp\alice` or `alice`) | `REF` | `refs`: string set of entry pks |
 * | user bare-name index | `USER#BARE#<lower user part>` (only for `DOMAIN\user` names) | `REF` | `refs` |
 * | host name index | `HOST#NAME#<lower computerName>` (when the entry is keyed by aid) | `REF` | `refs` |
 * | host IP index | `HOST#IP#<ip>` (every IP that is not the entry's own key) | `REF` | `refs` |
 * | host FDR data | `HOST#AID#<lower aid>` (same partition as the operator entry) | `FDR` | `kind: "host"`, `entry` (from aidmaster, `source: "fdr:aidmaster"`), `fdrTime` (ms), `fdrHash`, `ips`/`macs` (string sets from managedassets), `aid`, `updatedAt` |
 * | user FDR data | `USER#SID#<SID, upper case>` | `FDR` | `kind: "user"`, `entry` (from userinfo, `source: "fdr:userinfo"`), `fdrTime`, `fdrHash`, `updatedAt` |
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
 *   unique `DOMAIN\alice` (ambiguous across domains → no match; see ContextIndex).
 * - FDR data lives in items of its own (`sk = FDR`), never in the operator's `ENTRY`: a sync cannot overwrite
 *   operator fields (tags, owner, reason, expiresAt), an import cannot overwrite FDR fields; lookups merge the two
 *   (operator fields win).
 * - Index items may go stale (an entry re-imported with another IP); a reference is only followed when the
 *   entry it reaches still carries that key.
 */
import { splitUserName } from '../../context/memory';
import type { HostEntry, HostQuery, UserEntry, UserQuery } from '../../context/types';

export const ENTRY = 'ENTRY';
export const REF = 'REF';
export const FDR = 'FDR';
/** BatchGetItem's limit. */
export const BATCH_GET_MAX = 100;

export type Kind = 'user' | 'host';
export interface Key {
  pk: string;
  sk: string;
}
export interface EntryItem {
  kind: Kind;
  entry: UserEntry | HostEntry;
}
/** What a read yields per key: an entry, the refs of an index item, or null (absent). */
export type Cached = EntryItem | string[] | null;

const lower = (s: string): string => s.toLowerCase();
/** Only aid- and SID-keyed partitions hold FDR items. */
export const hasFdr = (pk: string): boolean => pk.startsWith('HOST#AID#') || pk.startsWith('USER#SID#');
export const keyId = (k: Key): string => `${k.pk}|${k.sk}`;
export const hostFdrPk = (aid: string): string => `HOST#AID#${lower(aid)}`;
export const userFdrPk = (sid: string): string => `USER#SID#${sid.toUpperCase()}`;

export function userEntryPk(u: UserEntry): string | null {
  if (u.userSid) return userFdrPk(u.userSid);
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
  if (h.aid) return hostFdrPk(h.aid);
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

export const entryPk = (kind: Kind, e: UserEntry | HostEntry): string | null =>
  kind === 'user' ? userEntryPk(e as UserEntry) : hostEntryPk(e as HostEntry);
export const indexPks = (kind: Kind, e: UserEntry | HostEntry): string[] =>
  kind === 'user' ? userIndexPks(e as UserEntry) : hostIndexPks(e as HostEntry);

/** The attributes of an FDR item that say what it stands for (the store's raw item, or the memory store's copy). */
export interface FdrItem {
  kind?: unknown;
  entry?: unknown;
  aid?: unknown;
  ips?: Iterable<string>;
  macs?: Iterable<string>;
}

/** The entry an FDR item stands for: the aidmaster/userinfo entry with the managedassets interfaces folded in. */
export function fdrItemEntry(it: FdrItem): EntryItem | null {
  const kind = it.kind === 'user' ? 'user' : it.kind === 'host' ? 'host' : null;
  if (!kind) return null;
  const base = it.entry as (UserEntry & HostEntry) | undefined;
  if (kind === 'user') return base ? { kind, entry: { ...base } } : null;
  const ips = it.ips ? [...it.ips].sort() : [];
  const macs = it.macs ? [...it.macs].sort() : [];
  if (!base && typeof it.aid !== 'string') return null;
  const entry: HostEntry = base ? { ...base } : { aid: it.aid as string, source: 'fdr:managedassets' };
  if (ips.length > 0) entry.ips = [...new Set([...(entry.ips ?? []), ...ips])];
  if (macs.length > 0) entry.macs = [...new Set([...(entry.macs ?? []), ...macs])];
  return { kind, entry };
}

/** Every key (entry or index) a host query may be answered from. */
export function hostQueryKeys(q: HostQuery, out: Map<string, Key>): void {
  const add = (pk: string, sk: string): void => void out.set(`${pk}|${sk}`, { pk, sk });
  if (q.aid) {
    add(hostFdrPk(q.aid), ENTRY);
    add(hostFdrPk(q.aid), FDR);
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

/** Every key (entry or index) a user query may be answered from. */
export function userQueryKeys(q: UserQuery, out: Map<string, Key>): void {
  const add = (pk: string, sk: string): void => void out.set(`${pk}|${sk}`, { pk, sk });
  if (q.userSid) {
    add(userFdrPk(q.userSid), ENTRY);
    add(userFdrPk(q.userSid), FDR);
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

/** A raw item read under `k` → what it means for a lookup. */
export function itemValue(k: Key, it: Record<string, unknown> | undefined): Cached {
  if (!it) return null;
  if (k.sk === ENTRY && it.entry && (it.kind === 'user' || it.kind === 'host')) {
    return { kind: it.kind as Kind, entry: it.entry as UserEntry | HostEntry };
  }
  if (k.sk === FDR) return fdrItemEntry(it as FdrItem);
  if (k.sk === REF && it.refs) {
    const refs = [...(it.refs as Set<string>)].sort();
    return refs.length > 0 ? refs : null;
  }
  return null;
}
