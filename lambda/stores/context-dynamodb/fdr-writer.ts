/**
 * The DynamoDB adapter of the FdrSyncTarget port: FDR secondary data (aidmaster, managedassets, userinfo) into
 * the context table's `sk = FDR` items (key schema: keys.ts). Operator items are never touched.
 *
 * - Entries are written with UpdateItem conditioned on `attribute_not_exists(fdrTime) OR fdrTime < :t OR
 *   (fdrTime = :t AND fdrHash < :h)`: the newest record wins whatever order files arrive in, equal versions are
 *   no-ops, concurrent syncs are safe without transactions; managedassets `ADD`s to the ip/mac sets (idempotent).
 * - Each chunk of keys is read first (BatchGetItem) and only what would change is written, so a re-sync of a file
 *   costs reads, not writes (a refused conditional write is still billed as a write).
 * - Index items (names, IPs) are written before the entry (`ADD refs`), so an entry is never unreachable; old names
 *   are left to the lookups' verification.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { asDocumentClient } from '../../aws/clients';
import { mapLimit, valuesOrThrow } from '../../aws/concurrency';
import { backoffDelay, defaultSleep, isTransientError } from '../../aws/retry';
import { isNewer } from '../../context/sync';
import { emptyApplyStats, type FdrApplyStats, type FdrBatch, type FdrSyncTarget, type FdrVersion } from '../../ports';
import { sharedContextCache, type TtlLruCache } from './cache';
import { BATCH_GET_MAX, FDR, REF, fdrItemEntry, hostFdrPk, indexPks, userFdrPk, type Kind } from './keys';
import { ContextTableReader } from './reader';

/** IAM actions the FDR writer calls. */
export const FDR_WRITER_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] as const;

/** Keys read and written per round. */
const SYNC_CHUNK = 1000;

