/**
 * Same-object identity: FDR's Windows process events carry only aid and UserSid, but the same batch often holds
 * UserIdentity / UserLogon events (UserSid, UserName, AuthenticationId) and AgentOnline / HostnameChanged
 * (ComputerName). Collected while streaming, consulted once the object has been read, so line order doesn't matter.
 */
import { BoundedMap, StringIds } from './bounded';
import { rawString, readValue, valueAt } from './extract';
import { str } from './fieldview';
import { canonicalNumber, canonicalNumberAt, grown, KeyIds, KeyRing } from './keyring';
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
/** The id in `ids` of a field of an identity event; -1 when it has none (absent or empty). */
type KeyIdOf = (ids: KeyIds, name: string) => number;


/** Identities remembered per object, per map (the newest win; bounded whatever the object size). */
export const DEFAULT_IDENTITY_CAPACITY = 100_000;

/**
 * Users by (aid, SID) and by (aid, logon id), hosts by aid. Keys live in typed arrays (fdr/keyring.ts) and names are
 * ids of shared strings (StringIds), per slot in typed arrays too: a logon costs no JavaScript heap of its own, and a
 * name seen before (qualified with its domain and judged a service account or not) is not built or judged again.
 */
export class IdentityIndex {
  private readonly aids: KeyIds;
  private readonly sids: KeyIds;
  /** Logon ids that are not canonical decimals (rare): keyed by a string id, as a negative number. */
  private readonly authStrings: KeyIds;
  private readonly bySid: KeyRing;
  /** Per slot of bySid / byAuth, the id of its name in `names`. */
  private sidNames = new Int32Array(0);
  private readonly byAuth: KeyRing;
  private authNames = new Int32Array(0);
  private readonly names = new StringIds();
  private readonly hostByAid: BoundedMap<string, { name: string; ts: number }>;
  /** Raw (still JSON-escaped) values of a line → their decoded copies (aids, SIDs, names and domains repeat). */
  private readonly decoded = new Map<string, string>();
  /** Domain → user name → the qualified name, or null for a service account (never the user behind a process). */
  private readonly qualifiedNames = new Map<string, Map<string, string | null>>();
  private qualifiedCount = 0;

  constructor(private readonly capacity = DEFAULT_IDENTITY_CAPACITY) {
    this.aids = new KeyIds(capacity);
    this.sids = new KeyIds(capacity);
    this.authStrings = new KeyIds(capacity);
    this.bySid = new KeyRing(capacity);
    this.byAuth = new KeyRing(capacity);
    this.hostByAid = new BoundedMap(capacity);
  }

  static isIdentityEvent(type: string | undefined): boolean {
    return type !== undefined && (USER_TYPES.has(type) || HOST_TYPES.has(type));
  }

  add(ev: RawEvent): void {
    const type = str(ev.event_simpleName);
    if (!type) return;
    const field: FieldOf = (name) => str(ev[name]);
    if (USER_TYPES.has(type)) {
      const keyId: KeyIdOf = (ids, name) => {
        const v = field(name);
        return v ? ids.idOf(v) : -1;
      };
      this.addUser(field, keyId, -1, field('AuthenticationId'));
    } else if (HOST_TYPES.has(type)) this.addHost(field);
  }

  /**
   * An identity event read from its line's text, without JSON.parse: the same entries as `add` of the parsed line.
   * `type` is the line's `event_simpleName` (the decoder checked it); the text must be one flat JSON object (`mayNest`
   * false). The names kept are fresh strings, never slices of the line.
   */
  addLine(text: string, type: string): void {
    const field: FieldOf = (name) => this.read(text, valueAt(text, name));
    if (USER_TYPES.has(type)) {
      // A logon id is unique per logon: read in place as its number (no string, nothing cached), like a process id.
      const p = valueAt(text, 'AuthenticationId');
      const num = canonicalNumberAt(text, p);
      this.addUser(field, (ids, name) => ids.idAt(text, valueAt(text, name), this.readOf), num, num >= 0 ? undefined : readValue(text, p));
    } else if (HOST_TYPES.has(type)) this.addHost(field);
  }

