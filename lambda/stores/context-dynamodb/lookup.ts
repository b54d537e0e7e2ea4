/**
 * The DynamoDB adapter of the ContextStore port (the Lambda's lookups; `replay --context dynamodb`).
 *
 * Lookups read `ENTRY` and `FDR` items for every aid/SID key they touch, follow name/IP index items to the entries
 * they point to, and — when an FDR item supplies a computer name, user name or IPs — read the operator items under
 * those too (an operator may tag a host by name only). The snapshot (ContextIndex) merges operator and FDR
 * entries, operator fields winning. Reads go through a container-wide LRU+TTL cache, negative answers included.
 *
 * Failure: a lookup never throws. Any error after the SDK's retries, or a lookup that takes longer than
 * `timeoutMs` (a table that accepts connections and never answers), yields a `degraded` snapshot: matches then
 * alert without context and unsuppressed, and say so.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { asDocumentClient } from '../../aws/clients';
import { errorMessage } from '../../aws/retry';
import { ContextIndex } from '../../context/memory';
import type { ContextQuery, ContextSnapshot, ContextStore, ContextStoreStats } from '../../ports';
import { sharedContextCache, type TtlLruCache } from './cache';
import { ContextTableReader } from './reader';

/** IAM actions the lookups call. */
export const CONTEXT_LOOKUP_ACTIONS = ['dynamodb:BatchGetItem'] as const;

/** Default limit of one lookup (all its rounds and retries) before it degrades. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

export interface DynamoContextStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Default: the container-wide shared cache; null: no cache. */
  cache?: TtlLruCache<unknown> | null;
  /** Attempts for UnprocessedKeys (on top of the SDK's own retries). Default 6. */
  maxAttempts?: number;
  /** One lookup's time limit; past it the snapshot is degraded. Default 5 s. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class DynamoContextStore implements ContextStore {
  readonly tableName: string;
  private readonly reader: ContextTableReader;
  private readonly cache: TtlLruCache<unknown> | null;
  private readonly timeoutMs: number;

  constructor(o: DynamoContextStoreOptions) {
    if (!o.tableName) throw new Error('DynamoContextStore: no table name');
    this.tableName = o.tableName;
    this.reader = new ContextTableReader({ tableName: o.tableName, doc: asDocumentClient(o.client), maxAttempts: o.maxAttempts, sleep: o.sleep });
    this.cache = o.cache === undefined ? sharedContextCache() : o.cache;
    this.timeoutMs = o.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  }

  stats(): ContextStoreStats {
    return { ...this.reader.stats };
  }

  async lookup(q: ContextQuery): Promise<ContextSnapshot> {
    this.reader.stats.lookups++;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      return new ContextIndex(await this.reader.resolve(q, this.cache, ac.signal));
    } catch (err) {
      this.reader.stats.degraded++;
      const why = ac.signal.aborted ? String((ac.signal.reason as Error)?.message ?? ac.signal.reason) : errorMessage(err);
      return new ContextIndex({}, `context store unavailable: ${why}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
