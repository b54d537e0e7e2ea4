/**
 * The Lambda entry point (DESIGN.md §5): `handler`, on middy with Powertools Logger, Metrics (EMF) and the batch
 * utility for SQS partial-batch responses.
 *
 * Invocations accepted: an SQS batch (each body: S3 event notification, S3 → SNS envelope, EventBridge
 * "Object Created", CrowdStrike's FDR notification, or s3:TestEvent), or a direct S3 / EventBridge event.
 * SQS records that must be retried are returned in `batchItemFailures`; a direct invocation throws instead.
 * See lambda/handler/object.ts for what fails a record and what is acknowledged.
 *
 * Everything built here (clients, stores, the compiled rule pack) lives for the container, not the invocation.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDedupeStore } from './alerts/dedupe-dynamodb';
import { DynamoContextStore } from './context/dynamodb';
import { StaticContextStore } from './context/file';
import { readConfig, safetyMargin, type HandlerConfig } from './handler/config';
import { parseNotification, parseSqsBody } from './handler/events';
import { Deadline, handleNotification, type HandlerDeps } from './handler/object';
import { loadRulePack } from './rules/loader';
import { SnsAlertSink } from './sinks/sns';
import { S3ObjectSource } from './sources/s3';

const SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? 'fdr-detect';
export const logger = new Logger({ serviceName: SERVICE });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'FdrDetect', serviceName: SERVICE });

export type CoreDeps = Omit<HandlerDeps, 'logger' | 'metrics'>;

/** Production dependencies from the environment. */
export function buildDeps(config: HandlerConfig = readConfig()): CoreDeps {
  const rules = loadRulePack();
  let context: CoreDeps['context'];
  if (config.contextTable) context = new DynamoContextStore({ tableName: config.contextTable });
  else {
    logger.warn('CONTEXT_TABLE_NAME is not set: no context, nothing is suppressed');
    context = new StaticContextStore({});
  }
  return {
    config,
    rules,
    source: new S3ObjectSource(),
    context,
    dedupe: new DynamoDedupeStore({
      tableName: config.dedupeTable,
      windowSeconds: config.dedupeWindowSeconds,
      leaseMs: config.dedupeLeaseMs,
    }),
    sink: new SnsAlertSink({ topicArn: config.topicArn }),
  };
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown })?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs')
  );
}

export interface HandlerOptions {
  /** Dependencies (default: built from the environment on the first invocation, then kept for the container). */
  deps?: CoreDeps | (() => CoreDeps);
  logger?: Logger;
  metrics?: Metrics;
}

export function createHandler(o: HandlerOptions = {}) {
  const log = o.logger ?? logger;
  const mets = o.metrics ?? metrics;
  let cached: HandlerDeps | undefined;
  const deps = (): HandlerDeps => {
    if (!cached) {
      const core = typeof o.deps === 'function' ? o.deps() : (o.deps ?? buildDeps());
      cached = { ...core, logger: log, metrics: mets };
    }
    return cached;
  };

  const base = async (event: unknown, context: Context): Promise<SQSBatchResponse | { status: string }> => {
    const d = deps();
    const deadline = new Deadline(context, safetyMargin(d.config, context.getRemainingTimeInMillis()));
    if (isSqsEvent(event)) {
      const recordHandler = async (record: SQSRecord): Promise<void> => {
        log.appendKeys({ sqs_message_id: record.messageId });
        try {
          const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
          if (receiveCount > 1) log.info('redelivered message', { receiveCount });
          await handleNotification(parseSqsBody(record.body), d, deadline);
        } finally {
          log.removeKeys(['sqs_message_id']);
        }
      };
      return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
        context,
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    }
    // Direct S3 / EventBridge invocation: throwing makes Lambda retry the event (async invocation retries).
    await handleNotification(parseNotification(event), d, deadline);
    return { status: 'ok' };
  };

  return middy(base)
    .use(injectLambdaContext(log, { resetKeys: true }))
    .use(logMetrics(mets, { captureColdStartMetric: true }));
}

export const handler = createHandler();
