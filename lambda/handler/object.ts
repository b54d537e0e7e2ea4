/**
 * What the Lambda does with one event-data object: run the pipeline, deliver its alerts, account for it.
 *
 * Failure semantics (per SQS record; a direct invocation fails as a whole):
 * - permanent read errors (the source says so: missing, denied, archived; corrupt or truncated gzip; an
 *   unsupported format): alerts from the readable part are delivered, the error is logged with its reason and
 *   counted (ObjectErrors), the record is NOT failed;
 * - transient read errors (the source says a retry may succeed: throttling, timeouts, 5xx, a reset mid-stream,
 *   anything unknown) and running out of time: nothing is published for that object (a partial read can fail open
 *   on joins the rest of the object would resolve) and the record fails, so SQS redelivers it; the dedupe store
 *   makes the retry publish each alert once;
 * - state (throttle slots, aggregate windows): a state store error fails the record before anything is published;
 *   the retry rewrites the same contributions and claims the same slots (both idempotent);
 * - delivery: any alert not published (sink failure, dedupe outage) or claimed by a live concurrent attempt
 *   (`busy`) fails the record. A throttle slot or firing marker taken for an alert that was not published stays
 *   with that alert: the retry publishes it.
 */
import { deliverAlerts } from '../alerts/deliver';
import { processObject, type ObjectResult } from '../pipeline';
import { applyState, type StatefulResult } from '../stateful/index';
import { errorMessage } from '../util';
import type { ContextStoreStats, ObjectRef } from '../ports';
import { inObjectFrame, type Deadline, type HandlerDeps, type ObjectOutcome } from './deps';
import { count, countWith } from './metrics';

function readMetrics(d: HandlerDeps, r: ObjectResult, ctx: { keys: number; hits: number } | null): void {
  const m = d.metrics;
  count(m, 'ObjectsProcessed', 1);
  count(m, 'BytesRead', r.stats.bytesIn, 'Bytes');
  count(m, 'EventsScanned', r.stats.lines);
  count(m, 'Matches', r.matches);
  count(m, 'AlertsSuppressed', r.suppressed.length + r.repeats.suppressed);
  // Repeats of a kept match's throttle slot in this object: throttled without being kept whole.
  if (r.repeats.throttled > 0) count(m, 'AlertsThrottled', r.repeats.throttled);
  if (ctx) {
    count(m, 'ContextLookups', ctx.keys);
    count(m, 'ContextCacheHits', ctx.hits);
  }
  if (r.contextDegraded) count(m, 'ContextDegraded', 1);
  if (r.folded.alerts > 0) count(m, 'AlertsFolded', r.folded.alerts);
  for (const [reason, n] of Object.entries(r.stats.skipped)) {
    if (n > 0) countWith(m, 'LinesSkipped', n, { reason });
  }
}

function stateMetrics(d: HandlerDeps, s: StatefulResult): void {
  const m = d.metrics;
  if (s.suppressed.length > 0) count(m, 'AlertsSuppressed', s.suppressed.length);
  if (s.throttled.length > 0) count(m, 'AlertsThrottled', s.throttled.length);
  if (s.shadow.length > 0) count(m, 'AlertsShadow', s.shadow.length);
  if (s.fired > 0) count(m, 'AggregateFirings', s.fired);
  if (s.quiet > 0) count(m, 'AggregateQuiet', s.quiet);
  if (s.lateEvents > 0) count(m, 'LateEvents', s.lateEvents);
  if (s.aggregateCapped > 0) {
    count(m, 'AggregateCapped', s.aggregateCapped);
    d.logger.warn('aggregate inputs past the per-object bounds (counted, not kept; counts near them are lower bounds)', { aggregateCapped: s.aggregateCapped });
  }
  if (s.stateRequests > 0) count(m, 'StateRequests', s.stateRequests);
  if (s.contextDegraded) count(m, 'ContextDegraded', 1);
  for (const a of s.throttled) {
    d.logger.info('alert throttled (not published)', { alert_id: a.alert_id, alert_type: a.alert_type, rule_id: a.rule_id, ...a.throttled, throttle: a.throttle });
  }
  for (const a of s.shadow) {
    d.logger.info('shadow rule alert (not published)', { alert_id: a.alert_id, alert_type: a.alert_type, rule_id: a.rule_id, ComputerName: a.ComputerName, UserName: a.UserName });
  }
}

