/**
 * FDR secondary data (DESIGN.md §6): aidmaster, managedassets, userinfo (and notmanaged, appinfo, recognised and
 * skipped). Routing by key, wherever `fdrv2/<kind>/` sits (a tenant prefix before it, partitioned layouts after
 * it), and record → context entry mapping. Used by the local replay and by the context-table sync.
 */
import type { HostEntry, UserEntry } from '../context/types';
import type { ObjectRef, ObjectSource } from '../ports';
import { decodeEvents } from './decode';
import { str } from './fieldview';
import type { DecodeOptions, DecodeStats, RawEvent } from './types';

export type SecondaryKind = 'aidmaster' | 'managedassets' | 'userinfo' | 'notmanaged' | 'appinfo';
const KNOWN: ReadonlySet<string> = new Set(['aidmaster', 'managedassets', 'userinfo', 'notmanaged', 'appinfo']);
/** The kinds that feed the context; the others are recognised and skipped. */
export const SYNCED_KINDS: ReadonlySet<SecondaryKind> = new Set(['aidmaster', 'managedassets', 'userinfo']);

export type KeyRoute = { kind: 'secondary'; subtype: SecondaryKind } | { kind: 'secondary-unknown'; subtype: string } | null;

/** `tenant/fdrv2/aidmaster/batch=…/year=…/part-00000.c000.txt.gz` → aidmaster. Null when the key is not under fdrv2/. */
export function routeSecondaryKey(key: string): KeyRoute {
  const parts = key.split(/[\\/]/);
  const i = parts.indexOf('fdrv2');
  if (i < 0 || i + 1 >= parts.length) return null;
  const sub = parts[i + 1] ?? '';
  if (KNOWN.has(sub)) return { kind: 'secondary', subtype: sub as SecondaryKind };
  return { kind: 'secondary-unknown', subtype: sub };
}

/** FDR times come as epoch seconds (often with decimals) or milliseconds, as strings. → epoch ms, or null. */
export function fdrTimeMs(v: unknown): number | null {
  const s = str(v);
  if (s === undefined || s === '') return null;
  const n = Number(s);
  if (Number.isFinite(n)) return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  const d = Date.parse(s);
  return Number.isNaN(d) ? null : d;
}

/** ProductType: 1 workstation, 2 domain controller, 3 server. Values like "1.0" happen. */
export function productTypeName(v: unknown): string | undefined {
  const s = str(v);
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return ({ 1: 'workstation', 2: 'domain-controller', 3: 'server' } as Record<number, string>)[n] ?? s;
}

export interface FdrHost extends HostEntry {
  aid: string;
  /** Epoch ms of the aidmaster record (its `Time`): newer records win. */
  fdrTime: number;
}

