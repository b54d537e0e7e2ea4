// `fdr-detect invoke EVENT.json`: the real handler once, against the local servers the globalSetup started.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client, sqsClient } from '../../lambda/aws/clients';
import { lambdaContext, runInvoke } from '../../lambda/cli/invoke';
import { main } from '../../lambda/cli/main';
import { ContextTable } from '../support/context-table';
import { createStackResources, stackResourceNames, type StackResources } from '../../lambda/local/resources';
import { drainQueue, rewriteSampleEvent } from '../../lambda/local/samples';
import { uniq } from '../support/aws';
import { captureIo } from './helpers';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';

const ROOT = new URL('../../', import.meta.url);
const BATCH_A = 'data/6a1f0c2e-8a41-4f7e-9d2b-1c3e5a7b9d01/part-00000.gz';
const BATCH_B = 'data/b7e2d9c4-31f5-4a8e-b6c0-2d4f6a8c0e12/part-00000.gz';
const sample = (name: string) => JSON.parse(readFileSync(new URL(`events/lambda/${name}`, ROOT), 'utf8')) as unknown;
const tmp = mkdtempSync(join(tmpdir(), 'fdr-invoke-'));

let res: StackResources;

/** The sample event rewritten to the test bucket, written to a file. */
function eventFile(name: string, keys: string[]): string {
  const { event, unmapped } = rewriteSampleEvent(sample(name), { bucket: res.bucket, keys: new Set(keys) });
  expect(unmapped).toEqual([]);
  const path = join(tmp, `${uniq('event')}.json`);
  writeFileSync(path, JSON.stringify(event));
  return path;
}

beforeAll(async () => {
  res = await createStackResources(stackResourceNames(uniq('inv')));
  Object.assign(process.env, res.env);
  await new ContextTable({ tableName: res.contextTable }).putEntries(
    JSON.parse(readFileSync(new URL('events/context.json', ROOT), 'utf8')),
  );
  for (const key of [BATCH_A, BATCH_B]) {
    await s3Client().send(new PutObjectCommand({ Bucket: res.bucket, Key: key, Body: readFileSync(new URL(`events/fdr/${key}`, ROOT)) }));
  }
});

describe('fdr-detect invoke', () => {
  it('runs the handler on the sample SQS-wrapped S3 event; the alerts arrive on the subscribed queue', async () => {
    const io = captureIo();
    const code = await main(['invoke', eventFile('sqs-s3-notification.json', [BATCH_A])], io);
    expect(code, io.err()).toBe(0);
    // stdout is the response alone (logs go to stderr)
    expect(JSON.parse(io.out())).toEqual({ batchItemFailures: [] });

    const msgs = await drainQueue(sqsClient(), res.subscriberQueueUrl, { expected: 4, idleMs: 2000 });
    const alerts = msgs.map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
    expect(alerts.map((a) => a.alert_type).sort()).toEqual(['NetUseAdminShare', 'PsExecExecution', 'RemoteExecService', 'SMB445Connection']);
    for (const [a, m] of alerts.map((a, i) => [a, msgs[i]] as const)) {
      expect(a.schema).toBe('fdr-detect.alert/v1');
      expect(a.source).toMatchObject({ bucket: res.bucket, key: BATCH_A });
      expect(m.MessageAttributes?.alert_type?.StringValue).toBe(a.alert_type);
      expect(m.MessageAttributes?.technique?.StringValue).toBe('T1021.002');
    }

    // the same event again: the dedupe table keeps the alerts from going out twice
    const again = captureIo();
    expect(await runInvoke({ eventPath: eventFile('sqs-s3-notification.json', [BATCH_A]) }, again)).toBe(0);
    expect(await drainQueue(sqsClient(), res.subscriberQueueUrl, { idleMs: 300 })).toEqual([]);
  });

  it('handles the CrowdStrike notification, the direct S3 event and the test event', async () => {
    const cs = captureIo();
    expect(await runInvoke({ eventPath: eventFile('sqs-crowdstrike-fdr.json', [BATCH_B, BATCH_B.replace('part-00000.gz', '_SUCCESS')]) }, cs)).toBe(0);
    expect(JSON.parse(cs.out())).toEqual({ batchItemFailures: [] });
    expect((await drainQueue(sqsClient(), res.subscriberQueueUrl, { expected: 3, idleMs: 2000 })).length).toBe(3);

    const direct = captureIo();
    expect(await runInvoke({ eventPath: eventFile('s3-direct.json', [BATCH_A]) }, direct)).toBe(0);
    expect(JSON.parse(direct.out())).toEqual({ status: 'ok' });

    const test = captureIo();
    expect(await runInvoke({ eventPath: eventFile('sqs-s3-test-event.json', []) }, test)).toBe(0);
    expect(JSON.parse(test.out())).toEqual({ batchItemFailures: [] });
  });

  it('exits 1 with a clear message when the environment is incomplete', async () => {
    const saved = process.env.ALERT_TOPIC_ARN;
    delete process.env.ALERT_TOPIC_ARN;
    try {
      const io = captureIo();
      expect(await runInvoke({ eventPath: eventFile('sqs-s3-test-event.json', []) }, io)).toBe(1);
      expect(io.err()).toContain('missing environment: ALERT_TOPIC_ARN');
      expect(io.out()).toBe('');
    } finally {
      process.env.ALERT_TOPIC_ARN = saved;
    }
  });

  it('exits 1 on a missing or malformed event file', async () => {
    const missing = captureIo();
    expect(await runInvoke({ eventPath: join(tmp, 'nope.json') }, missing)).toBe(1);
    expect(missing.err()).toContain('cannot read event file');

    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"Records": [');
    const io = captureIo();
    expect(await runInvoke({ eventPath: bad }, io)).toBe(1);
    expect(io.err()).toContain('is not JSON');

    const list = join(tmp, 'list.json');
    writeFileSync(list, '[]');
    const io2 = captureIo();
    expect(await runInvoke({ eventPath: list }, io2)).toBe(1);
    expect(io2.err()).toContain('must hold a JSON object');

    const usage = captureIo();
    expect(await main(['invoke'], usage)).toBe(1);
    expect(usage.err()).toContain('invoke needs one EVENT.json');
  });

  it('exits 1 when the handler throws (a direct S3 event whose object cannot be read for now)', async () => {
    // A separate process, S3 pointed at a closed port: a transient read error fails a direct invocation.
    const path = eventFile('s3-direct.json', [BATCH_A]);
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'lambda/cli/main.ts', 'invoke', path], {
        cwd: new URL('.', ROOT).pathname,
        env: { ...process.env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('the handler threw');
  });

  it('gives the handler a Lambda context that counts down', async () => {
    const ctx = lambdaContext({ timeoutSeconds: 2 });
    const first = ctx.getRemainingTimeInMillis();
    expect(first).toBeGreaterThan(1900);
    expect(first).toBeLessThanOrEqual(2000);
    await new Promise((r) => setTimeout(r, 30));
    expect(ctx.getRemainingTimeInMillis()).toBeLessThan(first);
    expect(ctx.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