export interface DynamoFdrWriterOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Cache whose entries a write makes stale (default: the container-wide one lookups use; null: none). */
  cache?: TtlLruCache<unknown> | null;
  /** Attempts for throttled writes and UnprocessedKeys (on top of the SDK's own retries). Default 6. */
  maxAttempts?: number;
  /** Write requests in flight. Default 16. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
}

type SyncUnit =
  | { type: 'host'; pk: string; rec: FdrBatch['hosts'][number] }
  | { type: 'user'; pk: string; rec: FdrBatch['users'][number] }
  | { type: 'ifaces'; pk: string; rec: FdrBatch['interfaces'][number] };

const isConditionFailure = (err: unknown): boolean => (err as { name?: string })?.name === 'ConditionalCheckFailedException';

export class DynamoFdrWriter implements FdrSyncTarget {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly reader: ContextTableReader;
  private readonly cache: TtlLruCache<unknown> | null;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(o: DynamoFdrWriterOptions) {
    if (!o.tableName) throw new Error('DynamoFdrWriter: no table name');
    this.tableName = o.tableName;
    this.doc = asDocumentClient(o.client);
    this.reader = new ContextTableReader({ tableName: o.tableName, doc: this.doc, maxAttempts: o.maxAttempts, sleep: o.sleep });
    this.cache = o.cache === undefined ? sharedContextCache() : o.cache;
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 6);
    this.concurrency = Math.max(1, o.concurrency ?? 16);
    this.sleep = o.sleep ?? defaultSleep;
  }

  /**
   * Per chunk of keys, one BatchGetItem round reads what is stored, then only records that change something are
   * written — index items first, then the entry with its version condition — with bounded concurrency.
   */
  async applyFdr(batch: FdrBatch, opts: { signal?: AbortSignal } = {}): Promise<FdrApplyStats> {
    const st = emptyApplyStats();
    const units: SyncUnit[] = [
      ...batch.hosts.map((rec): SyncUnit => ({ type: 'host', pk: hostFdrPk(rec.aid), rec })),
      ...batch.interfaces.map((rec): SyncUnit => ({ type: 'ifaces', pk: hostFdrPk(rec.aid), rec })),
      ...batch.users.map((rec): SyncUnit => ({ type: 'user', pk: userFdrPk(rec.sid), rec })),
    ];
    for (let i = 0; i < units.length; i += SYNC_CHUNK) {
      if (opts.signal?.aborted) {
        throw new Error(`sync stopped after ${i} of ${units.length} keys: ${String(opts.signal.reason ?? 'aborted')}`);
      }
      const chunk = units.slice(i, i + SYNC_CHUNK);
      const keys = [...new Set(chunk.map((u) => u.pk))].map((pk) => ({ pk, sk: FDR }));
      const stored = new Map<string, Record<string, unknown>>();
      for (let j = 0; j < keys.length; j += BATCH_GET_MAX) {
        const before = this.reader.stats.requests;
        for (const it of await this.reader.batchGet(keys.slice(j, j + BATCH_GET_MAX), opts.signal)) stored.set(it.pk as string, it);
        st.readRequests += this.reader.stats.requests - before;
      }
      valuesOrThrow(await mapLimit(chunk, this.concurrency, (u) => this.applyUnit(u, stored.get(u.pk), st), { stopOnError: true }));
    }
    return st;
  }

  private invalidate(pk: string, sk: string): void {
    this.cache?.delete(this.reader.cacheKey({ pk, sk }));
  }

  private async applyUnit(u: SyncUnit, old: Record<string, unknown> | undefined, st: FdrApplyStats): Promise<void> {
    const now = new Date().toISOString();
    const key = { pk: u.pk, sk: FDR };
    if (u.type === 'ifaces') {
      const haveIps = new Set((old?.ips as Set<string> | undefined) ?? []);
      const haveMacs = new Set((old?.macs as Set<string> | undefined) ?? []);
      const ips = u.rec.ips.filter((x) => !haveIps.has(x));
      const macs = u.rec.macs.filter((x) => !haveMacs.has(x));
      if (ips.length === 0 && macs.length === 0) return void st.unchanged++;
      await Promise.all(ips.map((ip) => this.addRef(`HOST#IP#${ip}`, 'host', u.pk, st)));
      const adds: string[] = [];
      const names: Record<string, string> = { '#k': 'kind', '#aid': 'aid', '#u': 'updatedAt' };
      const values: Record<string, unknown> = { ':k': 'host', ':aid': u.rec.aid, ':now': now };
      if (ips.length > 0) {
        adds.push('#ips :ips');
        names['#ips'] = 'ips';
        values[':ips'] = new Set(ips);
      }
      if (macs.length > 0) {
        adds.push('#macs :macs');
        names['#macs'] = 'macs';
        values[':macs'] = new Set(macs);
      }
      await this.write(
        st,
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `ADD ${adds.join(', ')} SET #k = :k, #aid = if_not_exists(#aid, :aid), #u = :now`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      st.items++;
      this.invalidate(key.pk, key.sk);
      return;
    }
    const oldVersion: FdrVersion | null =
      old && typeof old.fdrTime === 'number' ? { time: old.fdrTime, hash: String(old.fdrHash ?? '') } : null;
    if (!isNewer(u.rec, oldVersion)) return void st.unchanged++;
    const kind: Kind = u.type;
    const entry = u.rec.entry;
    const oldEntry = old ? fdrItemEntry(old) : null;
    const had = new Set(oldEntry ? indexPks(oldEntry.kind, oldEntry.entry) : []);
    // References first: once the entry is there, its names already lead to it. Old names are left to verification.
    await Promise.all(indexPks(kind, entry).filter((ix) => !had.has(ix)).map((ix) => this.addRef(ix, kind, u.pk, st)));
    const names: Record<string, string> = { '#e': 'entry', '#t': 'fdrTime', '#h': 'fdrHash', '#k': 'kind', '#u': 'updatedAt' };
    const values: Record<string, unknown> = { ':e': entry, ':t': u.rec.time, ':h': u.rec.hash, ':k': kind, ':now': now };
    let set = 'SET #e = :e, #t = :t, #h = :h, #k = :k, #u = :now';
    if (u.type === 'host') {
      names['#aid'] = 'aid';
      values[':aid'] = u.rec.aid;
      set += ', #aid = :aid';
    }
    try {
      await this.write(
        st,
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: set,
          ConditionExpression: 'attribute_not_exists(#t) OR #t < :t OR (#t = :t AND #h < :h)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      st.items++;
      this.invalidate(key.pk, key.sk);
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      st.stale++; // a newer version landed since the read (another sync): it stays
    }
  }

  private async addRef(indexPk: string, kind: Kind, ref: string, st: FdrApplyStats): Promise<void> {
    await this.write(
      st,
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: indexPk, sk: REF },
        UpdateExpression: 'ADD refs :r SET kind = :k',
        ExpressionAttributeValues: { ':r': new Set([ref]), ':k': kind },
      }),
    );
    st.refs++;
    this.invalidate(indexPk, REF);
  }

  /** One write, retried with backoff on throttling and transient errors beyond the SDK's own attempts. */
  private async write(st: FdrApplyStats, cmd: UpdateCommand): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      st.writeRequests++;
      try {
        await this.doc.send(cmd);
        return;
      } catch (err) {
        if (isConditionFailure(err) || !isTransientError(err) || attempt >= this.maxAttempts) throw err;
        await this.sleep(backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 5000 }));
      }
    }
  }
}
