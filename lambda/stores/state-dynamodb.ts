/**
 * The state of stateful detections in DynamoDB (table `STATE_TABLE_NAME`; string keys `pk`/`sk`; TTL attribute
 * `expiresAt`, epoch seconds). No transactions: every write is idempotent or conditional.
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | throttle slot | `THR#<key>` (rule, alert type, field values, period) | `THR` | `holder` (alert id), `expiresAt` |
 * | aggregate contribution | `AGG#<rule>#<group>` | `B#<bucket start, 15 digits>#<contributor>` | `data` (JSON partial), `values` (group fields), `expiresAt` |
 * | firing marker | `AGG#<rule>#<group>` | `FIRED` | `runStart`, `quietUntil`, `alertId`, `firedBy`, `expiresAt` |
 * | watermark | `WM#<rule>` | `WM` | `t` (newest event time seen, ms) |
 *
 * - A slot is taken with PutItem if `attribute_not_exists(pk) OR holder = :me`: one holder per key, and the holder
 *   itself may take it again (a retry after a failed publication).
 * - A contribution is one item per (group, bucket, contributing object), written with BatchWriteItem: a redelivered
 *   object rewrites its own items, so counts never double; a group's window is one Query (strongly consistent), so
 *   after writing, at least one of two concurrent invocations sees both contributions.
 * - A firing is PutItem if `attribute_not_exists(pk) OR alertId = :id OR quietUntil <= :runStart`: concurrent
 *   invocations fire a group once; the same alert may be recorded again (its publication is then de-duplicated).
 * Requests per object: one BatchWriteItem per 25 contributions, one Query per touched group, one BatchGetItem per
 * 100 firing markers and watermarks, one PutItem per throttle key and per firing, one UpdateItem per rule's watermark.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { asDocumentClient } from '../aws/clients';
import { mapLimit, valuesOrThrow } from '../aws/concurrency';
import { backoffDelay, defaultSleep } from '../aws/retry';
import type { AggregateContribution, AggregateFiring, GroupRange, StateStore, ThrottleSlot } from '../ports';

/** IAM actions this store calls. */
export const STATE_STORE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:UpdateItem',
] as const;

const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;
const pad = (n: number): string => String(Math.max(0, Math.floor(n))).padStart(15, '0');
const groupPk = (rule: string, group: string): string => `AGG#${rule}#${group}`;
const seconds = (ms: number): number => Math.ceil(ms / 1000);
const isConditionFailure = (err: unknown): boolean => (err as { name?: string })?.name === 'ConditionalCheckFailedException';

