/** What the per-object handlers share: their dependencies, their outcome, the time budget and the per-object frame. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { AlertSink, ContextStore, DedupeStore, FdrSyncTarget, ObjectRef, ObjectSource, StateStore } from '../ports';
import type { SuppressionRule } from '../context/policy';
import type { LoadedRule } from '../rules/rule';
import type { HandlerConfig } from './config';
import { countWith } from './metrics';

export interface HandlerDeps {
  config: HandlerConfig;
  rules: LoadedRule[];
  /** The rules' suppression policy (derived once). */
  policy: readonly SuppressionRule[];
  source: ObjectSource;
  context: ContextStore;
  /** Where fdrv2/ secondary data is synced; null: acknowledged, not synced (no context table). */
  contextSync: FdrSyncTarget | null;
  dedupe: DedupeStore;
  /** Throttle slots and aggregate windows; null when no rule is stateful. */
  state: StateStore | null;
  sink: AlertSink;
  logger: Logger;
  metrics: Metrics;
}

/** Thrown to fail an SQS record (SQS redelivers it). */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

export type ObjectOutcome = { status: 'done' } | { status: 'retry'; reason: string };

/** Time left in the invocation, minus what publishing and a clean exit need. */
export class Deadline {
  constructor(
    private readonly context: Pick<Context, 'getRemainingTimeInMillis'>,
    readonly marginMs: number,
  ) {}

  remainingMs(): number {
    return this.context.getRemainingTimeInMillis();
  }

  /** How long reading may still go on. */
  budgetMs(): number {
    return this.remainingMs() - this.marginMs;
  }
}

/**
 * The frame every object runs in: its bucket and key on every log line, a signal that fires when the reading
 * budget is used up (the body must stop reading then), and any unexpected error turned into a retry (the DLQ
 * bounds it). `what` names the work in messages ("read", "sync").
 */
export async function inObjectFrame(
  ref: ObjectRef,
  d: HandlerDeps,
  deadline: Deadline,
  what: string,
  body: (signal: AbortSignal) => Promise<ObjectOutcome>,
): Promise<ObjectOutcome> {
  const log = d.logger;
  log.appendKeys({ s3_bucket: ref.bucket ?? undefined, s3_key: ref.key });
  const budget = deadline.budgetMs();
  const ac = new AbortController();
  const timer = budget > 0 ? setTimeout(() => ac.abort(new Error('time budget exhausted')), budget) : undefined;
  try {
    if (budget <= 0) {
      log.warn(`not enough time left to ${what} the object; the record will be retried`, {
        remainingMs: deadline.remainingMs(),
        marginMs: deadline.marginMs,
      });
      return { status: 'retry', reason: `time budget exhausted before the ${what}` };
    }
    return await body(ac.signal);
  } catch (err) {
    countWith(d.metrics, what === 'sync' ? 'ContextSyncErrors' : 'ObjectErrors', 1, { kind: 'unexpected', reason: (err as Error)?.message ?? String(err) });
    log.error(`unexpected error (${what}); the record will be retried`, err as Error);
    return { status: 'retry', reason: `unexpected: ${(err as Error)?.message ?? String(err)}` };
  } finally {
    clearTimeout(timer);
    log.removeKeys(['s3_bucket', 's3_key']);
  }
}
