/**
 * The deployable artefact works. The handler is bundled exactly as the stack bundles it
 * (bundleDetectionHandler: a real NodejsFunction with the stack's code props), then loaded the way Lambda loads
 * it: a plain `node` child process (no tsx, no vitest transforms, no project node_modules reachable), cwd = the
 * bundle folder, `import()` of the file the stack's `Handler` names, environment = the variables the stack sets
 * (resource references replaced by the local tables/topic) plus the local-server endpoints from globalSetup.
 * It is invoked with an SQS batch of S3 notifications for the sample FDR batches uploaded to fauxqs, twice in the
 * same container (warm start). What it publishes on SNS must be exactly what the source tree's `replay` finds.
 * A bundling mistake (ESM/CJS, a missing dependency, the rule pack not next to the bundle, an environment
 * variable the stack and the handler name differently) fails here, not in a deploy.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, RULE_PACK_BUNDLE_DIR, bundleDetectionHandler } from '../../infra/index';
import type { AlertRecord } from '../../lambda/alerts/types';
import { runReplay } from '../../lambda/cli/replay';
import { s3ObjectCreatedEvent, sqsEventOf } from '../../lambda/cli/s3-events';
import { TtlLruCache } from '../../lambda/stores/context-dynamodb/cache';
import { ContextTable } from '../support/context-table';
import { createTable, drain, topicWithQueue, uniq } from '../support/aws';
import { logicalId, synthDetection } from './helpers';

const FDR_DATA = join(PROJECT_ROOT, 'events', 'fdr', 'data');
const CONTEXT_JSON = join(PROJECT_ROOT, 'events', 'context.json');
/** Every sample batch: one has plain alerts, the other needs the context table (sanctioned user suppressed). */
const BATCHES = readdirSync(FDR_DATA).filter((d) => existsSync(join(FDR_DATA, d, 'part-00000.gz'))).sort();
/** Marks the child's result line among the handler's own (Powertools JSON) log lines on stdout. */
const RESULT_MARK = '@@fdr-bundle-result@@ ';

/**
 * Runs in the child: what the Lambda Node.js runtime does with `Handler: <module>.<export>`, minus the runtime API.
 * Reads `{ module, exportName, timeoutMs, events }` on stdin, invokes the export once per event (same module
 * instance: a warm container) and prints the responses as one JSON line after RESULT_MARK.
 */
const CHILD = `
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { module, exportName, timeoutMs, events } = JSON.parse(input);
const mod = await import('./' + module);
const fn = mod[exportName];
if (typeof fn !== 'function') throw new Error('the bundle exports no function ' + exportName + ' (exports: ' + Object.keys(mod).join(', ') + ')');
const responses = [];
for (const [i, event] of events.entries()) {
  const end = Date.now() + timeoutMs;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'fdr-detect-bundle-e2e',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fdr-detect-bundle-e2e',
    memoryLimitInMB: '1769',
    awsRequestId: 'bundle-e2e-' + i,
    logGroupName: '/aws/lambda/fdr-detect-bundle-e2e',
    logStreamName: '2026/01/01/[$LATEST]bundle',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done() {}, fail() {}, succeed() {},
  };
  responses.push(await fn(event, context));
}
process.stdout.write('\\n' + ${JSON.stringify(RESULT_MARK)} + JSON.stringify(responses) + '\\n');
`;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(cwd: string, env: NodeJS.ProcessEnv, input: unknown): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '--eval', CHILD], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(JSON.stringify(input));
  });
}

/** The stack's function: its environment (references resolved to the local resources), handler and timeout. */
function stackFunction(local: { contextTable: string; dedupeTable: string; stateTable: string; topicArn: string }): {
  env: Record<string, string>;
  handler: string;
  timeoutMs: number;
} {
  const { stack, detection, template } = synthDetection();
  const fn = template.toJSON().Resources[logicalId(stack, detection.detectionFunction)].Properties as {
    Handler: string;
    Timeout?: number;
    Environment: { Variables: Record<string, unknown> };
  };
  const refs: Record<string, string> = {
    [logicalId(stack, detection.contextTable)]: local.contextTable,
    [logicalId(stack, detection.dedupeTable)]: local.dedupeTable,
    [logicalId(stack, detection.stateTable)]: local.stateTable,
    [logicalId(stack, detection.alertTopic as never)]: local.topicArn,
  };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(fn.Environment.Variables)) {
    if (typeof v === 'string') env[k] = v;
    else {
      const ref = (v as { Ref?: string }).Ref;
      if (!ref || !(ref in refs)) throw new Error(`stack env ${k}: no local stand-in for ${JSON.stringify(v)}`);
      env[k] = refs[ref];
    }
  }
  return { env, handler: fn.Handler, timeoutMs: (fn.Timeout ?? 3) * 1000 };
}

/** The module file Lambda's Node.js runtime loads for `<module>.<export>` (it tries .js, .mjs, .cjs). */
function handlerModule(bundleDir: string, handler: string): { module: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const module = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(join(bundleDir, f)));
  if (!module) throw new Error(`Handler ${handler}: no ${base}.js/.mjs/.cjs in the bundle (${readdirSync(bundleDir).join(', ')})`);
  return { module, exportName };
}

