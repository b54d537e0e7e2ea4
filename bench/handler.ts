/**
 * Benchmark child for the `handler` mode (bench/run.ts): the real Lambda handler on one large object through
 * fauxqs, in its own process.
 *   tsx bench/handler.ts FILE
 *
 * Setup (not measured): start fauxqs + dynalite in a separate process (bench/servers-proc.ts — S3 is remote
 * for a real Lambda too, so the servers' CPU is not the handler's), create the stack's resources
 * (lambda/local/resources.ts), upload FILE as `data/<uuid>/part-00000.gz` with @aws-sdk/lib-storage Upload
 * (fauxqs answers a single PutObject over 11 MiB with HTTP 413).
 * Warm-up (not measured): one invocation on the small sample batch events/fdr/data/6a1f…/part-00000.gz, as a warm
 * Lambda container has had — it builds the rule pack and clients and loads the SDK's lazily imported modules
 * (~0.5 s of one-time cost that is cold start, not throughput; reported as `warmupMs`).
 * Measured: ONE handler invocation (lambda/handler.ts `handler`) on an SQS-wrapped S3 ObjectCreated event for the
 * big object — streamed GetObject from fauxqs, decode, rules, DynamoDB context lookups and dedupe, SNS publication.
 *
 * Prints one JSON line like bench/child.ts: { mode, bytesOut, events, innerMs, maxRssKiB, cpuMs, ... } where
 * innerMs / cpuMs cover the invocation only; bytesOut/events come from the handler's "object summary" log.
 * With --explain, after the measurement (not in its figures), in this process (`explain`: where a difference
 * goes): the same object's GetObject drained alone, then the pipeline with the handler's rule packs (no handler,
 * no context) on the S3 object (with the CPU the servers' process spent meanwhile) and on the local file, and on the
 * S3 object again with the context table's lookups (dynalite, cache cold) as the handler does them.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { SQSEvent } from 'aws-lambda';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const file = process.argv[2];
const explain = process.argv.includes('--explain');
if (!file) {
  console.error('usage: tsx bench/handler.ts FILE');
  process.exit(2);
}

/** A process's user + system CPU so far in ms (Linux /proc; undefined elsewhere): the servers' share of the machine. */
function procCpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, USER_HZ = 100
  } catch {
    return undefined;
  }
}

