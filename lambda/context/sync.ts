/**
 * The sync of FDR secondary data into the context: one fdrv2 object in, upserts of FDR-owned entries out — into
 * the context table in the Lambda and `fdr-detect context sync`, into memory in replay (the same code on both).
 *
 * - aidmaster → the host's FDR entry by aid (ComputerName, MachineDomain, OU, SiteName, ProductType,
 *   AgentVersion, lastSeen); managedassets → the host's interface IPs/MACs (set union); userinfo → the user's FDR
 *   entry by SID (UserName / `DOMAIN\user`, AccountType, LocalAdminAccess, LastLoggedOnHost).
 * - Order: every entry record carries a version `(time, hash)`: `time` is the record's `Time` (else `timestamp` /
 *   `_time`, else the date in the object key's partitions `batch=YYYYMMDD…` / `year=/month=/day=/hour=`, else 0),
 *   `hash` a digest of the mapped entry. The greater version wins — compared in memory within a file and by a
 *   conditional write in the table — so files may arrive in any order, a record with the same time but other
 *   content resolves the same way whichever file comes first, and a re-sync of the same file changes nothing.
 * - Within one object, duplicates per key collapse in memory (up to `maxPendingKeys` distinct keys, then a flush)
 *   before anything is written.
 *
 * The storage side is the `FdrSyncTarget` port (lambda/ports.ts): DynamoFdrWriter and MemoryFdrStore in
 * lambda/stores/. Operator entries are never written here: FDR data lives apart from them.
 */
import { createHash } from 'node:crypto';
import { secondaryRoute, SYNCED_KINDS, type SecondaryKind, type SecondaryRoute } from '../keys';
import { fdrTimeMs, readSecondaryObject } from '../fdr/secondary';
import type { DecodeStats, RawEvent, SkipReason, SkippedLine } from '../fdr/types';
import {
  emptyApplyStats,
  type FdrApplyStats,
  type FdrBatch,
  type FdrHostRecord,
  type FdrSyncTarget,
  type FdrUserRecord,
  type FdrVersion,
  type ObjectRef,
  type ObjectSource,
} from '../ports';
import { hostFromAidmaster, interfacesFromManagedAssets, userFromUserinfo } from './fdr-records';

function addStats(a: FdrApplyStats, b: FdrApplyStats): void {
  a.items += b.items;
  a.refs += b.refs;
  a.unchanged += b.unchanged;
  a.stale += b.stale;
  a.writeRequests += b.writeRequests;
  a.readRequests += b.readRequests;
}

/** True when `a` should replace `b`. */
export function isNewer(a: FdrVersion, b: FdrVersion | null | undefined): boolean {
  if (!b) return true;
  return a.time > b.time || (a.time === b.time && a.hash > b.hash);
}

/** A stable digest of an entry (keys sorted), to break ties between records with the same time. */
export function entryHash(e: object): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha1').update(JSON.stringify(sorted(e))).digest('hex').slice(0, 16);
}

/**
 * The time a key's partitions name, as epoch ms: `year=2026/month=11/day=19[/hour=07]`, else `batch=YYYYMMDD[HH[MM[SS]]]`
 * (UTC). Null when the key names none.
 */
export function keyTimeMs(key: string): number | null {
  const part = (name: string): string | undefined => key.match(new RegExp(`(?:^|[\\\\/])${name}=(\\d+)(?:[\\\\/]|$)`))?.[1];
  const y = part('year');
  if (y && part('month') && part('day')) {
    const t = Date.UTC(Number(y), Number(part('month')) - 1, Number(part('day')), Number(part('hour') ?? 0));
    return Number.isFinite(t) ? t : null;
  }
  const b = part('batch');
  if (b && [8, 10, 12, 14].includes(b.length)) {
    const n = (i: number, l: number) => Number(b.slice(i, i + l) || 0);
    const [yy, mm, dd] = [n(0, 4), n(4, 2), n(6, 2)];
    if (yy < 2000 || yy > 2200 || mm < 1 || mm > 12 || dd < 1 || dd > 31) return null;
    return Date.UTC(yy, mm - 1, dd, n(8, 2), n(10, 2), n(12, 2));
  }
  return null;
}

// ── collapsing records of one object ────────────────────────────────────────────────────────────────────────