export function hostFromAidmaster(r: RawEvent): FdrHost | null {
  const aid = str(r.aid);
  if (!aid) return null;
  const t = fdrTimeMs(r.Time) ?? fdrTimeMs(r.timestamp) ?? 0;
  const h: FdrHost = { aid, fdrTime: t, source: 'fdr:aidmaster', lastSeen: new Date(t).toISOString() };
  const set = <K extends keyof FdrHost>(k: K, v: FdrHost[K] | undefined) => {
    if (v !== undefined && v !== '') h[k] = v;
  };
  set('computerName', str(r.ComputerName));
  set('machineDomain', str(r.MachineDomain));
  set('ou', str(r.OU));
  set('siteName', str(r.SiteName));
  set('productType', productTypeName(r.ProductType));
  set('agentVersion', str(r.AgentVersion) ?? str(r.Version));
  return h;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export interface FdrAssetInterfaces {
  aid: string;
  ips: string[];
  macs: string[];
}

/** managedassets: a host's interface addresses. Field names vary across FDR versions; take what is there. */
export function interfacesFromManagedAssets(r: RawEvent): FdrAssetInterfaces | null {
  const aid = str(r.aid);
  if (!aid) return null;
  const ips = [r.LocalAddressIP4, r.LocalIP, r.IPAddress, r.aip]
    .map(str)
    .flatMap((s) => (s ? s.split(/[,\s]+/) : []))
    .filter((s) => IPV4.test(s));
  const macs = [r.MAC, r.MacAddress, r.InterfaceMAC].map(str).filter((s): s is string => !!s);
  if (ips.length === 0 && macs.length === 0) return null;
  return { aid, ips: [...new Set(ips)], macs: [...new Set(macs)] };
}

export function userFromUserinfo(r: RawEvent): UserEntry | null {
  const sid = str(r.UserSid_readable) ?? str(r.UserSid);
  if (!sid || !/^S-1-/i.test(sid)) return null;
  const u: UserEntry = { userSid: sid, source: 'fdr:userinfo' };
  const qualified = str(r.User);
  const name = qualified && qualified.includes('\\') ? qualified : (str(r.UserName) ?? qualified);
  if (name) u.userName = name;
  const set = <K extends keyof UserEntry>(k: K, v: UserEntry[K] | undefined) => {
    if (v !== undefined && v !== '') u[k] = v;
  };
  set('accountType', str(r.AccountType));
  set('localAdminAccess', str(r.LocalAdminAccess));
  set('lastLoggedOnHost', str(r.LastLoggedOnHost));
  return u;
}

/**
 * Accumulates secondary records in memory (local replay): the latest aidmaster `Time` wins per aid, whatever the
 * order files and lines arrive in; interfaces are unioned; users keyed by SID.
 */
export class SecondaryAccumulator {
  private readonly hostsByAid = new Map<string, FdrHost>();
  private readonly ifaces = new Map<string, { ips: Set<string>; macs: Set<string> }>();
  private readonly usersBySid = new Map<string, UserEntry>();
  records = 0;
  ignored = 0;

  add(kind: SecondaryKind, r: RawEvent): void {
    this.records++;
    if (kind === 'aidmaster') {
      const h = hostFromAidmaster(r);
      if (!h) return void this.ignored++;
      const prev = this.hostsByAid.get(h.aid);
      if (!prev || h.fdrTime >= prev.fdrTime) this.hostsByAid.set(h.aid, h);
    } else if (kind === 'managedassets') {
      const i = interfacesFromManagedAssets(r);
      if (!i) return void this.ignored++;
      const cur = this.ifaces.get(i.aid) ?? { ips: new Set<string>(), macs: new Set<string>() };
      i.ips.forEach((x) => cur.ips.add(x));
      i.macs.forEach((x) => cur.macs.add(x));
      this.ifaces.set(i.aid, cur);
    } else if (kind === 'userinfo') {
      const u = userFromUserinfo(r);
      if (!u?.userSid) return void this.ignored++;
      this.usersBySid.set(u.userSid.toUpperCase(), u);
    } else {
      this.ignored++;
    }
  }

  hosts(): HostEntry[] {
    const aids = new Set([...this.hostsByAid.keys(), ...this.ifaces.keys()]);
    return [...aids].map((aid) => {
      const { fdrTime: _t, ...h } = this.hostsByAid.get(aid) ?? { aid, fdrTime: 0, source: 'fdr:managedassets' };
      const i = this.ifaces.get(aid);
      return i ? { ...h, ips: [...i.ips], macs: [...i.macs] } : h;
    });
  }

  users(): UserEntry[] {
    return [...this.usersBySid.values()];
  }
}

/**
 * Streams one secondary-data object and hands each record to `onRecord` (batched per decoded chunk, so a sink can
 * write in batches). Bad lines are skipped and counted by the decoder like any other object's.
 */
export async function readSecondaryObject(
  ref: ObjectRef,
  source: ObjectSource,
  onBatch: (kind: SecondaryKind, records: RawEvent[]) => Promise<void> | void,
  opts: DecodeOptions = {},
): Promise<{ route: KeyRoute; stats: DecodeStats | null; error?: string }> {
  const route = routeSecondaryKey(ref.key);
  if (!route || route.kind !== 'secondary' || !SYNCED_KINDS.has(route.subtype)) return { route, stats: null };
  try {
    const { events, stats } = decodeEvents(await source.open(ref), { ...opts, eventTypes: null });
    for await (const batch of events) await onBatch(route.subtype, batch.map((e) => e.event));
    return { route, stats, error: stats.error?.message };
  } catch (err) {
    return { route, stats: null, error: (err as Error).message };
  }
}
