/**
 * What the Lambda does with one notification and each object in it: route, run the pipeline, deliver, account.
 *
 * Failure semantics (per SQS record; a direct invocation fails as a whole):
 * - permanent read errors (NoSuchKey, AccessDenied, corrupt/truncated gzip): alerts from the readable part are
 *   delivered, the error is logged with its reason and counted (ObjectErrors), the record is NOT failed;
 * - transient read errors (throttling, 5xx, a reset mid-stream) and running out of time: nothing is published
 *   for that object (a partial read can fail open on joins the rest of the object would resolve) and the record
 *   fails, so SQS redelivers it; the dedupe store makes the retry publish each alert once;
 * - delivery: any alert not published (sink failure, dedupe outage) or claimed by a live concurrent attempt
 *   (`busy`) fails the record;
 * - test events, unrecognised messages and skipped objects are acknowledged.
 *
 * FDR secondary data (keys with `fdrv2/`, tenant-prefixed and partitioned layouts included) goes to the context
 * sync (lambda/context/sync.ts) when a context table is configured: aidmaster, managedassets and userinfo are
 * upserted; notmanaged, appinfo and unknown subtypes are acknowledged with a log line. Transient read errors,
 * running out of time and store write errors fail the record (the sync is idempotent, so the retry is safe);
 * permanent read errors are logged and counted (`ContextSyncErrors`, with `kind`), the readable part is synced
 * and the record is acknowledged. Every acknowledged object logs one "FDR secondary data acknowledged" line.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitValue } from '@aws-lambda-powertools/metrics/types';
import type { Context } from 'aws-lambda';
import { deliverAlerts } from '../alerts/deliver';
import type { ContextStoreStats } from '../context/dynamodb';
import { syncSecondaryObject, type FdrSyncTarget } from '../context/sync';
import type { ContextStore } from '../context/types';
import { processObject, type ObjectResult } from '../pipeline';
import type { AlertSink, DedupeStore, ObjectRef, ObjectSource } from '../ports';
import type { LoadedRule } from '../rules/rule';
import type { HandlerConfig } from './config';
import { classifyObject, type Notification } from './events';

export interface HandlerDeps {
  config: HandlerConfig;
  rules: LoadedRule[];
  source: ObjectSource;
  context: ContextStore & { stats?: ContextStoreStats };
  /** Where fdrv2/ secondary data is synced. Default: `context` when it can take FDR data (DynamoContextStore). */
  contextSync?: FdrSyncTarget | null;
  dedupe: DedupeStore;
  sink: AlertSink;
  logger: Logger;
  metrics: Metrics;
}

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

/** Thrown to fail an SQS record (SQS redelivers it). */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

export type ObjectOutcome =
  | { status: 'done'; published: number; error?: string }
  | { status: 'retry'; reason: string };

function count(m: Metrics, name: string, value: number, unit: MetricUnitValue = MetricUnit.Count): void {
  m.addMetric(name, unit, value);
}

function readMetrics(d: HandlerDeps, r: ObjectResult, ctx: { keys: number; hits: number } | null): void {
  const m = d.metrics;
  count(m, 'ObjectsProcessed', 1);
  count(m, 'BytesRead', r.stats.bytesIn, MetricUnit.Bytes);
  count(m, 'EventsScanned', r.stats.lines);
  count(m, 'Matches', r.matches);
  count(m, 'AlertsSuppressed', r.suppressed.length);
  if (ctx) {
    count(m, 'ContextLookups', ctx.keys);
    count(m, 'ContextCacheHits', ctx.hits);
  }
  if (r.contextDegraded) count(m, 'ContextDegraded', 1);
  for (const [reason, n] of Object.entries(r.stats.skipped)) {
    if (n <= 0) continue;
    const single = m.singleMetric();
    single.addMetadata('reason', reason);
    single.addMetric('LinesSkipped', MetricUnit.Count, n);
  }
}

function objectError(d: HandlerDeps, kind: string, reason: string): void {
  const single = d.metrics.singleMetric();
  single.addMetadata('kind', kind);
  single.addMetadata('reason', reason.slice(0, 200));
  single.addMetric('ObjectErrors', MetricUnit.Count, 1);
}

