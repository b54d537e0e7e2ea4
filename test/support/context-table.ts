// One context table seen through its three adapters (lookups, FDR writer, operator admin), for tests.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TtlLruCache } from '../../lambda/stores/context-dynamodb/cache';
import { DynamoContextAdmin } from '../../lambda/stores/context-dynamodb/admin';
import { DynamoFdrWriter } from '../../lambda/stores/context-dynamodb/fdr-writer';
import { DynamoContextStore } from '../../lambda/stores/context-dynamodb/lookup';
import type { ContextFile, HostEntry, HostQuery, UserEntry, UserQuery } from '../../lambda/context/types';
import type { ContextQuery, ContextSnapshot, ContextStore, ContextStoreStats, FdrApplyStats, FdrBatch, FdrSyncTarget } from '../../lambda/ports';

export interface ContextTableOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Default: a fresh cache per table object (tests stay independent). */
  cache?: TtlLruCache<unknown> | null;
  concurrency?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class ContextTable implements ContextStore, FdrSyncTarget {
  readonly tableName: string;
  readonly store: DynamoContextStore;
  readonly writer: DynamoFdrWriter;
  readonly admin: DynamoContextAdmin;

  constructor(o: ContextTableOptions) {
    const cache = o.cache === undefined ? new TtlLruCache<unknown>(10_000, 60_000) : o.cache;
    this.tableName = o.tableName;
    this.store = new DynamoContextStore({ tableName: o.tableName, client: o.client, cache, maxAttempts: o.maxAttempts, timeoutMs: o.timeoutMs, sleep: o.sleep });
    this.writer = new DynamoFdrWriter({ tableName: o.tableName, client: o.client, cache, concurrency: o.concurrency, maxAttempts: o.maxAttempts, sleep: o.sleep });
    this.admin = new DynamoContextAdmin({ tableName: o.tableName, client: o.client, cache });
  }

  lookup(q: ContextQuery): Promise<ContextSnapshot> {
    return this.store.lookup(q);
  }

  stats(): ContextStoreStats {
    return this.store.stats();
  }

  applyFdr(batch: FdrBatch, opts?: { signal?: AbortSignal }): Promise<FdrApplyStats> {
    return this.writer.applyFdr(batch, opts);
  }

  putEntries(file: ContextFile) {
    return this.admin.putEntries(file);
  }

  exportAll(o?: { fdr?: boolean }) {
    return this.admin.exportAll(o);
  }

  deleteEntry(sel: ({ kind: 'user' } & UserQuery) | ({ kind: 'host' } & HostQuery)): Promise<UserEntry | HostEntry | null> {
    return this.admin.deleteEntry(sel);
  }
}
