/**
 * ContextIndex: an in-memory context snapshot with the lookup precedence (users by SID, else name; hosts by aid,
 * else computer name, else IP; a name or IP never matches an entry whose own aid or SID says it is another
 * machine or account). Every store ends here: the file store holds one for the whole file; the DynamoDB store
 * builds one from the items a batch of lookups fetched; the memory FDR store from what it holds.
 */
import type { ContextSnapshot } from '../ports';
import type { HostEntry, HostQuery, UserEntry, UserQuery } from './types';

const lower = (s: string) => s.toLowerCase();

/** `CORP\alice` → { domain: 'corp', user: 'alice' }; `alice` → { domain: null, user: 'alice' }. */
export function splitUserName(name: string): { domain: string | null; user: string } {
  const i = name.lastIndexOf('\\');
  return i < 0 ? { domain: null, user: lower(name) } : { domain: lower(name.slice(0, i)), user: lower(name.slice(i + 1)) };
}

/** Entries of one origin, indexed for the lookup precedence. */
class EntryIndex {
  private readonly userBySid = new Map<string, UserEntry>();
  /** `domain\user` (lower) → entry, for entries that name a domain. */
  private readonly userByQualified = new Map<string, UserEntry>();
  /** `user` (lower) → entry, for entries without a domain. */
  private readonly userByBare = new Map<string, UserEntry>();
  /** `user` (lower) → entries with any domain: lets a bare query find a unique qualified entry. */
  private readonly userAnyDomain = new Map<string, UserEntry[]>();
  private readonly hostByAid = new Map<string, HostEntry>();
  private readonly hostByName = new Map<string, HostEntry>();
  private readonly hostByIp = new Map<string, HostEntry>();

  addUser(u: UserEntry): void {
    if (u.userSid) setFirst(this.userBySid, u.userSid.toUpperCase(), u);
    if (u.userName) {
      const { domain, user } = splitUserName(u.userName);
      if (domain) setFirst(this.userByQualified, `${domain}\\${user}`, u);
      else setFirst(this.userByBare, user, u);
      const list = this.userAnyDomain.get(user) ?? [];
      list.push(u);
      this.userAnyDomain.set(user, list);
    }
  }

  addHost(h: HostEntry): void {
    if (h.aid) setFirst(this.hostByAid, lower(h.aid), h);
    if (h.computerName) setFirst(this.hostByName, lower(h.computerName), h);
    for (const ip of h.ips ?? []) setFirst(this.hostByIp, ip, h);
  }

  user(q: UserQuery): UserEntry | null {
    if (q.userSid) {
      const e = this.userBySid.get(q.userSid.toUpperCase());
      if (e) return e;
    }
    if (!q.userName) return null;
    // By name only when the identities do not contradict: an entry for another SID is another account.
    const ok = (e: UserEntry | undefined): UserEntry | undefined =>
      e && !(e.userSid && q.userSid && e.userSid.toUpperCase() !== q.userSid.toUpperCase()) ? e : undefined;
    const { domain, user } = splitUserName(q.userName);
    if (domain) return ok(this.userByQualified.get(`${domain}\\${user}`)) ?? ok(this.userByBare.get(user)) ?? null;
    const bare = ok(this.userByBare.get(user));
    if (bare) return bare;
    const any = this.userAnyDomain.get(user)?.filter((e) => ok(e));
    return any && any.length === 1 ? any[0] : null; // ambiguous across domains → no match
  }

  host(q: HostQuery): HostEntry | null {
    if (q.aid) {
      const e = this.hostByAid.get(lower(q.aid));
      if (e) return e;
    }
    // By name or IP only when the identities do not contradict: an entry for another aid is another machine
    // (a host renamed to a jump host's name must not inherit its allowlisting).
    const ok = (e: HostEntry | undefined): HostEntry | undefined =>
      e && !(e.aid && q.aid && lower(e.aid) !== lower(q.aid)) ? e : undefined;
    if (q.computerName) {
      const e = ok(this.hostByName.get(lower(q.computerName)));
      if (e) return e;
    }
    for (const ip of q.ips ?? []) {
      if (!ip) continue;
      const e = ok(this.hostByIp.get(ip));
      if (e) return e;
    }
    return null;
  }
}

/** The first entry for a key wins: a context file is read top to bottom, as an operator would expect. */
function setFirst<V>(m: Map<string, V>, k: string, v: V): void {
  if (!m.has(k)) m.set(k, v);
}

/** FDR-synced entries carry `source: "fdr:…"`; anything else is operator data. */
export const isFdrEntry = (e: { source?: string }): boolean => e.source?.startsWith('fdr:') ?? false;

/**
 * Operator entries and FDR-synced entries are indexed apart and merged on lookup: the FDR entry names the host or
 * user (found by aid / SID), the operator entry (found by the same keys, or by the name FDR supplied) adds tags,
 * owner, reason and expiry. Operator fields always win.
 */
export class ContextIndex implements ContextSnapshot {
  private readonly operator = new EntryIndex();
  private readonly fdr = new EntryIndex();

  constructor(
    entries: { users?: UserEntry[]; hosts?: HostEntry[] } = {},
    readonly degraded?: string,
  ) {
    for (const u of entries.users ?? []) this.addUser(u);
    for (const h of entries.hosts ?? []) this.addHost(h);
  }

  addUser(u: UserEntry): void {
    (isFdrEntry(u) ? this.fdr : this.operator).addUser(u);
  }

  addHost(h: HostEntry): void {
    (isFdrEntry(h) ? this.fdr : this.operator).addHost(h);
  }

  user(q: UserQuery): UserEntry | null {
    const fdr = this.fdr.user(q);
    const op = this.operator.user(q) ?? (fdr ? this.operator.user({ userSid: fdr.userSid, userName: fdr.userName }) : null);
    return mergeEntries(fdr, op);
  }

  host(q: HostQuery): HostEntry | null {
    const fdr = this.fdr.host(q);
    const op = this.operator.host(q) ?? (fdr ? this.operator.host({ aid: fdr.aid, computerName: fdr.computerName, ips: fdr.ips }) : null);
    return mergeEntries(fdr, op);
  }
}

/** One host or user from two origins: the operator entry's fields win over the FDR entry's. */
export function mergeEntries<T extends { source?: string }>(fdr: T | null, op: T | null): T | null {
  if (!fdr || !op) return op ?? fdr;
  if (fdr === op) return op;
  return { ...fdr, ...op, source: op.source === fdr.source ? op.source : `${op.source ?? 'operator'}+${fdr.source}` };
}
