/**
 * What a match (or a fired aggregate) learns from the context: the names its event lacked, the host and user
 * entries, and whether the policy suppresses it. One lookup per object for everything it matched; without context
 * (an outage) nothing is suppressed: alert rather than lose a detection.
 */
import type { ContextSnapshot, ContextStore } from '../ports';
import { parseIp } from '../rules/cidr';
import type { Fields } from '../rules/types';
import { errorMessage } from '../util';
import { ContextIndex } from './memory';
import { suppressionFor, type Suppression, type SuppressionRule } from './policy';
import type { HostEntry, HostQuery, UserEntry, UserQuery } from './types';

/** Where a name in the alert came from (resolution order: event → same-object identity / well-known SID → context → none). */
export type NameSource = 'event' | 'stream' | 'well-known' | 'context' | null;

export interface Names {
  ComputerName: string | null;
  ComputerNameSource: NameSource;
  UserName: string | null;
  UserNameSource: NameSource;
}

/** What is looked up for one match. */
export interface Subject {
  names: Names;
  host: HostQuery;
  user: UserQuery;
  /** The event's remote address, for policies on the remote host (found by that address only). */
  remoteHost?: HostQuery;
}

/** What is looked up for an event's fields, with the names already resolved for it. */
export function subjectOf(fields: Fields, names: Names): Subject {
  return {
    names,
    host: { aid: fields.aid, computerName: names.ComputerName, ips: [fields.aip, fields.LocalAddressIP4] },
    user: { userSid: fields.UserSid, userName: names.UserName },
    remoteHost: fields.RemoteAddressIP4 || fields.RemoteAddressIP6 ? { ips: [fields.RemoteAddressIP4, fields.RemoteAddressIP6, mappedIPv4(fields.RemoteAddressIP6)] } : undefined,
  };
}

/** `::ffff:10.0.5.10` (or `0:0:0:0:0:ffff:a00:50a`) is the IPv4 host 10.0.5.10: a context entry lists it so. */
function mappedIPv4(ip6: string | undefined): string | undefined {
  if (!ip6 || !ip6.includes(':')) return undefined;
  const ip = parseIp(ip6);
  if (ip?.v !== 4) return undefined;
  const n = Number(ip.n);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** One lookup for all the subjects of an object; a store that fails gives a degraded snapshot. */
export async function lookup(context: ContextStore, subjects: readonly Subject[]): Promise<ContextSnapshot> {
  try {
    return await context.lookup({
      hosts: subjects.flatMap((s) => (s.remoteHost ? [s.host, s.remoteHost] : [s.host])),
      users: subjects.map((s) => s.user),
    });
  } catch (err) {
    return new ContextIndex({}, `context lookup failed: ${errorMessage(err)}`);
  }
}

export interface Decision {
  host: HostEntry | null;
  user: UserEntry | null;
  remoteHost: HostEntry | null;
  suppressed: Suppression | null;
}

/** The entries of one subject, its names completed from them (in place), and its suppression. */
export function decide(snapshot: ContextSnapshot, s: Subject, alertType: string, ts: number | null, policy: readonly SuppressionRule[]): Decision {
  const host = snapshot.host(s.host);
  const user = snapshot.user(s.user);
  // The remote host is found by its address only: a name the client supplies (ClientComputerName) is not trusted.
  const remoteHost = s.remoteHost ? snapshot.host({ ips: s.remoteHost.ips }) : null;
  const n = s.names;
  if (!n.ComputerName && host?.computerName) [n.ComputerName, n.ComputerNameSource] = [host.computerName, 'context'];
  if (!n.UserName && user?.userName) [n.UserName, n.UserNameSource] = [user.userName, 'context'];
  const suppressed = snapshot.degraded ? null : suppressionFor(alertType, { user, host, remoteHost }, ts, policy);
  return { host, user, remoteHost, suppressed };
}
