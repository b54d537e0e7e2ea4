/**
 * `fdr-detect invoke EVENT.json [--timeout SECONDS]` — run the real Lambda handler (lambda/handler.ts) once, in
 * this process, on a test event (e.g. events/lambda/*.json), against whatever the AWS SDK is pointed at:
 * `AWS_ENDPOINT_URL_*` (local servers: `npm run local` prints them) or real AWS when those are unset.
 *
 * Required environment (README "Environment"): CONTEXT_TABLE_NAME, DEDUPE_TABLE_NAME, STATE_TABLE_NAME, ALERT_TOPIC_ARN, AWS_REGION.
 * The handler's response (`{batchItemFailures: [...]}` for SQS events, `{status: "ok"}` for a direct S3 event)
 * is the only thing on stdout; the handler's own logs (Powertools JSON) and metrics (EMF) go to stderr.
 * Exit 0: the handler returned (whatever it returned); 1: missing environment, unreadable/invalid event file, or
 * the handler threw (a direct S3 invocation throws when an object must be retried).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Context } from 'aws-lambda';
import type { Io } from './replay';

export const INVOKE_REQUIRED_ENV = ['CONTEXT_TABLE_NAME', 'DEDUPE_TABLE_NAME', 'STATE_TABLE_NAME', 'ALERT_TOPIC_ARN', 'AWS_REGION'] as const;
/** The stack's default function timeout (infra/fdr-detection.ts) and memory. */
export const DEFAULT_TIMEOUT_SECONDS = 300;
const DEFAULT_MEMORY_MB = 1769;

export class InvokeInputError extends Error {}

export function missingInvokeEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return INVOKE_REQUIRED_ENV.filter((k) => !env[k]);
}

/**
 * A Lambda context as the runtime hands it over: the deadline is `timeoutSeconds` from now, and
 * getRemainingTimeInMillis counts down in real time (the handler budgets its reading against it).
 */
export function lambdaContext(o: { timeoutSeconds?: number; functionName?: string; memoryMB?: number; region?: string } = {}): Context {
  const functionName = o.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'fdr-detect-local';
  const region = o.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const deadline = Date.now() + (o.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(o.memoryMB ?? DEFAULT_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * Runs `fn` with everything written to process.stdout (the handler's Powertools logs and EMF metrics) handed to
 * `sink` instead, so a caller's own stdout carries only its output.
 */
export async function withStdoutTo<T>(sink: (chunk: string) => void, fn: () => Promise<T>): Promise<T> {
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as ((err?: Error | null) => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = original;
  }
}

export async function readEventFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvokeInputError(`cannot read event file ${path}: ${(err as Error).message}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (err) {
    throw new InvokeInputError(`event file ${path} is not JSON: ${(err as Error).message}`);
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvokeInputError(`event file ${path} must hold a JSON object (an SQS, S3 or EventBridge event)`);
  }
  return event;
}

export interface InvokeOptions {
  eventPath: string;
  timeoutSeconds?: number;
}

export async function runInvoke(o: InvokeOptions, io: Io): Promise<number> {
  const missing = missingInvokeEnv();
  if (missing.length > 0) {
    io.stderr.write(
      `fdr-detect invoke: missing environment: ${missing.join(', ')}\n` +
        `  set CONTEXT_TABLE_NAME, DEDUPE_TABLE_NAME, STATE_TABLE_NAME, ALERT_TOPIC_ARN and AWS_REGION (README "Environment"); for local servers also\n` +
        `  AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL_DYNAMODB (unset: real AWS).\n`,
    );
    return 1;
  }
  const timeoutSeconds = o.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 900) {
    io.stderr.write(`fdr-detect invoke: --timeout must be 1..900 seconds (Lambda's limit), got ${o.timeoutSeconds}\n`);
    return 1;
  }
  let event: unknown;
  try {
    event = await readEventFile(o.eventPath);
  } catch (err) {
    io.stderr.write(`fdr-detect invoke: ${(err as Error).message}\n`);
    return 1;
  }
  // Imported only now: the handler module builds its logger from the environment. A fresh handler per call
  // (createHandler() is what `handler` is) so its dependencies come from this call's environment.
  const { createHandler } = await import('../handler');
  const handler = createHandler();
  const context = lambdaContext({ timeoutSeconds });
  try {
    const response = await withStdoutTo(
      (s) => io.stderr.write(s),
      () => handler(event, context),
    );
    io.stdout.write(JSON.stringify(response ?? null, null, 2) + '\n');
    return 0;
  } catch (err) {
    io.stderr.write(`fdr-detect invoke: the handler threw: ${(err as Error).name}: ${(err as Error).message}\n`);
    return 1;
  }
}
