/** Existing-bucket / existing-topic variants, and the example app that README.md shows. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/index';
import { ACCOUNT, REGION, asArray, logicalId, synthDetection } from './helpers';

type QueueConfig = { Events: string[]; Filter: { Key: { FilterRules: { Name: string; Value: string }[] } } };
const prefixesOf = (props: Record<string, unknown>): string[] =>
  asArray((props.NotificationConfiguration as { QueueConfigurations: QueueConfig[] }).QueueConfigurations).map(
    (c) => {
      expect(c.Events).toEqual(['s3:ObjectCreated:*']);
      return c.Filter.Key.FilterRules[0].Value;
    },
  );

describe('existing bucket (s3.Bucket.fromBucketName)', () => {
  const { template, detection } = synthDetection((s) => ({
    bucket: s3.Bucket.fromBucketName(s, 'Fdr', 'acme-fdr'),
    eventDataPrefixes: ['tenant-a/data/', 'tenant-b/data/'],
    secondaryDataPrefixes: ['tenant-a/fdrv2/'],
  }));

  it('creates no bucket and adds notifications on the given prefixes, keeping the bucket’s others', () => {
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(detection.accessLogsBucket).toBeUndefined();
    const notifications = Object.values(template.findResources('Custom::S3BucketNotifications'));
    expect(notifications).toHaveLength(1);
    const props = notifications[0].Properties;
    expect(props.BucketName).toBe('acme-fdr');
    expect(props.Managed).toBe(false); // merge with notifications the bucket already has
    expect(prefixesOf(props)).toEqual(['tenant-a/data/', 'tenant-b/data/', 'tenant-a/fdrv2/']);
  });

  it('passes only the event-data prefixes as EVENT_PREFIXES', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.EVENT_PREFIXES,
    )!;
    expect(fn.Properties.Environment.Variables.EVENT_PREFIXES).toBe('tenant-a/data/,tenant-b/data/');
  });
});

describe('existing alert topic (sns.Topic.fromTopicArn)', () => {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:soc-alerts`;
  const { stack, template, detection } = synthDetection((s) => ({
    alertTopic: sns.Topic.fromTopicArn(s, 'Soc', topicArn),
    alertEmails: ['soc@example.com'],
  }));

  it('publishes to it and creates only the operations topic', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toEqual([logicalId(stack, detection.operationsTopic as never)]);
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, detection.detectionFunction)];
    expect(fn.Properties.Environment.Variables.ALERT_TOPIC_ARN).toBe(topicArn);
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: topicArn, Protocol: 'email' });
  });

  it('creates no KMS key when both topics are given', () => {
    const both = synthDetection((s) => ({
      alertTopic: sns.Topic.fromTopicArn(s, 'Soc', topicArn),
      operationsTopic: sns.Topic.fromTopicArn(s, 'Ops', `arn:aws:sns:${REGION}:${ACCOUNT}:ops`),
    }));
    both.template.resourceCountIs('AWS::KMS::Key', 0);
    both.template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(both.detection.topicKey).toBeUndefined();
    both.template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
  });
});

describe('rulePacks', () => {
  it('are loaded at synth: a pack that does not load fails synth with its located problems', () => {
    const bad = mkdtempSync(join(tmpdir(), 'fdr-bad-pack-'));
    writeFileSync(join(bad, 'r.json'), JSON.stringify({ id: 'Bad Id', title: 't', technique: 'T1021.002', tactic: 'x', severity: { default: 'high' }, query: 'r.cql', samples: 'r.samples.json' }));
    writeFileSync(join(bad, 'r.cql'), '#event_simpleName=ProcessRollup2');
    expect(() => synthDetection(() => ({ rulePacks: [bad] }))).toThrow(/FdrDetection: rulePacks do not load:\n.*r\.json: \$\.id: must match pattern/);
    rmSync(bad, { recursive: true, force: true });
  });

  it('relative pack paths are resolved against the working directory (the CDK app), not the package', () => {
    expect(process.cwd()).toBe(PROJECT_ROOT);
    expect(() => synthDetection(() => ({ rulePacks: [join('test', 'fixtures', 'packs', 'stateful')] }))).not.toThrow();
    expect(() => synthDetection(() => ({ rulePacks: ['no-such-pack'] }))).toThrow(`${join(process.cwd(), 'no-such-pack')}: not a readable pack directory`);
  });
});

describe('the example app (infra/examples/existing-bucket.ts)', () => {
  const examplePath = join(PROJECT_ROOT, 'infra', 'examples', 'existing-bucket.ts');
  const outdir = mkdtempSync(join(tmpdir(), 'fdr-example-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesises through the package export, with cdk-nag and no unacknowledged finding', () => {
    // Run it the way the CDK CLI does: CDK_OUTDIR makes the app synthesise itself on exit.
    const run = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [examplePath], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
        CDK_DEFAULT_ACCOUNT: ACCOUNT,
        CDK_DEFAULT_REGION: REGION,
      },
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(readFileSync(examplePath, 'utf8')).toContain("from 'fdr-detect/infra'");
    const template = JSON.parse(readFileSync(join(outdir, 'SecurityDetections.template.json'), 'utf8'));
    const resources = Object.values(template.Resources) as { Type: string; Properties: Record<string, unknown> }[];
    expect(resources.filter((r) => r.Type === 'AWS::S3::Bucket')).toHaveLength(0);
    const notif = resources.filter((r) => r.Type === 'Custom::S3BucketNotifications');
    expect(notif).toHaveLength(1);
    expect(notif[0].Properties.BucketName).toBe('acme-crowdstrike-fdr');
    expect(prefixesOf(notif[0].Properties)).toEqual(['acme/data/', 'acme/fdrv2/']);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(JSON.stringify(report)).not.toMatch(/"severity":\s*"error"/);
  });

  it('is shown verbatim in README.md', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const example = readFileSync(examplePath, 'utf8').trimEnd();
    expect(doc).toContain('```ts\n' + example + '\n```');
  });
});