/** What the source tree finds in the same batches (`npm run replay -- <dirs> --context events/context.json`). */
async function replayAlerts(dirs: string[]): Promise<AlertRecord[]> {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  let errText = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  err.on('data', (d: Buffer) => (errText += d.toString()));
  const code = await runReplay({ paths: dirs, context: CONTEXT_JSON, format: 'ndjson', includeSuppressed: false }, { stdout: out, stderr: err });
  if (code !== 0) throw new Error(`replay exited ${code}: ${errText}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AlertRecord);
}

function sqsEvent(bucket: string, keys: { key: string; size: number }[]): SQSEvent {
  return sqsEventOf(
    keys.map(({ key, size }) => s3ObjectCreatedEvent({ bucket, key, size })),
    { messageId: (i) => `00000000-0000-4000-8000-00000000000${i}`, queueArn: 'arn:aws:sqs:us-east-1:000000000000:fdr-objects', region: 'us-east-1' },
  );
}

describe('the bundled detection handler (as deployed) against fauxqs + dynalite', () => {
  let outdir: string;
  let bundleDir: string;
  let queueUrl: string;
  let child: ChildResult;
  let responses: { batchItemFailures?: { itemIdentifier: string }[] }[];
  let expected: AlertRecord[];

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'fdr-bundle-e2e-'));
    bundleDir = bundleDetectionHandler(outdir);

    const s3 = new S3Client({ forcePathStyle: true });
    const bucket = uniq('fdr-landing');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const objects: { key: string; size: number }[] = [];
    for (const b of BATCHES) {
      const body = readFileSync(join(FDR_DATA, b, 'part-00000.gz'));
      const key = `data/${b}/part-00000.gz`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      objects.push({ key, size: body.length });
    }

    const contextTable = uniq('ctx');
    const dedupeTable = uniq('dedupe');
    await createTable(contextTable);
    const stateTable = uniq('state');
    await createTable(dedupeTable);
    await createTable(stateTable);
    await new ContextTable({ tableName: contextTable, cache: new TtlLruCache() }).putEntries(
      JSON.parse(readFileSync(CONTEXT_JSON, 'utf8')),
    );
    const sub = await topicWithQueue();
    queueUrl = sub.queueUrl;

    const fn = stackFunction({ contextTable, dedupeTable, stateTable, topicArn: sub.topicArn });
    const env: NodeJS.ProcessEnv = { ...process.env, ...fn.env };
    // Nothing but the bundle: no loader hooks, no module path, no rule pack from the source tree.
    for (const k of ['NODE_PATH', 'RULE_PACKS']) delete env[k];
    env.NODE_OPTIONS = fn.env.NODE_OPTIONS ?? '';
    const event = sqsEvent(bucket, objects);
    [child, expected] = await Promise.all([
      runChild(bundleDir, env, { ...handlerModule(bundleDir, fn.handler), timeoutMs: fn.timeoutMs, events: [event, event] }),
      replayAlerts(BATCHES.map((b) => join(FDR_DATA, b))),
    ]);
    const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
    responses = line ? JSON.parse(line.slice(RESULT_MARK.length)) : [];
  });

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  const childOutput = (): string => `exit ${child.code} ${child.signal ?? ''}\n--- stderr\n${child.stderr.slice(-4000)}\n--- stdout\n${child.stdout.slice(-4000)}`;

  it('is self-contained: index.mjs and packs/ in a folder with no node_modules above it', () => {
    expect(existsSync(join(bundleDir, 'index.mjs'))).toBe(true);
    const packs = readdirSync(join(bundleDir, RULE_PACK_BUNDLE_DIR)).filter((f) => !f.endsWith('.json'));
    expect(packs.length).toBeGreaterThan(0);
    for (const p of packs) expect(readdirSync(join(bundleDir, RULE_PACK_BUNDLE_DIR, p)).some((f) => f.endsWith('.cql'))).toBe(true);
    // Otherwise a dependency left out of the bundle could still resolve and the child would prove nothing.
    for (let d = bundleDir; ; d = dirname(d)) {
      expect(existsSync(join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
      if (dirname(d) === d) break;
    }
  });

  it('loads in plain node and reports no failed records (cold and warm invocation)', () => {
    expect(child.code, childOutput()).toBe(0);
    expect(responses, childOutput()).toHaveLength(2);
    for (const r of responses) expect(r).toEqual({ batchItemFailures: [] });
  });

  it('publishes exactly the alerts the source tree finds in the same batches, once', async () => {
    expect(expected.length).toBeGreaterThan(0);
    const messages = await drain(queueUrl, Infinity, 1000);
    const published = messages.map((m) => JSON.parse(m.Body!) as AlertRecord);
    // Same ids, no duplicate from the second (warm) invocation: dedupe on dynalite worked inside the bundle.
    expect(published.map((a) => a.alert_id).sort(), childOutput()).toEqual(expected.map((a) => a.alert_id).sort());
    const summary = (a: AlertRecord) => ({
      alert_id: a.alert_id,
      alert_type: a.alert_type,
      rule_id: a.rule_id,
      severity: a.severity,
      technique: a.technique,
      event_id: a.event_id,
      // Context found in the DynamoDB table by the bundle = context found in events/context.json by replay.
      context_user: a.context?.user?.userSid ?? a.context?.user?.userName ?? null,
      context_host: a.context?.host?.aid ?? a.context?.host?.computerName ?? null,
    });
    const byId = (x: { alert_id: string }, y: { alert_id: string }) => x.alert_id.localeCompare(y.alert_id);
    expect(published.map(summary).sort(byId)).toEqual(expected.map(summary).sort(byId));
    for (const [i, m] of messages.entries()) {
      const a = published[i];
      expect(a.source).toMatchObject({ key: expect.stringMatching(/^data\/.+\/part-00000\.gz$/) });
      expect(m.MessageAttributes).toMatchObject({
        alert_type: { DataType: 'String', StringValue: a.alert_type },
        severity: { DataType: 'String', StringValue: a.severity },
        technique: { DataType: 'String', StringValue: a.technique },
      });
    }
  });
});
