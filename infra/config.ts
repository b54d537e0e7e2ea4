/**
 * The project's own CDK app, configured by context (cdk.json, or `-c key=value` on the command line).
 * `npx cdk synth` needs no AWS credentials: the stack gets an explicit account/region (the documented
 * defaults below unless overridden) and performs no lookups.
 */
import { type App, Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { FdrLogLevel } from './fdr-detection';
import { addNagChecks } from './nag';
import { FdrDetectStack, type FdrDetectStackProps } from './stack';

/** Placeholder account/region used when none is given: synth works offline; deploy needs the real ones. */
export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_STACK_NAME = 'FdrDetect';

/** Context keys the app reads (all optional). */
export const CONTEXT_KEYS = [
  'account',
  'region',
  'stackName',
  'bucketName',
  'bucketKmsKeyArn',
  'eventDataPrefixes',
  'secondaryDataPrefixes',
  'alertTopicArn',
  'alertTopicKmsKeyArn',
  'alertEmails',
  'alertHttpsEndpoints',
  'operationsEmails',
  'memorySize',
  'timeoutSeconds',
  'reservedConcurrency',
  'maxConcurrency',
  'batchSize',
  'dedupeDays',
  'logRetentionDays',
  'logLevel',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

function str(app: App, key: ContextKey): string | undefined {
  const v: unknown = app.node.tryGetContext(key);
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** A list from context: a JSON array in cdk.json, or a comma-separated string from `-c`. */
function list(app: App, key: ContextKey): string[] | undefined {
  const v: unknown = app.node.tryGetContext(key);
  if (v === undefined || v === null) return undefined;
  const items = (Array.isArray(v) ? v.map(String) : String(v).split(',')).map((s) => s.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

function int(app: App, key: ContextKey): number | undefined {
  const s = str(app, key);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`context ${key}: expected a positive integer, got ${s}`);
  return n;
}

function retention(days: number | undefined): logs.RetentionDays | undefined {
  if (days === undefined) return undefined;
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) throw new Error(`context logRetentionDays: ${days} is not a CloudWatch Logs retention`);
  return days as logs.RetentionDays;
}

function logLevel(s: string | undefined): FdrLogLevel | undefined {
  if (s === undefined) return undefined;
  const u = s.toUpperCase();
  if (u !== 'DEBUG' && u !== 'INFO' && u !== 'WARN' && u !== 'ERROR') {
    throw new Error(`context logLevel: expected DEBUG, INFO, WARN or ERROR, got ${s}`);
  }
  return u;
}

/** Stack props from the app's context. */
export function stackPropsFromContext(app: App): FdrDetectStackProps & { stackName: string } {
  const timeoutSeconds = int(app, 'timeoutSeconds');
  const dedupeDays = int(app, 'dedupeDays');
  return {
    stackName: str(app, 'stackName') ?? DEFAULT_STACK_NAME,
    env: { account: str(app, 'account') ?? DEFAULT_ACCOUNT, region: str(app, 'region') ?? DEFAULT_REGION },
    existingBucketName: str(app, 'bucketName'),
    existingBucketKeyArn: str(app, 'bucketKmsKeyArn'),
    existingAlertTopicArn: str(app, 'alertTopicArn'),
    existingAlertTopicKeyArn: str(app, 'alertTopicKmsKeyArn'),
    detection: {
      eventDataPrefixes: list(app, 'eventDataPrefixes'),
      secondaryDataPrefixes: list(app, 'secondaryDataPrefixes'),
      alertEmails: list(app, 'alertEmails'),
      alertHttpsEndpoints: list(app, 'alertHttpsEndpoints'),
      operationsEmails: list(app, 'operationsEmails'),
      memorySize: int(app, 'memorySize'),
      timeout: timeoutSeconds === undefined ? undefined : Duration.seconds(timeoutSeconds),
      reservedConcurrentExecutions: int(app, 'reservedConcurrency'),
      maxConcurrency: int(app, 'maxConcurrency'),
      batchSize: int(app, 'batchSize'),
      dedupeWindow: dedupeDays === undefined ? undefined : Duration.days(dedupeDays),
      logRetention: retention(int(app, 'logRetentionDays')),
      logLevel: logLevel(str(app, 'logLevel')),
    },
  };
}

/** Build the project's app: the FdrDetect stack from context, with the cdk-nag AWS Solutions checks. */
export function buildApp(app: App): FdrDetectStack {
  const props = stackPropsFromContext(app);
  const stack = new FdrDetectStack(app, props.stackName, props);
  addNagChecks(app);
  return stack;
}
