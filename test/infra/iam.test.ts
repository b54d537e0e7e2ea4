/** Least privilege: every statement of the detection function's role, asserted. */
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { FDR_WRITER_ACTIONS } from '../../lambda/stores/context-dynamodb/fdr-writer';
import { CONTEXT_LOOKUP_ACTIONS } from '../../lambda/stores/context-dynamodb/lookup';
import { DEDUPE_STORE_ACTIONS } from '../../lambda/stores/dedupe-dynamodb';
import { STATE_STORE_ACTIONS } from '../../lambda/stores/state-dynamodb';
import { SNS_SINK_ACTIONS } from '../../lambda/sinks/sns';
import { S3_SOURCE_ACTIONS } from '../../lambda/sources/s3';
import { ACCOUNT, REGION, asArray, logicalId, roleStatements, synthDetection, type Statement } from './helpers';

const DATA_PLANE = /^(s3|dynamodb|sns|sqs|kms|logs):/;

const actionsOf = (s: Statement): string[] => asArray(s.Action);
const resourcesOf = (s: Statement): unknown[] => asArray(s.Resource as unknown[]);
const sorted = (a: readonly string[]): string[] => [...a].sort();

function commonChecks(statements: Statement[]): void {
  expect(statements.length).toBeGreaterThan(0);
  for (const s of statements) {
    expect(s.Effect).toBe('Allow');
    for (const a of actionsOf(s)) {
      expect(a, 'no wildcard actions').not.toMatch(/\*/);
      expect(a, 'only data-plane services').toMatch(DATA_PLANE);
    }
    for (const r of resourcesOf(s)) expect(r, `statement ${JSON.stringify(s)}`).not.toBe('*');
  }
}

describe('detection function role (created bucket and topic)', () => {
  const { stack, detection, template } = synthDetection();
  const roleId = logicalId(stack, detection.functionRole);
  const statements = roleStatements(template, roleId);
  const bucketArn = { 'Fn::GetAtt': [logicalId(stack, detection.bucket as never), 'Arn'] };

  it('has no AWS managed policy and no Resource "*"', () => {
    const role = template.findResources('AWS::IAM::Role')[roleId].Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    commonChecks(statements);
  });

  it('may only s3:GetObject, exactly on the configured prefixes', () => {
    const s3Statements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toHaveLength(1);
    expect(actionsOf(s3Statements[0])).toEqual([...S3_SOURCE_ACTIONS]);
    expect(resourcesOf(s3Statements[0])).toEqual([
      { 'Fn::Join': ['', [bucketArn, '/data/*']] },
      { 'Fn::Join': ['', [bucketArn, '/fdrv2/*']] },
    ]);
  });

  it('uses exactly the DynamoDB actions its stores declare, each on its own table', () => {
    const ddb = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const byTable = new Map<string, string[]>();
    for (const s of ddb) {
      expect(actionsOf(s).every((a) => a.startsWith('dynamodb:'))).toBe(true);
      for (const r of resourcesOf(s)) {
        const key = JSON.stringify(r);
        byTable.set(key, [...(byTable.get(key) ?? []), ...actionsOf(s)]);
      }
    }
    const ctxArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, detection.contextTable), 'Arn'] });
    const ddArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, detection.dedupeTable), 'Arn'] });
    const stArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, detection.stateTable), 'Arn'] });
    expect([...byTable.keys()].sort()).toEqual([ctxArn, ddArn, stArn].sort());
    // Exactly what the adapters running in the function declare (test/stores/actions.int.test.ts checks those
    // declarations against the requests each adapter really sends).
    expect(sorted(byTable.get(ctxArn)!)).toEqual(sorted([...new Set([...CONTEXT_LOOKUP_ACTIONS, ...FDR_WRITER_ACTIONS])]));
    expect(sorted(byTable.get(ddArn)!)).toEqual(sorted(DEDUPE_STORE_ACTIONS));
    expect(sorted(byTable.get(stArn)!)).toEqual(sorted(STATE_STORE_ACTIONS));
  });

  it('publishes only to the alert topic, with just the KMS actions SNS needs, through SNS only', () => {
    const snsStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sns:')));
    expect(snsStatements).toHaveLength(1);
    expect(actionsOf(snsStatements[0])).toEqual([...SNS_SINK_ACTIONS]);
    expect(resourcesOf(snsStatements[0])).toEqual([{ Ref: logicalId(stack, detection.alertTopic as never) }]);
    const kmsStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kmsStatements).toHaveLength(1);
    expect(sorted(actionsOf(kmsStatements[0]))).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(resourcesOf(kmsStatements[0])).toEqual([
      { 'Fn::GetAtt': [logicalId(stack, detection.topicKey as never), 'Arn'] },
    ]);
    expect(kmsStatements[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': `sns.${REGION}.amazonaws.com` } });
  });

  it('consumes only its own queue and writes only its own log group', () => {
    const sqsStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(sqsStatements).toHaveLength(1);
    expect(resourcesOf(sqsStatements[0])).toEqual([{ 'Fn::GetAtt': [logicalId(stack, detection.queue), 'Arn'] }]);
    expect(sorted(actionsOf(sqsStatements[0]))).toEqual(
      sorted([
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ]),
    );
    const logStatements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    expect(logStatements).toHaveLength(1);
    expect(sorted(actionsOf(logStatements[0]))).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(resourcesOf(logStatements[0])).toEqual([
      { 'Fn::GetAtt': [logicalId(stack, detection.logGroup), 'Arn'] },
    ]);
  });
});

describe('detection function role (existing bucket, topic and keys)', () => {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:soc-alerts`;
  const topicKeyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
  const bucketKeyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/66666666-7777-8888-9999-000000000000`;
  const { stack, detection, template } = synthDetection((s) => ({
    bucket: s3.Bucket.fromBucketName(s, 'Fdr', 'acme-fdr'),
    bucketEncryptionKey: kms.Key.fromKeyArn(s, 'BucketKey', bucketKeyArn),
    eventDataPrefixes: ['acme/data/'],
    secondaryDataPrefixes: ['acme/fdrv2/'],
    alertTopic: sns.Topic.fromTopicArn(s, 'Soc', topicArn),
    alertTopicKey: kms.Key.fromKeyArn(s, 'SocKey', topicKeyArn),
  }));
  const statements = roleStatements(template, logicalId(stack, detection.functionRole));

  it('reads exactly the given prefixes of the given bucket and decrypts through S3 only', () => {
    commonChecks(statements);
    const s3Statements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toHaveLength(1);
    expect(actionsOf(s3Statements[0])).toEqual([...S3_SOURCE_ACTIONS]);
    expect(resourcesOf(s3Statements[0])).toEqual([
      'arn:aws:s3:::acme-fdr/acme/data/*',
      'arn:aws:s3:::acme-fdr/acme/fdrv2/*',
    ]);
    const decrypt = statements.find((s) => s.Sid === 'DecryptFdrObjects')!;
    expect(actionsOf(decrypt)).toEqual(['kms:Decrypt']);
    expect(resourcesOf(decrypt)).toEqual([bucketKeyArn]);
    expect(decrypt.Condition).toEqual({ StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } });
  });

  it('publishes to the given topic with its key', () => {
    const publish = statements.find((s) => actionsOf(s).includes('sns:Publish'))!;
    expect(resourcesOf(publish)).toEqual([topicArn]);
    const encrypt = statements.find((s) => s.Sid === 'EncryptAlerts')!;
    expect(resourcesOf(encrypt)).toEqual([topicKeyArn]);
    expect(detection.alertTopic.topicArn).toBe(topicArn);
  });
});