/** Runs one event-data object through the pipeline and delivers its alerts. Never throws. */
export async function handleObject(ref: ObjectRef, d: HandlerDeps, deadline: Deadline): Promise<ObjectOutcome> {
  const started = Date.now();
  const log = d.logger;
  log.appendKeys({ s3_bucket: ref.bucket ?? undefined, s3_key: ref.key });
  try {
    const budget = deadline.budgetMs();
    if (budget <= 0) {
      log.warn('not enough time left to read the object; the record will be retried', {
        remainingMs: deadline.remainingMs(),
        marginMs: deadline.marginMs,
      });
      return { status: 'retry', reason: 'time budget exhausted before reading' };
    }
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error('time budget exhausted')), budget);
    const before = d.context.stats ? { keys: d.context.stats.keys, hits: d.context.stats.cacheHits } : null;
    let result: ObjectResult;
    try {
      result = await processObject(ref, { source: d.source, rules: d.rules, context: d.context, signal: ac.signal });
    } finally {
      clearTimeout(timer);
    }
    const readMs = Date.now() - started;
    const ctx =
      before && d.context.stats ? { keys: d.context.stats.keys - before.keys, hits: d.context.stats.cacheHits - before.hits } : null;
    readMetrics(d, result, ctx);

    const summary = {
      bytesIn: result.stats.bytesIn,
      bytesOut: result.stats.bytesOut,
      gzip: result.stats.gzip,
      lines: result.stats.lines,
      candidates: result.stats.candidates,
      skipped: result.stats.skipped,
      matches: result.matches,
      alerts: result.alerts.length,
      suppressed: result.suppressed.length,
      contextLookups: ctx?.keys,
      contextCacheHits: ctx?.hits,
      contextDegraded: result.contextDegraded ?? null,
    };

    if (ac.signal.aborted) {
      objectError(d, 'timeout', 'time budget exhausted while reading');
      log.error('object not finished in time: nothing published, the record will be retried', {
        ...summary,
        durationMs: Date.now() - started,
      });
      return { status: 'retry', reason: 'time budget exhausted while reading' };
    }
    if (result.error?.kind === 'transient') {
      objectError(d, 'transient', result.error.message);
      log.error('transient read error: nothing published, the record will be retried', {
        ...summary,
        error: result.error,
        decodeError: result.stats.error ? { stage: result.stats.error.stage, atByte: result.stats.error.atByte } : undefined,
        durationMs: Date.now() - started,
      });
      return { status: 'retry', reason: `transient read error: ${result.error.message}` };
    }
    if (result.error) {
      objectError(d, 'permanent', result.error.message);
      log.error('permanent read error: alerts from the readable part are delivered, the object is not retried', {
        error: result.error,
        decodeError: result.stats.error ? { stage: result.stats.error.stage, atByte: result.stats.error.atByte } : undefined,
      });
    }
    if (result.contextDegraded) {
      log.warn('context store unavailable: alerts go out without context and unsuppressed', { reason: result.contextDegraded });
    }
    for (const s of result.suppressed) {
      log.info('match suppressed (not published)', {
        alert_id: s.alert_id,
        alert_type: s.alert_type,
        ComputerName: s.ComputerName,
        UserName: s.UserName,
        reason: s.suppressed?.reason,
        entry: s.suppressed?.entry,
        line: s.source.line,
      });
    }

    const deliverStarted = Date.now();
    const delivery = await deliverAlerts(result.alerts, { dedupe: d.dedupe, sink: d.sink });
    const deliverMs = Date.now() - deliverStarted;
    count(d.metrics, 'AlertsPublished', delivery.published.length);
    count(d.metrics, 'AlertsDeduplicated', delivery.deduplicated.length);
    if (delivery.failed.length > 0) count(d.metrics, 'AlertsFailed', delivery.failed.length);
    if (delivery.unconfirmed.length > 0) {
      log.warn('alerts published but not recorded in the dedupe table (may be republished after the lease)', {
        alert_ids: delivery.unconfirmed,
      });
    }
    log.info('object summary', {
      ...summary,
      published: delivery.published.length,
      deduplicated: delivery.deduplicated.length,
      busy: delivery.busy.length,
      failed: delivery.failed.length,
      failures: delivery.failed.slice(0, 10),
      error: result.error ?? null,
      durationMs: Date.now() - started,
      readMs,
      deliverMs,
    });
    if (delivery.failed.length > 0 || delivery.busy.length > 0) {
      return {
        status: 'retry',
        reason: `${delivery.failed.length} alerts not published, ${delivery.busy.length} claimed by another attempt`,
      };
    }
    return { status: 'done', published: delivery.published.length, error: result.error?.message };
  } catch (err) {
    // processObject reports read errors in its result; anything thrown here is unexpected. Retry (DLQ bounds it).
    objectError(d, 'unexpected', (err as Error)?.message ?? String(err));
    log.error('unexpected error processing the object; the record will be retried', err as Error);
    return { status: 'retry', reason: `unexpected: ${(err as Error)?.message ?? String(err)}` };
  } finally {
    log.removeKeys(['s3_bucket', 's3_key']);
  }
}

function syncTarget(d: HandlerDeps): FdrSyncTarget | null {
  if (d.contextSync !== undefined) return d.contextSync;
  const c = d.context as Partial<FdrSyncTarget>;
  return typeof c.applyFdr === 'function' ? (c as FdrSyncTarget) : null;
}

