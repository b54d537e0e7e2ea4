/**
 * The stateful stage, between the pipeline and delivery: what spans objects.
 *
 *   pipeline result → aggregate rules (stored partials, windows, firings) → throttles → rule modes → to publish
 *
 * Aggregate alerts are not throttled again (a group's quiet period is their throttle). Alerts of shadow rules
 * (`shadow: true`, set when the record is built) go through everything — their slots and firings are real, so their
 * count is what they would page — and are then held back.
 * The state store is the only shared state; it is an edge adapter (memory in replay, DynamoDB in the Lambda).
 */
import type { AlertRecord } from '../alerts/types';
import type { SuppressionRule } from '../context/policy';
import type { ObjectResult } from '../pipeline';
import type { ContextStore, StateStore } from '../ports';
import type { LoadedRule } from '../rules/rule';
import { evaluateAggregates } from './aggregate';
import { applyThrottles } from './throttle';

export interface StateDeps {
  /** Null only when no rule is stateful (no throttle, no aggregate). */
  store: StateStore | null;
  context: ContextStore;
  policy: readonly SuppressionRule[];
  now?: () => number;
}

export interface StatefulResult {
  /** To deliver. */
  publish: AlertRecord[];
  /** Alerts of shadow rules that would have been published (`shadow: true`); never published. */
  shadow: AlertRecord[];
  /** With `throttled`; never published. */
  throttled: AlertRecord[];
  /** Fired aggregates the policy suppressed (the pipeline's own suppressed matches are in its result). */
  suppressed: AlertRecord[];
  /** Aggregate events older than the allowed lateness: counted, not merged. */
  lateEvents: number;
  /**
   * Aggregate inputs this object could not keep (stateful/collect.ts bounds): events past a rule's group or cell
   * limits and distinct/collected values past its value budget. Counts near those limits are lower bounds.
   */
  aggregateCapped: number;
  /** Aggregate firings (published or shadow, suppressed included). */
  fired: number;
  /** Groups that met their condition while quiet. */
  quiet: number;
  /** State store requests this object made. */
  stateRequests: number;
  contextDegraded?: string;
}

/** Whether any of the rules needs the state store. */
export function isStateful(rules: readonly LoadedRule[]): boolean {
  return rules.some((r) => r.aggregate !== undefined || r.throttles.size > 0);
}

export async function applyState(result: ObjectResult, deps: StateDeps): Promise<StatefulResult> {
  const now = (deps.now ?? Date.now)();
  const store = deps.store;
  const out: StatefulResult = { publish: [], shadow: [], throttled: [], suppressed: [], lateEvents: 0, aggregateCapped: 0, fired: 0, quiet: 0, stateRequests: 0 };
  for (const a of result.aggregates) out.aggregateCapped += a.overLimit + a.values.dropped;
  const needsStore = result.aggregates.some((a) => a.groups.size > 0) || result.alerts.some((a) => a.throttle);
  if (needsStore && !store) throw new Error('stateful rules need a state store (STATE_TABLE_NAME)');
  const before = store?.requests?.() ?? 0;

  let aggregateAlerts: AlertRecord[] = [];
  if (store && result.aggregates.length > 0) {
    const agg = await evaluateAggregates(result.aggregates, result.ref, { store, context: deps.context, policy: deps.policy, now });
    aggregateAlerts = agg.alerts;
    out.suppressed = agg.suppressed;
    out.lateEvents = agg.late;
    out.quiet = agg.quiet;
    out.fired = agg.alerts.length + agg.suppressed.length;
    out.contextDegraded = agg.contextDegraded;
  }

  const { kept, throttled } = store ? await applyThrottles(result.alerts, store, now) : { kept: result.alerts, throttled: [] };
  for (const a of [...kept, ...aggregateAlerts]) (a.shadow ? out.shadow : out.publish).push(a);
  out.throttled = throttled;
  out.stateRequests = (store?.requests?.() ?? 0) - before;
  return out;
}
