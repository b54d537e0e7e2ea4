/** cdk-nag AwsSolutions on the real app: no unacknowledged finding, every acknowledgement specific and used. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { MIN_ACK_REASON_LENGTH, PROJECT_ROOT, buildApp, listAcknowledgements } from '../../infra/index';
import { testApp } from './helpers';

/** Run the pack as if nothing were acknowledged, to see the raw findings. */
function rawFindings(app: ReturnType<typeof testApp>): { id: string; path: string }[] {
  const pack = new AwsSolutionsChecks();
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack
    .validateScope(app)
    .violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '' })));
}

const variants: [string, Record<string, unknown>][] = [
  ['default (created bucket and topics)', {}],
  [
    'existing bucket, keys and topic',
    {
      bucketName: 'acme-fdr',
      bucketKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      eventDataPrefixes: 'acme/data/',
      secondaryDataPrefixes: 'acme/fdrv2/',
      alertTopicArn: 'arn:aws:sns:us-east-1:123456789012:soc-alerts',
      alertTopicKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000',
      alertEmails: 'soc@example.com',
      alertHttpsEndpoints: 'https://soar.example.com/hook',
      operationsEmails: 'ops@example.com',
    },
  ],
];

describe.each(variants)('the app with AwsSolutionsChecks: %s', (_name, context) => {
  const app = testApp(context);
  buildApp(app);

  it('synthesises: every finding is acknowledged', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('every acknowledgement carries a specific reason', () => {
    const acks = listAcknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(a.reason.trim().length, `${a.path} ${a.id}`).toBeGreaterThanOrEqual(MIN_ACK_REASON_LENGTH);
      expect(a.reason, `${a.path} ${a.id}`).not.toMatch(/^(ok|n\/?a|todo|tbd|suppress|ignore|not needed|false positive)\b/i);
    }
    // README.md lists every acknowledged rule
    const doc = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    for (const a of acks) expect(doc, a.id).toContain(`\`${a.id.replace(/\[.*$/, '')}`);
    // reasons are not copy-pasted across different rules
    const byReason = new Map<string, Set<string>>();
    for (const a of acks) byReason.set(a.reason, (byReason.get(a.reason) ?? new Set()).add(a.id.replace(/\[.*$/, '')));
    for (const [reason, ids] of byReason) expect(ids.size, reason).toBe(1);
  });

  it('every acknowledgement matches a real finding (none stale), and every finding is acknowledged', () => {
    app.synth();
    const findings = rawFindings(app);
    const acks = listAcknowledgements(app);
    for (const a of acks) {
      expect(
        findings.some((f) => f.id === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`))),
        `stale acknowledgement ${a.id} at ${a.path}`,
      ).toBe(true);
    }
    for (const f of findings) {
      expect(
        acks.some((a) => a.id === f.id && (f.path === a.path || f.path.startsWith(`${a.path}/`))),
        `unacknowledged ${f.id} at ${f.path}`,
      ).toBe(true);
    }
    // the findings we expect to acknowledge, and nothing broader
    expect([...new Set(findings.map((f) => f.id.replace(/\[.*$/, '')))].sort()).toEqual([
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
    ]);
    for (const f of findings.filter((x) => x.id.startsWith('AwsSolutions-IAM5'))) {
      expect(f.id).toMatch(/\/(acme\/)?(data|fdrv2)\/\*\]$/);
    }
  });
});

describe('cdk-nag is live', () => {
  it('fails synthesis on an unacknowledged finding', () => {
    const app = testApp();
    const stack = buildApp(app);
    new s3.Bucket(stack as Stack, 'NonCompliantBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
