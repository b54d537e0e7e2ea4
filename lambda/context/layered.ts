/**
 * FDR context laid over the operator's: replay syncs fdrv2/ secondary data into a memory store (the same sync as
 * the Lambda's) and asks it first; the operator's store (a context file, or the DynamoDB table) is asked for the
 * same keys plus the names and IPs the FDR side supplies, so an operator entry keyed by name is found for a host
 * FDR names. Entries from both sides merge as in ContextIndex: the FDR side names hosts and users, the operator side
 * adds tags and reasons (operator fields win).
 */
import type { ContextQuery, ContextSnapshot, ContextStore } from '../ports';
import { mergeEntries } from './memory';
import type { HostEntry, HostQuery, UserEntry, UserQuery } from './types';

export class LayeredContextStore implements ContextStore {
  constructor(
    private readonly fdr: ContextStore,
    private readonly operator: ContextStore,
  ) {}

  async lookup(q: ContextQuery): Promise<ContextSnapshot> {
    const local = await this.fdr.lookup(q);
    // Ask the operator store also for the names the FDR layer supplies, so entries keyed by name are found.
    const hosts: HostQuery[] = [
      ...q.hosts,
      ...q.hosts.map((h) => local.host(h)).filter((h): h is HostEntry => !!h).map((h) => ({ computerName: h.computerName, ips: h.ips })),
    ];
    const users: UserQuery[] = [
      ...q.users,
      ...q.users.map((u) => local.user(u)).filter((u): u is UserEntry => !!u).map((u) => ({ userSid: u.userSid, userName: u.userName })),
    ];
    const base = await this.operator.lookup({ hosts, users });
    return {
      degraded: base.degraded ?? local.degraded,
      host(hq: HostQuery) {
        const l = local.host(hq);
        const b = base.host(hq) ?? (l ? base.host({ aid: l.aid, computerName: l.computerName, ips: l.ips }) : null);
        return mergeEntries(l, b);
      },
      user(uq: UserQuery) {
        const l = local.user(uq);
        const b = base.user(uq) ?? (l ? base.user({ userSid: l.userSid, userName: l.userName }) : null);
        return mergeEntries(l, b);
      },
    };
  }
}