const serverProc = spawn(process.execPath, ['--import', 'tsx', 'bench/servers-proc.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
const [envLine] = (await once(createInterface({ input: serverProc.stdout! }), 'line')) as [string];
Object.assign(process.env, JSON.parse(envLine) as Record<string, string>);
const servers = {
  async stop(): Promise<void> {
    serverProc.stdin!.end();
    await once(serverProc, 'exit');
  },
};
process.env.POWERTOOLS_LOG_LEVEL = 'INFO'; // the "object summary" line carries bytesOut and lines
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

try {
  const { s3Client } = await import('../lambda/aws/clients');
  const { createStackResources, stackResourceNames } = await import('../lambda/local/resources');
  const { lambdaContext, withStdoutTo } = await import('../lambda/cli/invoke');
  const { s3ObjectCreatedEvent, sqsEventOf } = await import('../lambda/cli/s3-events');

  const res = await createStackResources(stackResourceNames('fdr-bench'));
  Object.assign(process.env, res.env);

  const key = `data/${randomUUID()}/part-00000.gz`;
  const size = statSync(file).size;
  const tUp = performance.now();
  await new Upload({
    client: s3Client(),
    params: { Bucket: res.bucket, Key: key, Body: createReadStream(file) },
    partSize: 8 * 1024 * 1024,
    queueSize: 2,
  }).done();
  const uploadMs = performance.now() - tUp;

  const sampleKey = 'data/6a1f0c2e-8a41-4f7e-9d2b-1c3e5a7b9d01/part-00000.gz';
  const sample = readFileSync(new URL(`../events/fdr/${sampleKey}`, import.meta.url));
  await s3Client().send(new PutObjectCommand({ Bucket: res.bucket, Key: sampleKey, Body: sample }));

  const sqsEvent = (k: string, bytes: number): SQSEvent => sqsEventOf([s3ObjectCreatedEvent({ bucket: res.bucket, key: k, size: bytes })]);

  const { handler } = await import('../lambda/handler');
  const tWarm = performance.now();
  const warm = (await withStdoutTo(
    () => {},
    () => handler(sqsEvent(sampleKey, sample.length), lambdaContext({ timeoutSeconds: 900, functionName: 'fdr-detect-bench' })),
  )) as { batchItemFailures?: unknown[] };
  const warmupMs = performance.now() - tWarm;
  if ((warm.batchItemFailures ?? []).length > 0) throw new Error('warm-up invocation failed');

  let logs = '';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const response = (await withStdoutTo(
    (s) => (logs += s),
    () => handler(sqsEvent(key, size), lambdaContext({ timeoutSeconds: 900, functionName: 'fdr-detect-bench' })),
  )) as { batchItemFailures?: unknown[] };
  const innerMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);

  const summary = logs
    .split('\n')
    .filter((l) => l.includes('"object summary"'))
    .map((l) => JSON.parse(l) as { bytesOut: number; lines: number; alerts: number; published: number; failed: number; readMs: number; deliverMs: number })[0];
  if (!summary) throw new Error(`no "object summary" in the handler's logs:\n${logs.slice(-2000)}`);
  if ((response.batchItemFailures ?? []).length > 0) throw new Error(`handler returned batchItemFailures: ${logs.slice(-2000)}`);

  const ru = process.resourceUsage();
  let explained: { drainMs: number; chunks: number; s3Ms: number; fileMs: number; serverS3CpuMs?: number; s3ContextMs: number } | undefined;
  if (explain) {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { processObject } = await import('../lambda/pipeline');
    const { loadRulePacks, packDirsFrom } = await import('../lambda/packs/loader');
    const { StaticContextStore } = await import('../lambda/context/file');
    const { FileObjectSource } = await import('../lambda/sources/file');
    const { S3ObjectSource } = await import('../lambda/sources/s3');
    const t = performance.now();
    const got = await s3Client().send(new GetObjectCommand({ Bucket: res.bucket, Key: key }));
    let chunks = 0;
    for await (const c of got.Body as AsyncIterable<Uint8Array>) if (c.length > 0) chunks++;
    const drainMs = performance.now() - t;
    const rules = loadRulePacks(packDirsFrom(process.env.RULE_PACKS));
    const { DynamoContextStore } = await import('../lambda/stores/context-dynamodb/lookup');
    const timed = async (
      ref: { bucket: string | null; key: string },
      source: InstanceType<typeof FileObjectSource | typeof S3ObjectSource>,
      context: InstanceType<typeof StaticContextStore | typeof DynamoContextStore> = new StaticContextStore(),
    ): Promise<number> => {
      const t0 = performance.now();
      await processObject(ref, { source, rules, context });
      return performance.now() - t0;
    };
    const before = procCpuMs(serverProc.pid);
    const s3Ms = await timed({ bucket: res.bucket, key }, new S3ObjectSource(s3Client()));
    const after = procCpuMs(serverProc.pid);
    const fileMs = await timed({ bucket: null, key: file }, new FileObjectSource());
    // The CPU fauxqs spent serving the object while the pipeline read it: on this machine it shares the two cores.
    const serverS3CpuMs = before !== undefined && after !== undefined ? after - before : undefined;
    // As the handler reads: with the context table (dynalite) for the alerts' user and host lookups, cache cold.
    const s3ContextMs = await timed({ bucket: res.bucket, key }, new S3ObjectSource(s3Client()), new DynamoContextStore({ tableName: res.env.CONTEXT_TABLE_NAME, cache: null }));
    explained = { drainMs, chunks, s3Ms, fileMs, serverS3CpuMs, s3ContextMs };
  }
  console.log(
    JSON.stringify({
      mode: 'handler',
      bytesOut: summary.bytesOut,
      events: summary.lines,
      alerts: summary.alerts,
      published: summary.published,
      innerMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssKiB: ru.maxRSS,
      gzBytes: size,
      uploadMs,
      warmupMs,
      readMs: summary.readMs,
      deliverMs: summary.deliverMs,
      explain: explained,
    }),
  );
} finally {
  await servers.stop();
}