/** Syncs one fdrv2/ object into the context table. Never throws. */
export async function handleContextSync(ref: ObjectRef, d: HandlerDeps, deadline: Deadline): Promise<ObjectOutcome> {
  const started = Date.now();
  const log = d.logger;
  const where = { s3_bucket: ref.bucket ?? undefined, s3_key: ref.key };
  const target = syncTarget(d);
  if (!target) {
    log.info('FDR secondary data acknowledged (no context table: not synced)', where);
    return { status: 'done', published: 0 };
  }
  try {
    const budget = deadline.budgetMs();
    if (budget <= 0) {
      log.warn('not enough time left to sync the object; the record will be retried', { ...where, remainingMs: deadline.remainingMs() });
      return { status: 'retry', reason: 'time budget exhausted before reading' };
    }
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error('time budget exhausted')), budget);
    let r: Awaited<ReturnType<typeof syncSecondaryObject>>;
    try {
      r = await syncSecondaryObject(ref, d.source, target, { signal: ac.signal });
    } finally {
      clearTimeout(timer);
    }
    const summary = {
      ...where,
      subtype: r.subtype,
      records: r.records,
      ignored: r.ignored,
      keys: r.keys,
      itemsWritten: r.write.items,
      refsWritten: r.write.refs,
      unchanged: r.write.unchanged,
      stale: r.write.stale,
      writeRequests: r.write.writeRequests,
      readRequests: r.write.readRequests,
      linesSkipped: r.linesSkipped,
      skipped: r.skipped,
      bytesIn: r.bytesIn,
      durationMs: Date.now() - started,
    };
    if (r.status === 'skipped') {
      const why = !r.route
        ? 'no fdrv2/<kind>/ folder in the key'
        : r.route.kind === 'secondary'
          ? `${r.subtype} is not synced`
          : `unknown fdrv2 subtype "${r.subtype ?? ''}"`;
      log.info(`FDR secondary data acknowledged (${why})`, where);
      return { status: 'done', published: 0 };
    }
    const m = d.metrics;
    count(m, 'ContextRecordsSynced', r.records);
    count(m, 'ContextItemsWritten', r.write.items + r.write.refs);
    if (r.linesSkipped > 0) {
      const single = m.singleMetric();
      single.addMetadata('kind', 'context-sync');
      single.addMetric('LinesSkipped', MetricUnit.Count, r.linesSkipped);
    }
    if (r.error) {
      const single = m.singleMetric();
      single.addMetadata('kind', `${r.error.kind}-${r.error.stage}`);
      single.addMetadata('reason', r.error.message.slice(0, 200));
      single.addMetric('ContextSyncErrors', MetricUnit.Count, 1);
    }
    if (ac.signal.aborted && r.error?.kind === 'transient') {
      log.error('context sync not finished in time; the record will be retried', { ...summary, error: r.error });
      return { status: 'retry', reason: 'time budget exhausted while syncing' };
    }
    if (r.error?.kind === 'transient') {
      log.error('transient context sync error; the record will be retried', { ...summary, error: r.error });
      return { status: 'retry', reason: `context sync: ${r.error.message}` };
    }
    if (r.error) {
      log.error('permanent read error in FDR secondary data: the readable part is synced, the object is not retried', {
        ...summary,
        error: r.error,
      });
    }
    log.info('FDR secondary data acknowledged (synced)', { ...summary, error: r.error ?? null });
    return { status: 'done', published: 0, error: r.error?.message };
  } catch (err) {
    const single = d.metrics.singleMetric();
    single.addMetadata('kind', 'unexpected');
    single.addMetric('ContextSyncErrors', MetricUnit.Count, 1);
    log.error('unexpected error syncing FDR secondary data; the record will be retried', err as Error);
    return { status: 'retry', reason: `unexpected: ${(err as Error)?.message ?? String(err)}` };
  }
}

/** Handles one notification. Throws RetryLater when something in it must be retried (after trying everything). */
export async function handleNotification(n: Notification, d: HandlerDeps, deadline: Deadline): Promise<void> {
  const log = d.logger;
  if (n.kind === 'test') {
    log.info('S3 test event acknowledged');
    return;
  }
  if (n.kind === 'unrecognised') {
    log.warn('unrecognised message acknowledged (it would not parse on a retry either)', { reason: n.reason });
    return;
  }
  if (n.ignored > 0) log.info('notification entries ignored (not object creations)', { ignored: n.ignored, source: n.source });
  const retry: string[] = [];
  for (const ref of n.refs) {
    const { route, reason } = classifyObject(ref, d.config.eventPrefixes);
    if (route === 'skip') {
      log.debug('object skipped', { s3_bucket: ref.bucket, s3_key: ref.key, reason });
      continue;
    }
    const outcome = route === 'context-sync' ? await handleContextSync(ref, d, deadline) : await handleObject(ref, d, deadline);
    if (outcome.status === 'retry') retry.push(`${ref.key}: ${outcome.reason}`);
  }
  if (retry.length > 0) throw new RetryLater(retry.join('; '));
}