/** An entry bigger than this is not synced (a DynamoDB item holds 400 KB; FDR host/user fields are tiny). */
const MAX_ENTRY_BYTES = 16 * 1024;

/** Collects the records of one object, keeping per key only what would be written: the newest entry, unioned interfaces. */
export class FdrCollector {
  private hosts = new Map<string, FdrHostRecord>();
  private ifaces = new Map<string, { aid: string; ips: Set<string>; macs: Set<string> }>();
  private users = new Map<string, FdrUserRecord>();
  records = 0;
  /** Records that name no host/user (no aid, no SID, no interface) or are oversized. */
  ignored = 0;

  /** @param keyTime the object's partition time: the version of records that carry no time of their own. */
  constructor(private readonly keyTime: number | null = null) {}

  get size(): number {
    return this.hosts.size + this.ifaces.size + this.users.size;
  }

  add(kind: SecondaryKind, r: RawEvent): void {
    this.records++;
    if (kind === 'aidmaster') {
      const h = hostFromAidmaster(r);
      if (!h) return void this.ignored++;
      const { fdrTime, ...entry } = h;
      // No Time in the record: order by the object's partition date (lastSeen stays unknown).
      const rec = this.versioned({ aid: h.aid, entry }, fdrTime ?? this.keyTime ?? 0);
      if (!rec) return;
      const k = h.aid.toLowerCase();
      if (isNewer(rec, this.hosts.get(k))) this.hosts.set(k, rec);
    } else if (kind === 'managedassets') {
      const i = interfacesFromManagedAssets(r);
      if (!i) return void this.ignored++;
      const k = i.aid.toLowerCase();
      const cur = this.ifaces.get(k) ?? { aid: i.aid, ips: new Set<string>(), macs: new Set<string>() };
      i.ips.forEach((x) => cur.ips.add(x));
      i.macs.forEach((x) => cur.macs.add(x.toLowerCase()));
      this.ifaces.set(k, cur);
    } else if (kind === 'userinfo') {
      const u = userFromUserinfo(r);
      if (!u?.userSid) return void this.ignored++;
      const time = fdrTimeMs(r.Time) ?? fdrTimeMs(r.timestamp) ?? fdrTimeMs(r._time) ?? this.keyTime ?? 0;
      const rec = this.versioned({ sid: u.userSid, entry: u }, time);
      if (!rec) return;
      const k = u.userSid.toUpperCase();
      if (isNewer(rec, this.users.get(k))) this.users.set(k, rec);
    } else {
      this.ignored++;
    }
  }

  private versioned<T extends { entry: object }>(r: T, time: number): (T & FdrVersion) | null {
    const text = JSON.stringify(r.entry);
    if (text.length > MAX_ENTRY_BYTES) {
      this.ignored++;
      return null;
    }
    return { ...r, time, hash: entryHash(r.entry) };
  }

  /** Everything collected so far; the collector starts empty again. */
  drain(): FdrBatch {
    const batch: FdrBatch = {
      hosts: [...this.hosts.values()],
      interfaces: [...this.ifaces.values()].map((i) => ({ aid: i.aid, ips: [...i.ips].sort(), macs: [...i.macs].sort() })),
      users: [...this.users.values()],
    };
    this.hosts = new Map();
    this.ifaces = new Map();
    this.users = new Map();
    return batch;
  }
}

// ── one object ──────────────────────────────────────────────────────────────────────────────────────────────

export interface SyncOptions {
  /** Stops reading when it fires (the result is then a transient error: retry). */
  signal?: AbortSignal;
  /** Distinct keys held in memory before a flush to the table. Default 50 000 (~25 MB). */
  maxPendingKeys?: number;
}

export type SyncErrorStage = 'open' | 'source' | 'gzip' | 'format' | 'write';

export interface SyncResult {
  ref: ObjectRef;
  route: SecondaryRoute | null;
  /** `synced`: read and written (possibly with a permanent error after a readable part); `skipped`: not a synced kind. */
  status: 'synced' | 'skipped' | 'error';
  subtype: string | null;
  /** Records read (decoded lines of a synced kind). */
  records: number;
  /** Records that name nothing to sync. */
  ignored: number;
  /** Distinct keys written or checked. */
  keys: number;
  write: FdrApplyStats;
  /** Lines skipped by the decoder (corrupt JSON, over-long, …), with reasons. */
  linesSkipped: number;
  skipped: Partial<Record<SkipReason, number>>;
  skippedSamples: SkippedLine[];
  bytesIn: number;
  /** transient: retry the whole object (the writes are idempotent); permanent: the readable part was synced. */
  error?: { kind: 'transient' | 'permanent'; stage: SyncErrorStage; code: string; message: string };
}

