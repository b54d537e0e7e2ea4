/**
 * The Lambda entry point: `handler`, on middy with Powertools Logger, Metrics (EMF) and the batch utility for SQS
 * partial-batch responses. This file is the composition root: it reads the configuration once and builds every
 * adapter (S3 source, DynamoDB stores, SNS sink) from it; nothing below reads the environment.
 *
 * Invocations accepted: an SQS batch (each body: S3 event notification, S3 → SNS envelope, EventBridge
 * "Object Created", CrowdStrike's FDR notification, or s3:TestEvent), or a direct S3 / EventBridge event.
 * SQS records that must be retried are returned in `batchItemFailures`; a direct invocation throws instead.
 * What fails a record and what is acknowledged: handler/object.ts (event data), handler/sync.ts (fdrv2/).
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
import { StaticContextStore } from './context/file';
import { keepYoungGenerationSmall } from './heap';
import { ConfigError, readConfig, safetyMargin, type HandlerConfig } from './handler/config';
import { policyOf } from './context/policy';
import { isStateful } from './stateful/index';
import { DynamoStateStore } from './stores/state-dynamodb';
import { Deadline, type HandlerDeps } from './handler/deps';
import { METRICS_NAMESPACE, SERVICE_NAME } from './handler/metrics';
import { parseNotification, parseSqsBody } from './handler/notifications';
import { handleNotification } from './handler/route';
import { loadRulePacks } from './packs/loader';
import { SnsAlertSink } from './sinks/sns';
import { alertText, guidesOf } from './alerts/text';
import type { AlertRecord } from './alerts/types';
import type { LoadedRule } from './rules/rule';
import { S3ObjectSource } from './sources/s3';
import { sharedContextCache } from './stores/context-dynamodb/cache';
import { DynamoContextStore } from './stores/context-dynamodb/lookup';
import { DynamoFdrWriter } from './stores/context-dynamodb/fdr-writer';
import { DynamoDedupeStore } from './stores/dedupe-dynamodb';

// Each object is one long streaming pass: a young generation kept small holds peak memory flat (lambda/heap.ts).
keepYoungGenerationSmall();

const SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME;
export const logger = new Logger({ serviceName: SERVICE });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName: SERVICE });

export type CoreDeps = Omit<HandlerDeps, 'logger' | 'metrics'>;

/** Production dependencies from the environment. */
export function buildDeps(config: HandlerConfig = readConfig()): CoreDeps {
  const rules = loadRulePacks(config.rulePacks);
  if (isStateful(rules) && !config.stateTable) {
    const ids = rules.filter((r) => isStateful([r])).map((r) => r.meta.id);
    throw new ConfigError(`STATE_TABLE_NAME is not set, but these rules throttle or aggregate: ${ids.join(', ')}`);
  }
  let context: CoreDeps['context'];
  let contextSync: CoreDeps['contextSync'] = null;
  if (config.contextTable) {
    const cache = sharedContextCache({ maxEntries: config.contextCacheMaxEntries, ttlMs: config.contextCacheTtlMs });
    context = new DynamoContextStore({ tableName: config.contextTable, cache, timeoutMs: config.contextLookupTimeoutMs });
    contextSync = new DynamoFdrWriter({ tableName: config.contextTable, cache });
  } else {
    logger.warn('CONTEXT_TABLE_NAME is not set: no context, nothing is suppressed');
    context = new StaticContextStore({});
  }
  return {
    config,
    rules,
    policy: policyOf(rules),
    source: new S3ObjectSource(),
    context,
    contextSync,
    dedupe: new DynamoDedupeStore({
      tableName: config.dedupeTable,
      windowSeconds: config.dedupeWindowSeconds,
      leaseMs: config.dedupeLeaseMs,
    }),
    state: config.stateTable ? new DynamoStateStore({ tableName: config.stateTable }) : null,
    sink: new SnsAlertSink({ topicArn: config.topicArn, emailText: config.alertEmailFormat === 'text' ? emailTextFor(rules) : undefined }),
  };
}

function emailTextFor(rules: readonly LoadedRule[]): (a: AlertRecord) => string {
  const guides = guidesOf(rules);
  return (a) => alertText(a, guides.get(a.alert_type));
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
