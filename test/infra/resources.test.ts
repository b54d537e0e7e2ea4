/** Template assertions for every resource property the construct promises (default props unless stated). */
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE, PIPELINE_METRICS, SERVICE_NAME } from '../../infra/index';
import { asArray, logicalId, synthDetection } from './helpers';

describe('FdrDetection with default props', () => {
  const { stack, detection, template } = synthDetection();
  const id = (c: { node: { defaultChild?: unknown } }): string => logicalId(stack, c);
  const fnId = id(detection.detectionFunction);
  const fn = template.findResources('AWS::Lambda::Function')[fnId].Properties;

  it('creates a landing bucket: SSE, TLS only, public access blocked, ACLs disabled, access logs', () => {
    const landingId = id(detection.bucket as never);
    const logsId = id(detection.accessLogsBucket as never);
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'landing/' },
      },
      DeletionPolicy: 'Retain',
    });
    expect(template.findResources('AWS::S3::Bucket')[landingId]).toBeDefined();
    // enforceSSL on both buckets
    for (const bucketId of [landingId, logsId]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
    // access logs are delivered through the bucket policy (ACLs are disabled)
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 365 })]) },
    });
  });

  it('sends ObjectCreated notifications for data/ and fdrv2/ to the queue', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: id(detection.bucket as never) },
      NotificationConfiguration: {
        QueueConfigurations: ['data/', 'fdrv2/'].map((prefix) => ({
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
          QueueArn: { 'Fn::GetAtt': [id(detection.queue), 'Arn'] },
        })),
      },
    });
    // S3 may send to the queue, only from this bucket
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(detection.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [id(detection.bucket as never), 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('encrypts both queues with SSE-SQS, enforces TLS, DLQ keeps 14 days, maxReceiveCount 3', () => {
    const q = template.findResources('AWS::SQS::Queue');
    const main = q[id(detection.queue)].Properties;
    const dlq = q[id(detection.deadLetterQueue)].Properties;
    for (const p of [main, dlq]) {
      expect(p.SqsManagedSseEnabled).toBe(true);
      expect(p.KmsMasterKeyId).toBeUndefined(); // the aws/sqs key would block S3 notifications
    }
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(main.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [id(detection.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 3,
    });
    for (const queueId of [id(detection.queue), id(detection.deadLetterQueue)]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('sets the visibility timeout to at least 6x the function timeout', () => {
    const main = template.findResources('AWS::SQS::Queue')[id(detection.queue)].Properties;
    expect(fn.Timeout).toBe(300);
    expect(main.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn.Timeout as number));
  });

  it('runs the handler on nodejs22.x, arm64, ESM bundle, JSON logs into an explicit log group', () => {
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe('index.handler');
    expect(fn.MemorySize).toBe(1769);
    expect(fn.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: 'INFO',
      SystemLogLevel: 'INFO',
      LogGroup: { Ref: id(detection.logGroup) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('passes the runtime contract in the environment', () => {
    expect(fn.Environment.Variables).toEqual({
      CONTEXT_TABLE_NAME: { Ref: id(detection.contextTable) },
      DEDUPE_TABLE_NAME: { Ref: id(detection.dedupeTable) },
      STATE_TABLE_NAME: { Ref: id(detection.stateTable) },
      ALERT_TOPIC_ARN: { Ref: id(detection.alertTopic as never) },
      DEDUPE_WINDOW_DAYS: '7',
      EVENT_PREFIXES: 'data/',
      POWERTOOLS_SERVICE_NAME: 'fdr-detect',
      POWERTOOLS_METRICS_NAMESPACE: 'FdrDetect',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('consumes the queue with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(detection.queue), 'Arn'] },
      FunctionName: { Ref: fnId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 1,
    });
  });

  it('encrypts the alert and operations topics with a rotating customer-managed key, TLS only', () => {
    const keyId = id(detection.topicKey as never);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // CloudWatch alarms may use the key to publish to the encrypted operations topic
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    for (const topic of [detection.alertTopic, detection.operationsTopic]) {
      const topicId = id(topic as never);
      expect(template.findResources('AWS::SNS::Topic')[topicId].Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('creates on-demand, PITR, encrypted context, dedupe and state tables; TTL on dedupe and state; context retained', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(3);
    const ctx = tables[id(detection.contextTable)];
    const dd = tables[id(detection.dedupeTable)];
    const st = tables[id(detection.stateTable)];
    for (const t of [ctx, dd, st]) {
      expect(t.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(t.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      expect(t.Properties.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(t.Properties.AttributeDefinitions).toEqual([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]);
    }
    expect(dd.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(st.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(ctx.Properties.TimeToLiveSpecification).toBeUndefined();
    expect(ctx.DeletionPolicy).toBe('Retain');
    expect(ctx.UpdateReplacePolicy).toBe('Retain');
    expect(ctx.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it('alarms on DLQ, queue age, errors, throttles, duration near timeout, ObjectErrors and AlertsFailed → operations topic', () => {
    const opsTopic = { Ref: id(detection.operationsTopic as never) };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(7);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([opsTopic]);
      expect(a.TreatMissingData).toBe('notBreaching');
    }
    const find = (metricName: string, namespace: string): Record<string, unknown> => {
      const hits = alarms.filter((a) => a.MetricName === metricName && a.Namespace === namespace);
      expect(hits, `${namespace}/${metricName}`).toHaveLength(1);
      return hits[0];
    };
    expect(find('ApproximateNumberOfMessagesVisible', 'AWS/SQS')).toMatchObject({
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(detection.deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(find('ApproximateAgeOfOldestMessage', 'AWS/SQS')).toMatchObject({
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(detection.queue), 'QueueName'] } }],
      Threshold: 3600,
    });
    expect(find('Errors', 'AWS/Lambda')).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
    expect(find('Throttles', 'AWS/Lambda')).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
    expect(find('Duration', 'AWS/Lambda')).toMatchObject({ Threshold: 240_000, Statistic: 'Maximum' });
    for (const name of ['ObjectErrors', 'AlertsFailed']) {
      expect(find(name, METRICS_NAMESPACE)).toMatchObject({
        Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Statistic: 'Sum',
      });
    }
  });

  it('has a dashboard with the pipeline metrics', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    for (const m of ['EventsScanned', 'AlertsPublished', 'AlertsSuppressed', 'LinesSkipped', 'BytesRead']) {
      expect(body).toContain(`\\"${m}\\"`);
    }
    expect(body).toContain('MB processed');
    expect(body).toContain('bytes / 1048576');
    expect(body).toContain(`\\"${METRICS_NAMESPACE}\\"`);
    expect(body).toContain('\\"service\\",\\"fdr-detect\\"');
    for (const m of PIPELINE_METRICS) {
      if (m !== 'Matches') expect(body, m).toContain(m);
    }
  });
});

describe('FdrDetection props', () => {
  it('derives visibility timeout, batching, concurrency, dedupe TTL, log retention and level from props', () => {
    const { stack, detection, template } = synthDetection(() => ({
      timeout: Duration.minutes(2),
      memorySize: 3008,
      batchSize: 5,
      maxBatchingWindow: Duration.seconds(20),
      maxConcurrency: 4,
      reservedConcurrentExecutions: 7,
      maxReceiveCount: 5,
      dedupeWindow: Duration.days(14),
      logRetention: logs.RetentionDays.ONE_YEAR,
      logLevel: 'DEBUG',
      eventDataPrefixes: ['t1/data/', 't2/data/'],
      queueAgeAlarmThreshold: Duration.minutes(20),
    }));
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, detection.detectionFunction)]
      .Properties;
    expect(fn.Timeout).toBe(120);
    expect(fn.MemorySize).toBe(3008);
    expect(fn.ReservedConcurrentExecutions).toBe(7);
    expect(fn.Environment.Variables).toMatchObject({
      DEDUPE_WINDOW_DAYS: '14',
      LOG_LEVEL: 'DEBUG',
      EVENT_PREFIXES: 't1/data/,t2/data/',
    });
    expect(fn.LoggingConfig.ApplicationLogLevel).toBe('DEBUG');
    const q = template.findResources('AWS::SQS::Queue')[logicalId(stack, detection.queue)].Properties;
    expect(q.VisibilityTimeout).toBe(6 * 120 + 20); // 6x timeout + batching window
    expect(q.RedrivePolicy.maxReceiveCount).toBe(5);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 20,
      ScalingConfig: { MaximumConcurrency: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', Threshold: 96_000 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 1200,
    });
    const notif = template.findResources('Custom::S3BucketNotifications');
    const prefixes = Object.values(notif).flatMap((n) =>
      asArray(n.Properties.NotificationConfiguration.QueueConfigurations).map(
        (c) => (c as { Filter: { Key: { FilterRules: { Value: string }[] } } }).Filter.Key.FilterRules[0].Value,
      ),
    );
    expect(prefixes).toEqual(['t1/data/', 't2/data/', 'fdrv2/']);
  });

  it('subscribes email and HTTPS endpoints to the alert topic and emails to the operations topic', () => {
    const { stack, detection, template } = synthDetection(() => ({
      alertEmails: ['soc@example.com'],
      alertHttpsEndpoints: ['https://soar.example.com/hooks/fdr'],
      operationsEmails: ['ops@example.com'],
    }));
    const alertRef = { Ref: logicalId(stack, detection.alertTopic as never) };
    const opsRef = { Ref: logicalId(stack, detection.operationsTopic as never) };
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'soc@example.com',
      TopicArn: alertRef,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://soar.example.com/hooks/fdr',
      TopicArn: alertRef,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: opsRef,
    });
  });

  it('expires landing objects only when asked', () => {
    const { template } = synthDetection(() => ({ landingObjectExpiration: Duration.days(30) }));
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.anyValue(),
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) },
    });
  });

  it.each([
    [{ eventDataPrefixes: [] as string[] }, /at least one key prefix/],
    [{ eventDataPrefixes: ['/data/'] }, /invalid key prefix/],
    [{ eventDataPrefixes: ['data/*'] }, /invalid key prefix/],
    [{ eventDataPrefixes: ['data/'], secondaryDataPrefixes: ['data/fdrv2/'] }, /overlap/],
    [{ secondaryDataPrefixes: ['secondary/'] }, /must contain a "fdrv2\/" segment/],
    [{ secondaryDataPrefixes: [] as string[] }, /at least one key prefix/],
    [{ alertHttpsEndpoints: ['http://insecure.example.com'] }, /not https/],
    [{ dedupeWindow: Duration.hours(36) }, /whole number of days/],
    [{ durationAlarmRatio: 1.5 }, /durationAlarmRatio/],
    [{ maxConcurrency: 10, reservedConcurrentExecutions: 5 }, /maxConcurrency/],
  ])('rejects bad props %#', (props, message) => {
    expect(() => synthDetection(() => props)).toThrow(message);
  });
});