const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/**
 * Reads one fdrv2 object and upserts its records into the context table. Never throws: failures are in `error`.
 * Kinds that are not synced (notmanaged, appinfo, unknown subtypes) and keys outside fdrv2/ come back `skipped`.
 */
export async function syncSecondaryObject(
  ref: ObjectRef,
  source: ObjectSource,
  store: FdrSyncTarget,
  opts: SyncOptions = {},
): Promise<SyncResult> {
  const route = secondaryRoute(ref.key);
  const result: SyncResult = {
    ref,
    route,
    status: 'skipped',
    subtype: route?.subtype ?? null,
    records: 0,
    ignored: 0,
    keys: 0,
    write: emptyApplyStats(),
    linesSkipped: 0,
    skipped: {},
    skippedSamples: [],
    bytesIn: 0,
  };
  if (!route || route.kind !== 'secondary' || !SYNCED_KINDS.has(route.subtype)) return result;
  result.status = 'synced';

  const maxPending = Math.max(1, opts.maxPendingKeys ?? 50_000);
  const collector = new FdrCollector(keyTimeMs(ref.key));
  let writeError: unknown;
  const flush = async (): Promise<void> => {
    if (collector.size === 0) return;
    const batch = collector.drain();
    result.keys += batch.hosts.length + batch.interfaces.length + batch.users.length;
    addStats(result.write, await store.applyFdr(batch, { signal: opts.signal }));
  };
  let read: Awaited<ReturnType<typeof readSecondaryObject>> | null = null;
  try {
    read = await readSecondaryObject(
      ref,
      source,
      async (kind, records) => {
        for (const r of records) collector.add(kind, r);
        if (collector.size >= maxPending) await flush();
      },
      { signal: opts.signal },
    );
  } catch (err) {
    writeError = err; // only the store can throw here: reading reports its failures in the result
  }
  const stats: DecodeStats | null = read?.stats ?? null;
  if (stats) {
    result.bytesIn = stats.bytesIn;
    result.skipped = Object.fromEntries(Object.entries(stats.skipped).filter(([, n]) => n > 0));
    result.linesSkipped = Object.values(stats.skipped).reduce((a, b) => a + b, 0);
    result.skippedSamples = stats.skippedSamples;
  }
  result.records = collector.records;
  result.ignored = collector.ignored;

  if (writeError !== undefined) {
    // Store errors (throttling beyond retries, outage, a missing table) retry the object; the DLQ bounds it.
    result.error = { kind: 'transient', stage: 'write', code: 'store', message: errorText(writeError) };
  } else if (read?.openError) {
    const e = read.openError;
    result.error = { kind: e.transient ? 'transient' : 'permanent', stage: 'open', code: e.code, message: e.message };
  } else if (stats?.error) {
    const e = stats.error;
    result.error = { kind: e.transient ? 'transient' : 'permanent', stage: e.stage, code: e.code, message: e.message };
  }
  if (result.error?.kind === 'transient') {
    // The retry reads the whole object again; writing the part read so far would only cost writes.
    result.status = 'error';
    return result;
  }
  try {
    await flush();
  } catch (err) {
    result.status = 'error';
    result.error = { kind: 'transient', stage: 'write', code: 'store', message: errorText(err) };
  }
  return result;
}

/** Counts over several objects (CLI summary). */
export function sumResults(rs: SyncResult[]): { records: number; ignored: number; keys: number; linesSkipped: number; write: FdrApplyStats } {
  const out = { records: 0, ignored: 0, keys: 0, linesSkipped: 0, write: emptyApplyStats() };
  for (const r of rs) {
    out.records += r.records;
    out.ignored += r.ignored;
    out.keys += r.keys;
    out.linesSkipped += r.linesSkipped;
    addStats(out.write, r.write);
  }
  return out;
}
