// The real Lambda handler wired to the local servers (fauxqs for S3/SNS→SQS, dynalite for the tables), with its
// logs and metrics recorded: what the handler suites share.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { vi } from 'vitest';
import type { AlertRecord } from '../../lambda/alerts/types';
import { lambdaContext as invokeContext } from '../../lambda/cli/invoke';
import { sqsEventOf } from '../../lambda/cli/s3-events';
import { buildDeps, createHandler, type CoreDeps } from '../../lambda/handler';
import { readConfig } from '../../lambda/handler/config';
import { TtlLruCache } from '../../lambda/stores/context-dynamodb/cache';
import { createTable, drain, topicWithQueue, uniq } from './aws';
import { ContextTable } from './context-table';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

export const lambdaContext = (remainingMs = 60_000): Context => invokeContext({ timeoutSeconds: remainingMs / 1000, functionName: 'fdr-detect' });
export const sqsEvent = (bodies: unknown[]): SQSEvent => sqsEventOf(bodies, { messageId: (i) => `m${i}` });

/** An S3 ObjectCreated notification for one key, URL-encoded as S3 sends it. */
export function s3Body(bucket: string, key: string, size = 100) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size } },
      },
    ],
  };
}

export type MetricCall = [name: string, value: number, metadata: Record<string, unknown>];

export interface Harness {
  handler: ReturnType<typeof createHandler>;
  queueUrl: string;
  deps: CoreDeps;
  /** Totals per metric name. */
  metricCalls: () => Record<string, number>;
  /** Every emission of one metric, with the metadata of single metrics. */
  metric: (name: string) => MetricCall[];
  logs: (level: 'info' | 'warn' | 'error') => { msg: string; extra: Record<string, unknown> }[];
  /** The alerts the subscriber queue received. */
  alerts: (expected?: number) => Promise<{ alert: AlertRecord; attrs: Record<string, { StringValue?: string }> }[]>;
}

export interface HarnessOptions {
  contextTable: string;
  env?: Record<string, string>;
  /** Replace or wrap adapters (sources, stores, sinks) after the production wiring. */
  wrap?: (d: CoreDeps) => CoreDeps;
}

export async function harness(o: HarnessOptions): Promise<Harness> {
  const { topicArn, queueUrl } = await topicWithQueue();
  const dedupe = uniq('dedupe');
  const state = uniq('state');
  await createTable(dedupe);
  await createTable(state);
  const config = readConfig({
    ALERT_TOPIC_ARN: topicArn,
    DEDUPE_TABLE_NAME: dedupe,
    STATE_TABLE_NAME: state,
    CONTEXT_TABLE_NAME: o.contextTable,
    TIME_SAFETY_MARGIN_MS: '2000',
    // fauxqs ignores SNS's MessageStructure and would hand the {default, email} wrapper to the queue: suites read the
    // plain record, as the local servers' own env does; test/handler/email.int.test.ts sets the format itself.
    ALERT_EMAIL_FORMAT: 'json',
    ...o.env,
  });
  let deps = buildDeps(config);
  // A cache per harness: suites stay independent of each other's lookups.
  deps = { ...deps, context: new ContextTable({ tableName: config.contextTable!, cache: new TtlLruCache() }) };
  if (o.wrap) deps = o.wrap(deps);
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
  const calls: MetricCall[] = [];
  vi.spyOn(metrics, 'addMetric').mockImplementation((name, _u, v) => {
    calls.push([name, v, {}]);
    return metrics;
  });
  vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const meta: Record<string, unknown> = {};
    return {
      addMetadata: (k: string, v: string) => void (meta[k] = v),
      addMetric: (name: string, _u: unknown, v: number) => void calls.push([name, v, meta]),
    } as unknown as Metrics;
  });
  const spies = { info: vi.spyOn(logger, 'info'), warn: vi.spyOn(logger, 'warn'), error: vi.spyOn(logger, 'error') };
  return {
    handler: createHandler({ deps, logger, metrics }),
    queueUrl,
    deps,
    metricCalls: () => {
      const out: Record<string, number> = {};
      for (const [n, v] of calls) out[n] = (out[n] ?? 0) + v;
      return out;
    },
    metric: (name) => calls.filter((c) => c[0] === name),
    logs: (level) => spies[level].mock.calls.map((c) => ({ msg: String(c[0]), extra: (c[1] ?? {}) as Record<string, unknown> })),
    alerts: async (expected) =>
      (await drain(queueUrl, expected)).map((m) => ({
        alert: JSON.parse(m.Body!) as AlertRecord,
        attrs: (m.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>,
      })),
  };
}
