/**
 * Same-object identity: FDR's Windows process events carry only aid and UserSid, but the same batch often holds
 * UserIdentity / UserLogon events (UserSid, UserName, AuthenticationId) and AgentOnline / HostnameChanged
 * (ComputerName). Collected while streaming, consulted once the object has been read, so line order doesn't matter.
 */
import { BoundedMap } from './bounded';
import { readValue, valueAt } from './extract';
import { str } from './fieldview';
import type { RawEvent } from './types';

export const IDENTITY_EVENT_TYPES = ['UserIdentity', 'UserLogon', 'AgentOnline', 'HostnameChanged'] as const;
const USER_TYPES = new Set(['UserIdentity', 'UserLogon']);
const HOST_TYPES = new Set(['AgentOnline', 'HostnameChanged']);

/** Well-known SIDs that name themselves. */
export const WELL_KNOWN_SIDS: Readonly<Record<string, string>> = {
  'S-1-5-18': 'SYSTEM',
  'S-1-5-19': 'LOCAL SERVICE',
  'S-1-5-20': 'NETWORK SERVICE',
};

/** Machine and service logons are not "the user" behind a process. */
export function isServiceAccountName(name: string): boolean {
  const bare = name.includes('\\') ? name.slice(name.lastIndexOf('\\') + 1) : name;
  return (
    bare.endsWith('$') ||
    /^(DWM|UMFD)-\d+$/i.test(bare) ||
    /^(LOCAL|NETWORK) SERVICE$/i.test(bare) ||
    /^SYSTEM$/i.test(bare)
  );
}

/** A field of an identity event as the field view reads it (a string; numbers and booleans as text). */
type FieldOf = (name: string) => string | undefined;

function qualified(field: FieldOf): string | undefined {
  const name = field('UserName');
  if (!name) return undefined;
  const domain = field('LogonDomain') ?? field('UserDomain') ?? field('DomainName');
  return domain && !name.includes('\\') && !name.includes('@') ? `${domain}\\${name}` : name;
}

/** Identities remembered per object, per map (the newest win; bounded whatever the object size). */
export const DEFAULT_IDENTITY_CAPACITY = 100_000;

export class IdentityIndex {
  private readonly userBySid: BoundedMap<string, string>;
  private readonly userByAuth: BoundedMap<string, string>;
  private readonly hostByAid: BoundedMap<string, { name: string; ts: number }>;

  constructor(capacity = DEFAULT_IDENTITY_CAPACITY) {
    this.userBySid = new BoundedMap(capacity);
    this.userByAuth = new BoundedMap(capacity);
    this.hostByAid = new BoundedMap(capacity);
  }

  static isIdentityEvent(type: string | undefined): boolean {
    return type !== undefined && (USER_TYPES.has(type) || HOST_TYPES.has(type));
  }

  add(ev: RawEvent): void {
    const type = str(ev.event_simpleName);
    if (type) this.addFields(type, (name) => str(ev[name]));
  }

  /**
   * An identity event read from its line's text, without JSON.parse: the same entries as `add` of the parsed line.
   * `type` is the line's `event_simpleName` (the decoder checked it); the text must be one flat JSON object (`mayNest`
   * false). The names kept are fresh strings, never slices of the line.
   */
  addLine(text: string, type: string): void {
    this.addFields(type, (name) => readValue(text, valueAt(text, name)));
  }

  private addFields(type: string, field: FieldOf): void {
    const user = USER_TYPES.has(type);
    if (!user && !HOST_TYPES.has(type)) return;
    const aid = field('aid');
    if (!aid) return;
    if (user) {
      const name = qualified(field);
      if (!name || isServiceAccountName(name)) return;
      const sid = field('UserSid');
      if (sid) this.userBySid.set(`${aid}\u0000${sid}`, name);
      const auth = field('AuthenticationId');
      if (auth) this.userByAuth.set(`${aid}\u0000${auth}`, name);
    } else {
      const name = field('ComputerName');
      if (!name) return;
      const ts = Number(field('timestamp') ?? 0) || 0;
      const prev = this.hostByAid.get(aid);
      if (!prev || ts >= prev.ts) this.hostByAid.set(aid, { name, ts });
    }
  }

  userName(aid: string | null | undefined, userSid: string | null | undefined, authId?: string | null): string | undefined {
    if (!aid) return undefined;
    if (userSid) {
      const n = this.userBySid.get(`${aid}\u0000${userSid}`);
      if (n) return n;
    }
    if (authId) return this.userByAuth.get(`${aid}\u0000${authId}`);
    return undefined;
  }

  computerName(aid: string | null | undefined): string | undefined {
    return aid ? this.hostByAid.get(aid)?.name : undefined;
  }
}
