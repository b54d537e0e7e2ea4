/**
 * `npm run local` — the deployed pipeline end to end with no AWS account.
 *
 * 1. starts fauxqs (S3 + SNS + SQS) and dynalite (DynamoDB) in this process (lambda/local/servers.ts);
 * 2. creates the stack's resources as infra/fdr-detection.ts defines them (lambda/local/resources.ts): the landing
 *    bucket, the context and dedupe tables (string pk/sk), the alert topic with a queue subscribed
 *    (RawMessageDelivery) standing in for a subscriber;
 * 3. loads events/context.json into the context table (DynamoContextAdmin.putEntries, as `context import` does);
 * 4. uploads events/fdr/ keeping relative keys (`data/<uuid>/part-00000.gz`, `fdrv2/…`);
 * 5. invokes the real handler (lambda/handler.ts `handler`, imported after the environment is set) with each
 *    events/lambda/*.json, rewritten to the local bucket and keys (mapping rules: lambda/local/samples.ts;
 *    the samples name `fdr-detect-data-123456789012`), with a Lambda context that counts down from the stack's
 *    5-minute timeout, and prints each response (`batchItemFailures`, or `{status}` for a direct S3 event);
 * 6. reads the subscriber queue and prints the alerts that arrived (alert_type, severity, ComputerName, UserName,
 *    FileName, alert_id) and their SNS MessageAttributes; stops the servers.
 *
 * Before the samples, the uploaded fdrv2/ secondary data goes through the handler (an SQS-wrapped S3 notification
 * per object, as the bucket's fdrv2/ notifications would send), which syncs it into the context table: alerts
 * carry names from FDR's own aidmaster/userinfo. An object seen twice (the SQS and the direct S3 sample name the
 * same batch) publishes its alerts once (dedupe table).
 *
 * Output: the report on stdout; the handler's own logs (Powertools JSON) on stderr at POWERTOOLS_LOG_LEVEL
 * (default WARN here: `POWERTOOLS_LOG_LEVEL=INFO npm run local` shows per-object summaries). EMF metrics are off
 * unless POWERTOOLS_METRICS_DISABLED=false. Exit 0 when every step ran and no invocation threw, else 1.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Message } from '@aws-sdk/client-sqs';
import type { Io } from '../cli/replay';
import { lambdaContext, withStdoutTo } from '../cli/invoke';
import { s3ObjectCreatedEvent, sqsEventOf } from '../cli/s3-events';
import { isSecondaryKey } from '../keys';
import { startLocalServers } from './servers';
import { createStackResources, stackResourceNames, type StackResources } from './resources';
import { drainQueue, rewriteSampleEvent, uploadTree } from './samples';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SAMPLE_FDR_DIR = join(ROOT, 'events', 'fdr');
export const SAMPLE_LAMBDA_EVENTS_DIR = join(ROOT, 'events', 'lambda');
export const SAMPLE_CONTEXT_FILE = join(ROOT, 'events', 'context.json');

export interface LocalInvocation {
  event: string;
  response?: unknown;
  error?: string;
  mapped: string[];
  unmapped: string[];
}

export interface LocalAlert {
  alert: Record<string, unknown>;
  attributes: Record<string, string>;
}

export interface LocalRunResult {
  code: number;
  resources?: StackResources;
  invocations: (LocalInvocation & { alerts: number })[];
  alerts: LocalAlert[];
}

export interface LocalRunOptions {
  /** Directory of sample batches (default events/fdr). */
  fdrDir?: string;
  /** Directory of Lambda test events (default events/lambda). */
  eventsDir?: string;
  contextFile?: string;
  /** Resource name prefix (default fdr-detect-local). */
  prefix?: string;
  /** Where the handler's logs go (default: stderr). */
  logs?: (chunk: string) => void;
}

const MAX_CELL = 40;
function table(header: string[], rows: string[][], maxCell = MAX_CELL): string {
  const clip = (s: string) => (s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s);
  const cells = rows.map((r) => r.map(clip));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n') + '\n';
}

function toLocalAlert(m: Message): LocalAlert {
  let alert: Record<string, unknown>;
  try {
    alert = JSON.parse(m.Body ?? '') as Record<string, unknown>;
  } catch {
    alert = { unparsed: m.Body };
  }
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) attributes[k] = v.StringValue ?? '';
  return { alert, attributes };
}