export interface DynamoStateStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Requests in flight. Default 16. */
  concurrency?: number;
  /** Attempts for UnprocessedItems / UnprocessedKeys (on top of the SDK's retries). Default 6. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class DynamoStateStore implements StateStore {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private sent = 0;

  constructor(o: DynamoStateStoreOptions) {
    if (!o.tableName) throw new Error('DynamoStateStore: no table name');
    this.tableName = o.tableName;
    this.doc = asDocumentClient(o.client);
    this.concurrency = Math.max(1, o.concurrency ?? 16);
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 6);
    this.sleep = o.sleep ?? defaultSleep;
  }

  requests(): number {
    return this.sent;
  }

  /** Every request goes through here, to be counted. */
  private send<T>(cmd: unknown): Promise<T> {
    this.sent++;
    return (this.doc.send as (c: unknown) => Promise<T>).call(this.doc, cmd);
  }

  async claimThrottles(slots: ThrottleSlot[]): Promise<Map<string, string | null>> {
    const held = new Map<string, string | null>();
    const results = await mapLimit(slots, this.concurrency, async (s) => {
      try {
        await this.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: `THR#${s.key}`, sk: 'THR', holder: s.holder, expiresAt: seconds(s.expiresAt) },
            ConditionExpression: 'attribute_not_exists(pk) OR holder = :h',
            ExpressionAttributeValues: { ':h': s.holder },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        held.set(s.key, s.holder);
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // The holder, when the store returns the item that failed the condition.
        const item = (err as { Item?: { holder?: { S?: string } | string } }).Item;
        const holder = typeof item?.holder === 'string' ? item.holder : item?.holder?.S;
        held.set(s.key, holder ?? null);
      }
    }, { stopOnError: true });
    valuesOrThrow(results);
    return held;
  }

  async putContributions(items: AggregateContribution[]): Promise<void> {
    const requests = items.map((c) => ({
      PutRequest: {
        Item: {
          pk: groupPk(c.rule, c.group),
          sk: `B#${pad(c.bucket)}#${c.contributor}`,
          bucket: c.bucket,
          contributor: c.contributor,
          values: c.values,
          data: c.data,
          expiresAt: seconds(c.expiresAt),
        },
      },
    }));
    const chunks: (typeof requests)[] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) chunks.push(requests.slice(i, i + BATCH_WRITE_MAX));
    valuesOrThrow(await mapLimit(chunks, this.concurrency, (chunk) => this.batchWrite(chunk), { stopOnError: true }));
  }

  private async batchWrite(chunk: unknown[]): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const res = await this.send<{ UnprocessedItems?: Record<string, unknown[]> }>(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
      );
      pending = res.UnprocessedItems?.[this.tableName] ?? [];
      if (pending.length === 0) return;
      if (attempt >= this.maxAttempts) throw new Error(`BatchWriteItem: ${pending.length} items still unprocessed after ${attempt} attempts`);
      await this.sleep(backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 2000 }));
    }
  }

  async readContributions(ranges: GroupRange[]): Promise<AggregateContribution[]> {
    const results = await mapLimit(ranges, this.concurrency, async (r) => {
      const out: AggregateContribution[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const res = await this.send<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }>(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': groupPk(r.rule, r.group), ':from': `B#${pad(r.fromBucket)}#`, ':to': `B#${pad(r.toBucket)}#~` },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const it of res.Items ?? []) {
          out.push({
            rule: r.rule,
            group: r.group,
            bucket: Number(it.bucket),
            contributor: String(it.contributor),
            values: (it.values ?? {}) as Record<string, string>,
            data: String(it.data),
            expiresAt: Number(it.expiresAt) * 1000,
          });
        }
        start = res.LastEvaluatedKey;
      } while (start);
      return out;
    }, { stopOnError: true });
    return valuesOrThrow(results).flat();
  }

  private async batchGet(keys: { pk: string; sk: string }[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      let pending: { pk: string; sk: string }[] = keys.slice(i, i + BATCH_GET_MAX);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const res = await this.send<{ Responses?: Record<string, Record<string, unknown>[]>; UnprocessedKeys?: Record<string, { Keys?: { pk: string; sk: string }[] }> }>(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        out.push(...(res.Responses?.[this.tableName] ?? []));
        pending = res.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (pending.length === 0) break;
        if (attempt >= this.maxAttempts) throw new Error(`BatchGetItem: ${pending.length} keys still unprocessed after ${attempt} attempts`);
        await this.sleep(backoffDelay(attempt, { baseDelayMs: 50, maxDelayMs: 2000 }));
      }
    }
    return out;
  }

  async readFirings(groups: { rule: string; group: string }[]): Promise<AggregateFiring[]> {
    const byPk = new Map(groups.map((g) => [groupPk(g.rule, g.group), g]));
    const items = await this.batchGet([...byPk.keys()].map((pk) => ({ pk, sk: 'FIRED' })));
    return items.map((it) => {
      const g = byPk.get(String(it.pk))!;
      return {
        rule: g.rule,
        group: g.group,
        runStart: Number(it.runStart),
        quietUntil: Number(it.quietUntil),
        alertId: String(it.alertId),
        firedBy: String(it.firedBy ?? ''),
        expiresAt: Number(it.expiresAt) * 1000,
      };
    });
  }

  async claimFiring(f: AggregateFiring): Promise<boolean> {
    try {
      await this.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: groupPk(f.rule, f.group), sk: 'FIRED', runStart: f.runStart, quietUntil: f.quietUntil, alertId: f.alertId, firedBy: f.firedBy, expiresAt: seconds(f.expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk) OR alertId = :id OR quietUntil <= :start',
          ExpressionAttributeValues: { ':id': f.alertId, ':start': f.runStart },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async readWatermarks(rules: string[]): Promise<Map<string, number>> {
    const out = new Map(rules.map((r) => [r, 0]));
    for (const it of await this.batchGet(rules.map((r) => ({ pk: `WM#${r}`, sk: 'WM' })))) {
      out.set(String(it.pk).slice(3), Number(it.t) || 0);
    }
    return out;
  }

  async raiseWatermarks(marks: Map<string, number>): Promise<void> {
    valuesOrThrow(
      await mapLimit([...marks], this.concurrency, async ([rule, t]) => {
        try {
          await this.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk: `WM#${rule}`, sk: 'WM' },
              UpdateExpression: 'SET t = :t',
              ConditionExpression: 'attribute_not_exists(t) OR t < :t',
              ExpressionAttributeValues: { ':t': t },
            }),
          );
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
        }
      }),
    );
  }
}