  /** A user's logon: `authNum` its logon id as a canonical number, else -1 and `auth` the id as read (if any). */
  private addUser(field: FieldOf, keyId: KeyIdOf, authNum: number, auth: string | undefined): void {
    const name = this.qualified(field);
    if (!name) return;
    const a = keyId(this.aids, 'aid');
    if (a === -1) return;
    const sid = keyId(this.sids, 'UserSid');
    if (sid !== -1) this.sidNames = this.keep(this.sidNames, this.bySid.insert(a, sid), name);
    // (A logon id that is not read in place, say an escaped or exponent form, may still be a canonical decimal.)
    const num = authNum >= 0 ? authNum : auth ? canonicalNumber(auth) : -1;
    const key = num >= 0 ? num : auth ? -this.authStrings.idOf(auth) : null;
    if (key !== null) this.authNames = this.keep(this.authNames, this.byAuth.insert(a, key), name);
  }

  private addHost(field: FieldOf): void {
    const aid = field('aid');
    if (!aid) return;
    const name = field('ComputerName');
    if (!name) return;
    const ts = Number(field('timestamp') ?? 0) || 0;
    const prev = this.hostByAid.get(aid);
    if (!prev || ts >= prev.ts) this.hostByAid.set(aid, { name, ts });
  }

  userName(aid: string | null | undefined, userSid: string | null | undefined, authId?: string | null): string | undefined {
    if (!aid) return undefined;
    const a = this.aids.peek(aid);
    if (a === -1) return undefined;
    if (userSid) {
      const sid = this.sids.peek(userSid);
      const slot = sid === -1 ? -1 : this.bySid.find(a, sid);
      if (slot !== -1) return this.names.value(this.sidNames[slot]);
    }
    if (authId) {
      const key = this.authKey(authId);
      const slot = key === null ? -1 : this.byAuth.find(a, key);
      if (slot !== -1) return this.names.value(this.authNames[slot]);
    }
    return undefined;
  }

  computerName(aid: string | null | undefined): string | undefined {
    return aid ? this.hostByAid.get(aid)?.name : undefined;
  }

  /** Distinct user names held by the slots. */
  get nameCount(): number {
    return this.names.size;
  }

  /** `name` kept for `slot` in `ids` (grown with the ring's slots; the name the slot held before is let go). */
  private keep<T extends Int32Array>(ids: T, slot: number, name: string): T {
    if (slot >= ids.length) ids = grown(ids, Math.min(this.capacity, Math.max(slot + 1, ids.length * 2, 1024)));
    const id = this.names.acquire(name);
    this.names.release(ids[slot]);
    ids[slot] = id;
    return ids;
  }

  /** A logon id's key: its number when a canonical decimal, else the negative id of its string; null when it has none. */
  private authKey(auth: string): number | null {
    const n = canonicalNumber(auth);
    if (n >= 0) return n;
    const id = this.authStrings.peek(auth);
    return id === -1 ? null : -id;
  }

  /** The user's name with its domain, once per distinct (domain, name); null for a service account. */
  private qualified(field: FieldOf): string | undefined {
    const name = field('UserName');
    if (!name) return undefined;
    const domain = field('LogonDomain') ?? field('UserDomain') ?? field('DomainName') ?? '';
    let names = this.qualifiedNames.get(domain);
    if (names === undefined) this.qualifiedNames.set(domain, (names = new Map()));
    let q = names.get(name);
    if (q === undefined) {
      const full = domain && !name.includes('\\') && !name.includes('@') ? `${domain}\\${name}` : name;
      q = isServiceAccountName(full) ? null : full;
      if (this.qualifiedCount++ >= this.capacity) {
        this.qualifiedNames.clear();
        this.qualifiedCount = 0;
      }
      names.set(name, q);
    }
    return q ?? undefined;
  }

  /** `read`, bound: what KeyIds.idAt reads an escaped value with. */
  private readonly readOf = (text: string, i: number): string | undefined => this.read(text, i);

  /** The value at `i` of a line as `readValue` reads it; a string decoded once per distinct raw form. */
  private read(text: string, i: number): string | undefined {
    const raw = rawString(text, i);
    if (raw === undefined) return readValue(text, i);
    const have = this.decoded.get(raw);
    if (have !== undefined) return have;
    const value = readValue(text, i);
    if (value === undefined) return undefined;
    if (this.decoded.size >= this.capacity) this.decoded.clear();
    // The key must not be a slice of the line (it would keep the line alive).
    this.decoded.set(raw.includes('\\') ? Buffer.from(raw).toString() : value, value);
    return value;
  }
}
