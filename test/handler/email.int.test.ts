// Email subscribers get a text a responder reads; every other protocol the JSON record (SNS per-protocol
// messages). Through the real handler and a real fauxqs subscription: fauxqs ignores MessageStructure and delivers
// the {default, email} wrapper to the queue (docs/tooling.md), so the test reads both parts from it.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../lambda/alerts/types';
import { alertSchemaErrors } from '../support/alert-schema';
import { createTable, drain, uniq } from '../support/aws';
import { harness, lambdaContext, s3Body, sqsEvent } from '../support/handler-harness';
import { psexec, STATEFUL_PACK, T0 } from '../support/stateful';

// The test pack's PsExecLaunch rule has a guide; the command line carries a password the record redacts.
const events = [{ ...psexec(T0), ComputerName: 'WKS-FIN07', UserName: 'CORP\\alice', CommandLine: 'PsExec.exe \\\\10.0.7.40 -u CORP\\alice -p P@ssw0rd1 cmd.exe' }];
const body = gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const KEY = 'data/email/part-00000.gz';
const env = (format: string) => ({ ALERT_EMAIL_FORMAT: format, RULE_PACKS: STATEFUL_PACK });
let bucket: string;
let contextTable: string;

beforeAll(async () => {
  bucket = uniq('fdr-email');
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: body }));
  contextTable = uniq('ctx');
  await createTable(contextTable);
});

describe('per-protocol alert messages (ALERT_EMAIL_FORMAT=text, the default)', () => {
  it('default is the alert record; email is a readable text with the host, user, evidence, guidance and alert id', async () => {
    const h = await harness({ contextTable, env: env('text') });
    expect(await h.handler(sqsEvent([s3Body(bucket, KEY, body.length)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    const msgs = await drain(h.queueUrl);
    expect(msgs).toHaveLength(1);
    for (const m of msgs) {
      const wrapper = JSON.parse(m.Body!) as { default: string; email: string };
      expect(Object.keys(wrapper).sort()).toEqual(['default', 'email']);
      const alert = JSON.parse(wrapper.default) as AlertRecord;
      expect(alertSchemaErrors(alert)).toEqual([]);
      const text = wrapper.email;
      expect(text.split('\n')[0]).toBe(`[${alert.severity.toUpperCase()}] ${alert.alert_type} on ${alert.ComputerName}${alert.UserName ? ` by ${alert.UserName}` : ''}`);
      expect(text).toContain(`Alert id: ${alert.alert_id}`);
      expect(text).toContain(`Why it matters (${alert.technique}`);
      expect(text).toContain('What happened: PsExec was launched on this host (test rule).');
      expect(text).toContain('Tuning: Tag sanctioned users psexec-sanctioned and jump hosts it-admin.');
      expect(text).toContain('Known false positives: Administrators using PsExec from a jump host.');
      if (alert.CommandLine) expect(text).toContain(`Command line: ${alert.CommandLine}`);
      expect(text).not.toContain('P@ssw0rd1'); // what the record redacted, the text never shows
    }
  });

  it('ALERT_EMAIL_FORMAT=json publishes the record to every protocol', async () => {
    const h = await harness({ contextTable, env: env('json') });
    await h.handler(sqsEvent([s3Body(bucket, KEY, body.length)]), lambdaContext());
    const got = await h.alerts();
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(alertSchemaErrors(g.alert)).toEqual([]);
  });
});
