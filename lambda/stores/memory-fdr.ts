/**
 * FDR secondary data held in memory: replay's FdrSyncTarget and ContextStore. Replay syncs fdrv2/ files through
 * the same code as the Lambda (context/sync.ts) into this store, which keeps the same items as the context table
 * (keys.ts) with the same rules — the greater version wins per key, interfaces are unioned — and answers lookups
 * from the same entries, so replay names hosts and users exactly as the deployed pipeline does.
 */
import { ContextIndex } from '../context/memory';
import { isNewer } from '../context/sync';
import type { HostEntry, UserEntry } from '../context/types';
import { emptyApplyStats, type ContextSnapshot, type ContextStore, type FdrApplyStats, type FdrBatch, type FdrSyncTarget } from '../ports';
import { fdrItemEntry, hostFdrPk, userFdrPk, type Kind } from './context-dynamodb/keys';

interface Item {
  kind: Kind;
  entry?: HostEntry | UserEntry;
  fdrTime?: number;
  fdrHash?: string;
  aid?: string;
  ips?: Set<string>;
  macs?: Set<string>;
}

export class MemoryFdrStore implements FdrSyncTarget, ContextStore {
  private readonly items = new Map<string, Item>();
  private snapshot: ContextIndex | null = null;

  async applyFdr(batch: FdrBatch): Promise<FdrApplyStats> {
    const st = emptyApplyStats();
    const upsert = (pk: string, kind: Kind, rec: { time: number; hash: string; entry: HostEntry | UserEntry }, aid?: string): void => {
      const old = this.items.get(pk);
      const oldVersion = old?.fdrTime !== undefined ? { time: old.fdrTime, hash: old.fdrHash ?? '' } : null;
      if (!isNewer(rec, oldVersion)) return void st.unchanged++;
      this.items.set(pk, { ...old, kind, entry: rec.entry, fdrTime: rec.time, fdrHash: rec.hash, ...(aid ? { aid } : {}) });
      st.items++;
    };
    for (const h of batch.hosts) upsert(hostFdrPk(h.aid), 'host', h, h.aid);
    for (const i of batch.interfaces) {
      const pk = hostFdrPk(i.aid);
      const cur = this.items.get(pk) ?? { kind: 'host' as const, aid: i.aid };
      const ips = i.ips.filter((x) => !cur.ips?.has(x));
      const macs = i.macs.filter((x) => !cur.macs?.has(x));
      if (ips.length === 0 && macs.length === 0) {
        st.unchanged++;
        continue;
      }
      this.items.set(pk, { ...cur, kind: 'host', aid: cur.aid ?? i.aid, ips: new Set([...(cur.ips ?? []), ...ips]), macs: new Set([...(cur.macs ?? []), ...macs]) });
      st.items++;
    }
    for (const u of batch.users) upsert(userFdrPk(u.sid), 'user', u);
    if (st.items > 0) this.snapshot = null;
    return st;
  }

  /** The FDR entries, as the context table's `context list --fdr` lists them (sorted by key). */
  entries(): { users: UserEntry[]; hosts: HostEntry[] } {
    const out: { users: UserEntry[]; hosts: HostEntry[] } = { users: [], hosts: [] };
    for (const pk of [...this.items.keys()].sort()) {
      const v = fdrItemEntry(this.items.get(pk)!);
      if (v) (v.kind === 'user' ? out.users : out.hosts).push(v.entry as never);
    }
    return out;
  }

  get size(): number {
    return this.items.size;
  }

  async lookup(): Promise<ContextSnapshot> {
    this.snapshot ??= new ContextIndex(this.entries());
    return this.snapshot;
  }
}
