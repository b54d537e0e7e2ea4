/**
 * A context store with extra entries laid over it: `replay` of an FDR export loads fdrv2/ secondary data into
 * memory and lays it over the operator's context (file or DynamoDB). Entries from both sides merge as in
 * MemoryContext: the FDR side names hosts and users, the operator side adds tags and reasons.
 */
import { MemoryContext, mergeEntries } from './memory';
import type { ContextSnapshot, ContextStore, HostEntry, HostQuery, UserEntry, UserQuery } from './types';

export class LayeredContextStore implements ContextStore {
  private readonly local: MemoryContext;

  constructor(
    private readonly base: ContextStore,
    extra: { users?: UserEntry[]; hosts?: HostEntry[] },
  ) {
    this.local = new MemoryContext(extra);
  }

  async lookup(q: { hosts: HostQuery[]; users: UserQuery[] }): Promise<ContextSnapshot> {
    const local = this.local;
    // Ask the base also for the names the local layer supplies, so operator entries keyed by name are found.
    const hosts = [...q.hosts, ...q.hosts.map((h) => local.host(h)).filter((h): h is HostEntry => !!h).map((h) => ({ computerName: h.computerName, ips: h.ips }))];
    const users = [...q.users, ...q.users.map((u) => local.user(u)).filter((u): u is UserEntry => !!u).map((u) => ({ userSid: u.userSid, userName: u.userName }))];
    const base = await this.base.lookup({ hosts, users });
    return {
      degraded: base.degraded,
      host(hq) {
        const l = local.host(hq);
        const b = base.host(hq) ?? (l ? base.host({ aid: l.aid, computerName: l.computerName, ips: l.ips }) : null);
        return mergeEntries(l, b);
      },
      user(uq) {
        const l = local.user(uq);
        const b = base.user(uq) ?? (l ? base.user({ userSid: l.userSid, userName: l.userName }) : null);
        return mergeEntries(l, b);
      },
    };
  }
}