/** Runs the whole local demo; returns what it printed as data (the tests use it without spawning). */
export async function runLocal(io: Io, o: LocalRunOptions = {}): Promise<LocalRunResult> {
  const out = (s: string) => io.stdout.write(s);
  const logs = o.logs ?? ((s: string) => io.stderr.write(s));
  const result: LocalRunResult = { code: 0, invocations: [], alerts: [] };
  const t0 = Date.now();
  const servers = await startLocalServers();
  const savedEnv = { ...process.env };
  try {
    Object.assign(process.env, servers.env);
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    process.env.POWERTOOLS_SERVICE_NAME ??= 'fdr-detect';
    out(`local servers: fauxqs (S3, SNS, SQS) ${servers.fauxqsUrl}, dynalite (DynamoDB) ${servers.dynamoUrl}\n`);

    const { s3Client, sqsClient } = await import('../aws/clients');
    const res = await createStackResources(stackResourceNames(o.prefix));
    result.resources = res;
    Object.assign(process.env, res.env);
    out(
      `resources: bucket ${res.bucket}, tables ${res.contextTable} / ${res.dedupeTable} / ${res.stateTable} (pk/sk strings${res.ttlEnabled ? ', TTL expiresAt' : '; TTL not supported by dynalite'}), ` +
        `topic ${res.topicArn} → queue ${res.names.subscriberQueue} (raw delivery)\n`,
    );

    const { DynamoContextAdmin } = await import('../stores/context-dynamodb/admin');
    const contextFile = JSON.parse(await readFile(o.contextFile ?? SAMPLE_CONTEXT_FILE, 'utf8'));
    const loaded = await new DynamoContextAdmin({ tableName: res.contextTable }).putEntries(contextFile);
    out(`context: ${loaded.users} users, ${loaded.hosts} hosts loaded into ${res.contextTable}${loaded.skipped.length ? ` (skipped: ${loaded.skipped.join('; ')})` : ''}\n`);

    const uploaded = await uploadTree(o.fdrDir ?? SAMPLE_FDR_DIR, res.bucket, s3Client());
    out(`uploaded ${uploaded.length} objects to s3://${res.bucket}/:\n${uploaded.map((u) => `  ${u.key} (${u.size} bytes)\n`).join('')}`);

    // The handler module reads its configuration (and builds its logger) from the environment set above.
    const { handler } = await import('../handler');
    const keys = new Set(uploaded.map((u) => u.key));

    // FDR's own secondary data lands first (as on a real bucket, whose notifications cover fdrv2/ too): the
    // handler syncs aidmaster / userinfo into the context table, so alerts carry ComputerName and UserName.
    const secondary = uploaded.filter((u) => isSecondaryKey(u.key) && u.size > 0);
    if (secondary.length > 0) {
      const sync = sqsEventOf(
        secondary.map((u) => s3ObjectCreatedEvent({ bucket: res.bucket, key: u.key, size: u.size })),
        { messageId: (i) => `local-fdrv2-${i}` },
      );
      const response = await withStdoutTo(logs, () => handler(sync, lambdaContext({ functionName: 'fdr-detect-local' })));
      out(`
synced FDR secondary data (${secondary.map((u) => u.key.split('/')[1]).join(', ')}) through the handler: response ${JSON.stringify(response)}
`);
    }
    const eventsDir = o.eventsDir ?? SAMPLE_LAMBDA_EVENTS_DIR;
    const eventFiles = (await readdir(eventsDir)).filter((f) => f.endsWith('.json')).sort();
    out(`\ninvoking the handler (lambda/handler.ts) with ${eventFiles.length} events from ${eventsDir}:\n`);
    for (const file of eventFiles) {
      const raw = JSON.parse(await readFile(join(eventsDir, file), 'utf8')) as unknown;
      const { event, mapped, unmapped } = rewriteSampleEvent(raw, { bucket: res.bucket, keys });
      const inv: LocalInvocation & { alerts: number } = { event: file, mapped, unmapped, alerts: 0 };
      const started = Date.now();
      try {
        inv.response = await withStdoutTo(logs, () => handler(event, lambdaContext({ functionName: 'fdr-detect-local' })));
      } catch (err) {
        inv.error = `${(err as Error).name}: ${(err as Error).message}`;
        result.code = 1;
      }
      const ms = Date.now() - started;
      // fauxqs delivers SNS → SQS as it accepts the publish; what is on the queue now came from this invocation.
      const arrived = (await drainQueue(sqsClient(), res.subscriberQueueUrl, { idleMs: 200 })).map(toLocalAlert);
      inv.alerts = arrived.length;
      result.alerts.push(...arrived);
      result.invocations.push(inv);
      out(`  ${file} (${ms} ms)${mapped.length ? `  [${mapped.join('; ')}]` : ''}\n`);
      if (unmapped.length) out(`    not in the local bucket: ${unmapped.join(', ')}\n`);
      out(`    ${inv.error ? `THREW ${inv.error}` : `response ${JSON.stringify(inv.response)}`}; ${arrived.length} alerts published\n`);
    }
    result.alerts.push(...(await drainQueue(sqsClient(), res.subscriberQueueUrl, { idleMs: 300 })).map(toLocalAlert));
    out(
      `\n${result.alerts.length} alerts arrived on the subscriber queue (${res.names.subscriberQueue}); an object named by two ` +
        `events publishes once (dedupe table):\n`,
    );
    if (result.alerts.length > 0) {
      const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
      const sorted = [...result.alerts].sort((a, b) => s(a.alert.alert_type).localeCompare(s(b.alert.alert_type)) || Number(a.alert['@timestamp'] ?? 0) - Number(b.alert['@timestamp'] ?? 0));
      out(
        table(
          ['alert_type', 'severity', 'ComputerName', 'UserName', 'FileName', 'alert_id'],
          sorted.map(({ alert: a }) => [s(a.alert_type), s(a.severity), s(a.ComputerName), s(a.UserName), s(a.FileName), s(a.alert_id)]),
        ),
      );
      out('\nMessageAttributes (for subscription filter policies):\n');
      out(
        table(
          ['alert_id', 'MessageAttributes'],
          sorted.map(({ alert: a, attributes }) => [
            s(a.alert_id),
            Object.entries(attributes)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
          ]),
          200,
        ),
      );
    }
    const failures = result.invocations.flatMap((i) => ((i.response as { batchItemFailures?: unknown[] })?.batchItemFailures ?? []).map(() => i.event));
    out(
      `\ndone in ${Date.now() - t0} ms: ${result.invocations.length} invocations, ${failures.length} batchItemFailures, ` +
        `${result.invocations.filter((i) => i.error).length} threw, ${result.alerts.length} alerts delivered\n`,
    );
    return result;
  } catch (err) {
    io.stderr.write(`npm run local: ${(err as Error).stack ?? String(err)}\n`);
    result.code = 1;
    return result;
  } finally {
    await servers.stop();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  }
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  runLocal({ stdout: process.stdout, stderr: process.stderr }).then(
    (r) => {
      process.exitCode = r.code;
    },
    (err) => {
      process.stderr.write(`npm run local: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
