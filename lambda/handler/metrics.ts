/**
 * The custom metrics the handler emits (EMF through Powertools Metrics), named once: the construct's alarms and
 * dashboard import this list, so a metric the code emits cannot be missing from them. No runtime dependency.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';

/** Namespace of the custom metrics. */
export const METRICS_NAMESPACE = 'FdrDetect';
/** POWERTOOLS_SERVICE_NAME, and the `service` dimension of every custom metric. */
export const SERVICE_NAME = 'fdr-detect';

export const PIPELINE_METRICS = [
  'ObjectsProcessed',
  'BytesRead',
  'EventsScanned',
  'Matches',
  'AlertsPublished',
  'AlertsSuppressed',
  'AlertsDeduplicated',
  'AlertsFailed',
  'AlertsFolded',
  'AlertsThrottled',
  'AlertsShadow',
  'AggregateFirings',
  'AggregateQuiet',
  'LateEvents',
  'AggregateCapped',
  'StateRequests',
  'LinesSkipped',
  'ObjectErrors',
  'ContextLookups',
  'ContextCacheHits',
  'ContextDegraded',
  'ContextRecordsSynced',
  'ContextItemsWritten',
  'ContextSyncErrors',
] as const;
export type MetricName = (typeof PIPELINE_METRICS)[number];

type Unit = 'Count' | 'Bytes';

/** Adds to the invocation's metrics (flushed by the middleware). */
export function count(m: Metrics, name: MetricName, value: number, unit: Unit = 'Count'): void {
  m.addMetric(name, unit as never, value);
}

/** A metric of its own with metadata (a reason, a kind), flushed at once. */
export function countWith(m: Metrics, name: MetricName, value: number, metadata: Record<string, string>): void {
  const single = m.singleMetric();
  for (const [k, v] of Object.entries(metadata)) single.addMetadata(k, v.slice(0, 200));
  single.addMetric(name, 'Count' as never, value);
}
