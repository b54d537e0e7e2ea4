/**
 * The pipeline's ports: every interface between the stages (pipeline.ts and the folders fdr/, rules/, context/,
 * alerts/) and the edges that talk to the outside world (sources/, sinks/, stores/). Stages know only these
 * interfaces; adapters implement them and own their failure semantics — a stage never inspects an AWS or Node
 * error to decide whether a retry could help: a source says so in a SourceError, a store or sink by throwing
 * (every store error is retryable for the caller) or by reporting per item.
 */
import type { AlertRecord } from './alerts/types';
import type { HostEntry, HostQuery, UserEntry, UserQuery } from './context/types';

// ── reading objects ─────────────────────────────────────────────────────────────────────────────────────────

/** One object (an FDR batch part) to read. `bucket` is null for local files. */
export interface ObjectRef {
  bucket: string | null;
  key: string;
  /** Size in bytes when known (S3 listings / events); 0-byte objects are skipped by callers. */
  size?: number;
}

/**
 * Why an object could not be read, as the adapter that read it judges it. `transient`: reading it again may
 * succeed (throttling, timeouts, 5xx, a reset connection, an unknown error); permanent: it cannot (missing,
 * denied, archived). `code` is a short, stable reason for logs and metrics (`not-found`, `throttled`, …).
 */
export class SourceError extends Error {
  override readonly name = 'SourceError';

