/** The project's own app: cdk.json, offline defaults, context parsing. */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT, DEFAULT_REGION, DEFAULT_STACK_NAME, buildApp } from '../../infra/index';
import { cdkJson, testApp } from './helpers';

describe('cdk.json', () => {
  const cfg = cdkJson();
  it('runs the app with tsx, offline and quiet', () => {
    expect(cfg.app).toBe('npx tsx infra/app.ts');
    expect(cfg.notices).toBe(false);
    expect(cfg.context['cli-telemetry']).toBe(false);
    expect(cfg.context['@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy']).toBe(true);
    expect(cfg.context.account).toBe(DEFAULT_ACCOUNT);
    expect(cfg.context.region).toBe(DEFAULT_REGION);
  });
});

describe('buildApp', () => {
  it('defaults to the documented account/region and stack name', () => {
    const stack = buildApp(testApp());
    expect(stack.stackName).toBe(DEFAULT_STACK_NAME);
    expect(stack.account).toBe('123456789012');
    expect(stack.region).toBe('us-east-1');
  });

  it('reads settings from -c style string context', () => {
    const stack = buildApp(
      testApp({
        account: '444455556666',
        region: 'eu-central-1',
        stackName: 'SecFdr',
        alertEmails: 'a@example.com, b@example.com',
        timeoutSeconds: '120',
        batchSize: '4',
        dedupeDays: '3',
        logRetentionDays: '30',
        logLevel: 'warn',
        eventDataPrefixes: 'x/data/,y/data/',
      }),
    );
    expect(stack.stackName).toBe('SecFdr');
    expect(stack.account).toBe('444455556666');
    expect(stack.region).toBe('eu-central-1');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Subscription', 2);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 120,
      Environment: { Variables: { DEDUPE_WINDOW_DAYS: '3', LOG_LEVEL: 'WARN', EVENT_PREFIXES: 'x/data/,y/data/' } },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 720 });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 4 });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('reads lists given as JSON arrays in cdk.json', () => {
    const t = Template.fromStack(buildApp(testApp({ operationsEmails: ['ops@example.com'] })));
    t.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'ops@example.com' });
  });

  it.each([
    [{ logLevel: 'verbose' }, /logLevel/],
    [{ timeoutSeconds: 'ten' }, /timeoutSeconds/],
    [{ logRetentionDays: '31' }, /logRetentionDays/],
  ])('rejects bad context %#', (ctx, message) => {
    expect(() => buildApp(testApp(ctx))).toThrow(message);
  });
});