const delta = (before: ContextStoreStats | undefined, after: ContextStoreStats | undefined): { keys: number; hits: number } | null =>
  before && after ? { keys: after.keys - before.keys, hits: after.cacheHits - before.cacheHits } : null;

/** Runs one event-data object through the pipeline and delivers its alerts. Never throws. */
export function handleObject(ref: ObjectRef, d: HandlerDeps, deadline: Deadline): Promise<ObjectOutcome> {
  return inObjectFrame(ref, d, deadline, 'read', async (signal) => {
    const started = Date.now();
    const log = d.logger;
    const before = d.context.stats?.();
    const result = await processObject(ref, {
      source: d.source,
      rules: d.rules,
      context: d.context,
      policy: d.policy,
      signal,
      maxAlertsPerObject: d.config.maxAlertsPerObject,
    });
    const readMs = Date.now() - started;
    const ctx = delta(before, d.context.stats?.());
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
      folded: result.folded,
      repeats: result.repeats,
      join: result.join,
    };
    const decodeError = result.stats.error ? { stage: result.stats.error.stage, code: result.stats.error.code, atByte: result.stats.error.atByte } : undefined;

    if (signal.aborted) {
      countWith(d.metrics, 'ObjectErrors', 1, { kind: 'timeout', reason: 'time budget exhausted while reading' });
      log.error('object not finished in time: nothing published, the record will be retried', { ...summary, durationMs: Date.now() - started });
      return { status: 'retry', reason: 'time budget exhausted while reading' };
    }
    if (result.error?.kind === 'transient') {
      countWith(d.metrics, 'ObjectErrors', 1, { kind: 'transient', reason: result.error.code });
      log.error('transient read error: nothing published, the record will be retried', {
        ...summary,
        error: result.error,
        decodeError,
        durationMs: Date.now() - started,
      });
      return { status: 'retry', reason: `transient read error: ${result.error.message}` };
    }
    if (result.error) {
      countWith(d.metrics, 'ObjectErrors', 1, { kind: 'permanent', reason: result.error.code });
      log.error('permanent read error: alerts from the readable part are delivered, the object is not retried', { error: result.error, decodeError });
    }
    if (result.contextDegraded) {
      log.warn('context store unavailable: alerts go out without context and unsuppressed', { reason: result.contextDegraded });
    }
    let state: StatefulResult;
    try {
      state = await applyState(result, { store: d.state, context: d.context, policy: d.policy });
    } catch (err) {
      countWith(d.metrics, 'ObjectErrors', 1, { kind: 'state', reason: errorMessage(err) });
      log.error('state store error: nothing published, the record will be retried', { error: errorMessage(err), ...summary });
      return { status: 'retry', reason: `state store: ${errorMessage(err)}` };
    }
    stateMetrics(d, state);
    for (const s of [...result.suppressed, ...state.suppressed]) {
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
    const delivery = await deliverAlerts(state.publish, { dedupe: d.dedupe, sink: d.sink });
    const deliverMs = Date.now() - deliverStarted;
    count(d.metrics, 'AlertsPublished', delivery.published.length);
    count(d.metrics, 'AlertsDeduplicated', delivery.deduplicated.length);
    if (delivery.failed.length > 0) count(d.metrics, 'AlertsFailed', delivery.failed.length);
    if (delivery.unconfirmed.length > 0) {
      log.warn('alerts published but not recorded in the dedupe table (may be republished after the lease)', { alert_ids: delivery.unconfirmed });
    }
    log.info('object summary', {
      ...summary,
      throttled: state.throttled.length,
      shadow: state.shadow.length,
      aggregateFirings: state.fired,
      aggregateQuiet: state.quiet,
      lateEvents: state.lateEvents,
      stateRequests: state.stateRequests,
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
      return { status: 'retry', reason: `${delivery.failed.length} alerts not published, ${delivery.busy.length} claimed by another attempt` };
    }
    return { status: 'done' };
  });
}