  constructor(
    message: string,
    readonly transient: boolean,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** May a retry succeed? A SourceError says; anything else thrown by a source is a defect: retried. */
export function isTransientSourceError(err: unknown): boolean {
  return err instanceof SourceError ? err.transient : true;
}

/**
 * Reads an object as a byte stream, never buffering it whole. `open` and the iteration throw SourceError
 * (opening: the object is missing, denied, …; iterating: the connection broke, …).
 */
export interface ObjectSource {
  open(ref: ObjectRef, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

// ── publishing alerts ───────────────────────────────────────────────────────────────────────────────────────

export interface PublishFailure {
  alert_id: string;
  error: string;
}

export interface PublishResult {
  published: string[];
  failed: PublishFailure[];
}

/** Where alerts go (SNS; tests use in-memory sinks). Suppressed, shadow and throttled matches never reach a sink. */
export interface AlertSink {
  /** Every alert is either published or failed in the result; a thrown error fails them all. */
  publish(alerts: AlertRecord[]): Promise<PublishResult>;
}

/**
 * Gate for exactly-once publication by alert_id (conditional writes with a TTL).
 * claim → publish → confirm. An id claimed but never confirmed (crash) is handed out again after its lease.
 */
export interface DedupeStore {
  /** `fresh`: publish these now. `duplicate`: already published. `busy`: claimed by a live attempt elsewhere, retry later. */
  claim(alertIds: string[]): Promise<{ fresh: string[]; duplicate: string[]; busy: string[] }>;
  /** Mark ids as published. */
  confirm(alertIds: string[]): Promise<void>;
  /** Give back ids whose publication failed, so a retry may claim them at once. */
  release(alertIds: string[]): Promise<void>;
}

// ── context (hosts and users) ───────────────────────────────────────────────────────────────────────────────

/** The lookups of one object: the distinct hosts and users of its matches. */
export interface ContextQuery {
  hosts: HostQuery[];
  users: UserQuery[];
}

/** The answers for one batch of queries. Lookups on a snapshot are synchronous and apply the documented precedence. */
export interface ContextSnapshot {
  host(q: HostQuery): HostEntry | null;
  user(q: UserQuery): UserEntry | null;
  /** Set when the store could not answer (outage): matches then alert without context and say so. */
  degraded?: string;
}

/** Counters a store may keep across lookups (the handler reports their per-object difference as metrics). */
export interface ContextStoreStats {
  /** lookup() calls. */
  lookups: number;
  /** Distinct keys asked for (first round + references). */
  keys: number;
  /** Keys answered from the cache (positive or negative). */
  cacheHits: number;
  /** Keys read from the store. */
  fetched: number;
  /** Read requests sent. */
  requests: number;
  /** lookup() calls that ended degraded. */
  degraded: number;
}

export interface ContextStore {
  /**
   * One call per object, with the distinct keys of that object's matches (never per scanned event). Never
   * throws: an unreachable store answers with a `degraded` snapshot.
   */
  lookup(q: ContextQuery): Promise<ContextSnapshot>;
  stats?(): ContextStoreStats;
}

// ── FDR secondary data (fdrv2/) → the context ───────────────────────────────────────────────────────────────

/** Orders FDR records of one key: greater time wins; equal times are broken by the content hash. */
export interface FdrVersion {
  time: number;
  hash: string;
}

export interface FdrHostRecord extends FdrVersion {
  /** As FDR spells it; keys use lower case. */
  aid: string;
  entry: HostEntry;
}

export interface FdrInterfacesRecord {
  aid: string;
  ips: string[];
  /** Lower case. */
  macs: string[];
}

export interface FdrUserRecord extends FdrVersion {
  sid: string;
  entry: UserEntry;
}

/** What one fdrv2 object contributes, collapsed per key (the newest entry, unioned interfaces). */
export interface FdrBatch {
  hosts: FdrHostRecord[];
  interfaces: FdrInterfacesRecord[];
  users: FdrUserRecord[];
}

export interface FdrApplyStats {
  /** FDR items written (created or updated). */
  items: number;
  /** Index items written (references added). */
  refs: number;
  /** Records that would change nothing (the store already holds them or something newer). */
  unchanged: number;
  /** Conditional writes refused because a newer version landed in between (concurrent sync). */
  stale: number;
  /** Write requests sent (retries of throttled requests included). */
  writeRequests: number;
  /** Read requests sent. */
  readRequests: number;
}

/** Where FDR secondary data is kept: the context table in the Lambda, memory in replay. */
export interface FdrSyncTarget {
  /**
   * Applies a batch: per key the greater version wins, interfaces are unioned, operator data is never touched.
   * Idempotent. Stops between chunks of writes when `signal` fires (throws; what was written stays).
   */
  applyFdr(batch: FdrBatch, opts?: { signal?: AbortSignal }): Promise<FdrApplyStats>;
}

export const emptyApplyStats = (): FdrApplyStats => ({ items: 0, refs: 0, unchanged: 0, stale: 0, writeRequests: 0, readRequests: 0 });

// ── state of stateful detections (throttles, aggregate windows) ─────────────────────────────────────────────

/** One published alert per throttle key and period: the slot is held by the alert that took it. */
export interface ThrottleSlot {
  /** Rule, alert type, values of the throttle fields and the period index, hashed. */
  key: string;
  /** The alert id taking (or already holding) the slot. */
  holder: string;
  /** When the slot may be forgotten (epoch ms, wall clock). */
  expiresAt: number;
}

/** One object's partial aggregate of one group in one time bucket (a stored `Partial`, as JSON). */
export interface AggregateContribution {
  rule: string;
  group: string;
  /** Bucket start, event time (epoch ms). */
  bucket: number;
  /** Who contributed (one object): a contribution replaces the same contributor's, so a redelivery never adds twice. */
  contributor: string;
  /** The group's field values (shown in alerts). */
  values: Record<string, string>;
  data: string;
  expiresAt: number;
}

/** A group fired: quiet until `quietUntil` (event time) for any other firing; the same alert may be given again. */
export interface AggregateFiring {
  rule: string;
  group: string;
  /** Start of the run of buckets that fired (event time, ms). */
  runStart: number;
  quietUntil: number;
  alertId: string;
  /** The contributor (object) whose evaluation fired it: its redelivery gives the same alert again. */
  firedBy: string;
  expiresAt: number;
}

export interface GroupRange {
  rule: string;
  group: string;
  fromBucket: number;
  toBucket: number;
}

/**
 * Where stateful detections keep what spans objects: a DynamoDB table in the Lambda (conditional writes, TTL), memory
 * in replay (across all inputs of one run). Every write is idempotent or conditional: concurrent invocations and
 * redeliveries cannot double-count or fire twice.
 */
export interface StateStore {
  /**
   * Takes every slot nobody else holds (a holder may take its own slot again: a retry after a failed publication).
   * Returns each slot's holder after the call: the caller's alert id when taken or already its own, another alert's
   * id when another holds it (null when the store cannot say which).
   */
  claimThrottles(slots: ThrottleSlot[]): Promise<Map<string, string | null>>;
  /** Stores contributions, each replacing the same contributor's for its group and bucket. */
  putContributions(items: AggregateContribution[]): Promise<void>;
  /** Every contribution to the groups within their bucket ranges (inclusive). */
  readContributions(ranges: GroupRange[]): Promise<AggregateContribution[]>;
  /** The groups' current firing markers. */
  readFirings(groups: { rule: string; group: string }[]): Promise<AggregateFiring[]>;
  /**
   * Records a firing unless the group is quiet (another alert fired less than its quiet period before this run):
   * true when this firing holds the marker — new, or the same alert recorded before (a retry may publish it again).
   */
  claimFiring(f: AggregateFiring): Promise<boolean>;
  /** The newest event time each rule has seen (0 when none). */
  readWatermarks(rules: string[]): Promise<Map<string, number>>;
  /** Raises each rule's watermark to the given time where it is higher. */
  raiseWatermarks(marks: Map<string, number>): Promise<void>;
  /** Requests sent so far (for metrics and the benchmark). */
  requests?(): number;
}
