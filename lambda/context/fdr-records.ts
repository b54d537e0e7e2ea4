/**
 * FDR secondary-data records → context entries: aidmaster (a host by aid), managedassets (a host's interfaces),
 * userinfo (a user by SID). Field names vary across FDR versions; what is there is taken.
 */
import { str } from '../fdr/fieldview';
import { fdrTimeMs } from '../fdr/secondary';
import type { RawEvent } from '../fdr/types';
import type { HostEntry, UserEntry } from './types';

/** ProductType: 1 workstation, 2 domain controller, 3 server. Values like "1.0" happen. */
export function productTypeName(v: unknown): string | undefined {
  const s = str(v);
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return ({ 1: 'workstation', 2: 'domain-controller', 3: 'server' } as Record<number, string>)[n] ?? s;
}

export interface FdrHost extends HostEntry {
  aid: string;
  /** Epoch ms of the aidmaster record (its `Time`, else `timestamp`), or null when it carries none. */
  fdrTime: number | null;
}

export function hostFromAidmaster(r: RawEvent): FdrHost | null {
  const aid = str(r.aid);
  if (!aid) return null;
  const t = fdrTimeMs(r.Time) ?? fdrTimeMs(r.timestamp);
  const h: FdrHost = { aid, fdrTime: t, source: 'fdr:aidmaster' };
  if (t !== null) h.lastSeen = new Date(t).toISOString();
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

/** managedassets: a host's interface addresses. */
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
