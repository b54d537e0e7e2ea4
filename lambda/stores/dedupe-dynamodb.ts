/**
 * DedupeStore on DynamoDB: exactly-once publication gate by alert_id, with conditional writes only
 * (no transactions: dynalite has none, and none are needed).
 *
 * Item (table `DEDUPE_TABLE_NAME`, string keys `pk`/`sk`, TTL attribute `expiresAt`):
 *   pk = `ALERT#<alert_id>`, sk = `ALERT`
 *   state      `pending` (claimed, being published) | `published`
 *   leaseUntil epoch ms; a `pending` claim older than this is considered abandoned (crash) and may be re-claimed
 *   claimedAt / publishedAt  epoch ms
 *   expiresAt  epoch seconds (TTL): now + window (default 7 days); after it the id may alert again
 *
 * claim   = PutItem if `attribute_not_exists(pk) OR (state = pending AND leaseUntil < now) OR expiresAt < now`;
 *           on ConditionalCheckFailed a consistent GetItem tells `published` (duplicate) from a live `pending`
 *           lease (busy: another attempt is publishing right now — the caller retries later).
 * confirm = UpdateItem state = published (refreshes expiresAt, removes the lease).
 * release = DeleteItem if state = pending (a failed publication may be claimed again at once).
 *
 * Why not Powertools idempotency: it guards one handler invocation (or one record) as a unit, while alerts are
 * claimed one by one and published in PublishBatch calls of up to ten; a partial batch failure must release
 * exactly the alerts SNS did not take.
 *
 * Remaining at-least-once window: a crash (or timeout) after SNS accepted the message but before `confirm`
 * leaves the item `pending`; once its lease expires, a retry claims it again and publishes a second time.
 * The lease (default 5 min) bounds how long such an alert waits; the window itself is the few milliseconds
 * between PublishBatch returning and the UpdateItem. The opposite failure (losing an alert) cannot happen:
 * nothing marks an id `published` before SNS accepted it.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DedupeStore } from '../ports';
import { asDocumentClient } from '../aws/clients';
import { mapLimit } from '../aws/concurrency';

/** IAM actions this store calls. */
export const DEDUPE_STORE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

export const DEFAULT_DEDUPE_WINDOW_SECONDS = 7 * 24 * 3600;
export const DEFAULT_LEASE_MS = 5 * 60 * 1000;

export interface DynamoDedupeStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** How long a published id stays a duplicate (TTL). Default 7 days. */
  windowSeconds?: number;
  /** How long a claim protects an in-flight publication. Default 5 minutes. */
  leaseMs?: number;
  /** Parallel conditional writes. Default 16. */
  concurrency?: number;
  now?: () => number;
}

type ClaimOutcome = 'fresh' | 'duplicate' | 'busy';

const isConditionalFailure = (err: unknown): boolean =>
  err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';

export const dedupeKey = (alertId: string): { pk: string; sk: string } => ({ pk: `ALERT#${alertId}`, sk: 'ALERT' });

export class DynamoDedupeStore implements DedupeStore {
  private readonly table: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly windowSeconds: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly now: () => number;

  constructor(o: DynamoDedupeStoreOptions) {
    if (!o.tableName) throw new Error('DynamoDedupeStore: no table name');
    this.table = o.tableName;
    this.doc = asDocumentClient(o.client);
    this.windowSeconds = o.windowSeconds ?? DEFAULT_DEDUPE_WINDOW_SECONDS;
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.concurrency = o.concurrency ?? 16;
    this.now = o.now ?? Date.now;
  }

  private async claimOne(id: string, retried = false): Promise<ClaimOutcome> {
    const now = this.now();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...dedupeKey(id),
            state: 'pending',
            leaseUntil: now + this.leaseMs,
            claimedAt: now,
            expiresAt: Math.floor(now / 1000) + this.windowSeconds,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR (#state = :pending AND leaseUntil < :now) OR expiresAt < :nowSec',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': 'pending', ':now': now, ':nowSec': Math.floor(now / 1000) },
        }),
      );
      return 'fresh';
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
    }
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: dedupeKey(id), ConsistentRead: true }));
    if (!Item) return retried ? 'busy' : this.claimOne(id, true); // released in between: try once more
    if (Item.state === 'published') return 'duplicate';
    return 'busy';
  }

  async claim(alertIds: string[]): Promise<{ fresh: string[]; duplicate: string[]; busy: string[] }> {
    const ids = [...new Set(alertIds)];
    const results = await mapLimit(ids, this.concurrency, (id) => this.claimOne(id));
    const out = { fresh: [] as string[], duplicate: [] as string[], busy: [] as string[] };
    const errors: unknown[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') out[r.value].push(ids[i]);
      else errors.push(r.reason);
    });
    if (errors.length > 0) {
      // Do not leave claims behind that nobody will publish: a retry would see them as busy for a whole lease.
      await this.release(out.fresh).catch(() => undefined);
      const first = errors[0] as Error;
      throw new Error(`dedupe claim failed for ${errors.length} of ${ids.length} ids: ${first?.name}: ${first?.message}`, {
        cause: first,
      });
    }
    return out;
  }

  async confirm(alertIds: string[]): Promise<void> {
    const now = this.now();
    const results = await mapLimit([...new Set(alertIds)], this.concurrency, (id) =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: dedupeKey(id),
          UpdateExpression: 'SET #state = :published, publishedAt = :now, expiresAt = :exp REMOVE leaseUntil',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':published': 'published',
            ':now': now,
            ':exp': Math.floor(now / 1000) + this.windowSeconds,
          },
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    if (failed.length > 0) {
      throw new Error(`dedupe confirm failed for ${failed.length} ids: ${String(failed[0].reason)}`, { cause: failed[0].reason });
    }
  }

  async release(alertIds: string[]): Promise<void> {
    const results = await mapLimit([...new Set(alertIds)], this.concurrency, async (id) => {
      try {
        await this.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: dedupeKey(id),
            ConditionExpression: '#state = :pending',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':pending': 'pending' },
          }),
        );
      } catch (err) {
        if (!isConditionalFailure(err)) throw err; // already published or gone: nothing to give back
      }
    });
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    if (failed.length > 0) {
      throw new Error(`dedupe release failed for ${failed.length} ids: ${String(failed[0].reason)}`, { cause: failed[0].reason });
    }
  }
}
