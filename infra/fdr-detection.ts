/**
 * FdrDetection: the whole fdr-detect pipeline as one construct.
 *
 *   S3 landing bucket (FDR batches) ──ObjectCreated (event-data + fdrv2/ prefixes)──► SQS (+ DLQ)
 *     ──► detection Lambda ──► SNS alert topic (KMS)            DynamoDB: context (hosts/users), dedupe (TTL), state (TTL)
 *   CloudWatch alarms ──► SNS operations topic (KMS); dashboard with the pipeline's metrics.
 *
 * Use it as is (`cdk deploy` of this project's app) or inside another CDK app next to an existing FDR bucket.
 */
import { resolve as resolvePath } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct, type IConstruct } from 'constructs';
import { METRICS_NAMESPACE, PIPELINE_METRICS, SERVICE_NAME, type MetricName } from '../lambda/handler/metrics';
import { DEFAULT_EVENT_PREFIXES, SECONDARY_SEGMENT, isSecondaryKey } from '../lambda/keys';
import { SNS_SINK_ACTIONS } from '../lambda/sinks/sns';
import { S3_SOURCE_ACTIONS } from '../lambda/sources/s3';
import { FDR_WRITER_ACTIONS } from '../lambda/stores/context-dynamodb/fdr-writer';
import { CONTEXT_LOOKUP_ACTIONS } from '../lambda/stores/context-dynamodb/lookup';
import { DEDUPE_STORE_ACTIONS } from '../lambda/stores/dedupe-dynamodb';
import { STATE_STORE_ACTIONS } from '../lambda/stores/state-dynamodb';
import { loadRulePacks, RuleLoadError } from '../lambda/packs/loader';
import { detectionFunctionCodeProps } from './bundling';
import { acknowledge } from './nag';

export { METRICS_NAMESPACE, PIPELINE_METRICS, SERVICE_NAME };

export type FdrLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface FdrDetectionProps {
  /**
   * An existing FDR landing bucket (e.g. `s3.Bucket.fromBucketName(...)`). Object-created notifications for
   * the configured prefixes are added to it; notifications it already has are kept. The bucket must not
   * already send ObjectCreated notifications for overlapping prefixes (S3 rejects overlapping rules).
   * @default - a new bucket: SSE-S3, TLS only, public access blocked, ACLs disabled, server access logs
   */
  readonly bucket?: s3.IBucket;
  /**
   * The KMS key the existing bucket's objects are encrypted with (SSE-KMS), so the function may decrypt them.
   * @default - objects are SSE-S3 encrypted; no KMS permission is granted
   */
  readonly bucketEncryptionKey?: kms.IKey;
  /**
   * Key prefixes of FDR event data (`data/<batch-uuid>/part-NNNNN.gz`), e.g. `['tenant-a/data/']`.
   * Also passed to the function as `EVENT_PREFIXES`.
   * @default ['data/']
   */
  readonly eventDataPrefixes?: string[];
  /**
   * Key prefixes of FDR secondary data (aidmaster, userinfo, …) that feed the host/user context table.
   * @default ['fdrv2/']
   */
  readonly secondaryDataPrefixes?: string[];
  /**
   * Where the created landing bucket writes its server access logs. Ignored with `bucket`.
   * @default - a new access-log bucket (SSE-S3, TLS only, logs expire after `accessLogsRetention`)
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * How long the created access-log bucket keeps logs.
   * @default Duration.days(365)
   */
  readonly accessLogsRetention?: Duration;
  /**
   * Expire FDR objects in the created landing bucket after this long. Ignored with `bucket`.
   * @default - objects are kept
   */
  readonly landingObjectExpiration?: Duration;

  /**
   * An existing topic for alerts (`sns.Topic.fromTopicArn(...)`).
   * @default - a new topic encrypted with a customer-managed KMS key (rotation on), TLS only
   */
  readonly alertTopic?: sns.ITopic;
  /**
   * The customer-managed KMS key the existing `alertTopic` is encrypted with; the function is granted
   * kms:GenerateDataKey and kms:Decrypt on it (through SNS only).
   * @default - the topic is unencrypted or uses a key the function needs no grant for
   */
  readonly alertTopicKey?: kms.IKey;
  /** Email addresses subscribed to the alert topic (each must confirm the subscription). @default - none */
  readonly alertEmails?: string[];
  /** HTTPS endpoints subscribed to the alert topic (e.g. a SOAR webhook). @default - none */
  readonly alertHttpsEndpoints?: string[];

  /**
   * An existing topic for CloudWatch alarms. If it is KMS-encrypted, its key policy must let
   * `cloudwatch.amazonaws.com` use the key.
   * @default - a new topic encrypted with the same customer-managed key as the created alert topic
   */
  readonly operationsTopic?: sns.ITopic;
  /** Email addresses subscribed to the operations topic. @default - none */
  readonly operationsEmails?: string[];

  /**
   * Function memory in MB. Decompressing and scanning is CPU-bound; 1769 MB is one full vCPU.
   * @default 1769
   */
  readonly memorySize?: number;
  /**
   * Function timeout; the queue's visibility timeout is 6× this plus `maxBatchingWindow`.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency for the function (takes from the account's unreserved pool).
   * @default - none (unreserved)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Most concurrent function instances the SQS event source drives (2–1000).
   * @default - no limit beyond the account's
   */
  readonly maxConcurrency?: number;
  /**
   * SQS messages (S3 objects) per invocation. FDR parts are tens of MB; small batches keep a failure
   * local to one object.
   * @default 1
   */
  readonly batchSize?: number;
  /** How long the event source gathers a batch. @default - none (invoke as soon as a message arrives) */
  readonly maxBatchingWindow?: Duration;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * How long a published alert id suppresses a duplicate (whole days; the dedupe table's TTL).
   * @default Duration.days(7)
   */
  readonly dedupeWindow?: Duration;
  /** Retention of the function's log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Application log level (LOG_LEVEL and the Lambda application log level). @default 'INFO' */
  readonly logLevel?: FdrLogLevel;
  /**
   * Alarm when the oldest message in the object queue is older than this.
   * @default Duration.hours(1)
   */
  readonly queueAgeAlarmThreshold?: Duration;
  /**
   * Alarm when the function's maximum duration reaches this fraction of its timeout.
   * @default 0.8
   */
  readonly durationAlarmRatio?: number;
  /** Name of the CloudWatch dashboard. @default - generated */
  readonly dashboardName?: string;
  /**
   * Rule pack directories (on the machine that synthesises) bundled into the function; the function runs every rule
   * of every pack. Give `shippedRulePacks()` too to keep the shipped rules next to your own.
   * @default shippedRulePacks() - the packs fdr-detect ships
   */
  readonly rulePacks?: string[];
}

const DEFAULT_SECONDARY_PREFIXES = [`${SECONDARY_SEGMENT}/`];

const union = (...lists: readonly (readonly string[])[]): string[] => [...new Set(lists.flat())].sort();
/** What the function may do on each resource: exactly the actions its adapters declare they call. */
export const CONTEXT_TABLE_ACTIONS = union(CONTEXT_LOOKUP_ACTIONS, FDR_WRITER_ACTIONS);
export const DEDUPE_TABLE_ACTIONS = union(DEDUPE_STORE_ACTIONS);
export const STATE_TABLE_ACTIONS = union(STATE_STORE_ACTIONS);
export const OBJECT_ACTIONS = union(S3_SOURCE_ACTIONS);
export const ALERT_TOPIC_ACTIONS = union(SNS_SINK_ACTIONS);

/** Custom metrics the handler emits (namespace FdrDetect, dimension service=fdr-detect). */
export type PipelineMetricName = MetricName;

function checkPrefixes(scope: IConstruct, prefixes: string[]): void {
  for (const p of prefixes) {
    if (!p || p.startsWith('/') || /[*?]/.test(p)) {
      throw new Error(`${scope.node.path}: invalid key prefix ${JSON.stringify(p)} (no leading '/', no wildcards)`);
    }
  }
  // S3 rejects two ObjectCreated rules whose prefixes overlap for the same destination.
  for (const a of prefixes) {
    for (const b of prefixes) {
      if (a !== b && b.startsWith(a)) {
        throw new Error(`${scope.node.path}: key prefixes ${JSON.stringify(a)} and ${JSON.stringify(b)} overlap`);
      }
    }
  }
  if (new Set(prefixes).size !== prefixes.length) throw new Error(`${scope.node.path}: duplicate key prefix`);
}

export class FdrDetection extends Construct {
  /** The landing bucket (created or imported). */
  public readonly bucket: s3.IBucket;
  /** The access-log bucket, when this construct created one. */
  public readonly accessLogsBucket?: s3.IBucket;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly detectionFunction: NodejsFunction;
  public readonly functionRole: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly alertTopic: sns.ITopic;
  public readonly operationsTopic: sns.ITopic;
  /** The customer-managed key of the topics this construct created (undefined when both were given). */
  public readonly topicKey?: kms.Key;
  public readonly contextTable: dynamodb.Table;
  public readonly dedupeTable: dynamodb.Table;
  /** Throttle slots, aggregate windows and firing markers of stateful rules (TTL `expiresAt`). */
  public readonly stateTable: dynamodb.Table;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: {
    readonly deadLetterQueueNotEmpty: cloudwatch.Alarm;
    readonly oldestMessageAge: cloudwatch.Alarm;
    readonly functionErrors: cloudwatch.Alarm;
    readonly functionThrottles: cloudwatch.Alarm;
    readonly durationNearTimeout: cloudwatch.Alarm;
    readonly objectErrors: cloudwatch.Alarm;
    readonly alertsFailed: cloudwatch.Alarm;
  };
  /** Event-data and secondary-data prefixes this instance is notified about and may read. */
  public readonly eventDataPrefixes: readonly string[];
  public readonly secondaryDataPrefixes: readonly string[];

  constructor(scope: Construct, id: string, props: FdrDetectionProps = {}) {
    super(scope, id);
    // Server access logs into a bucket with ACLs disabled need the bucket-policy method; make that hold
    // whatever the surrounding app's feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const stack = Stack.of(this);
    const timeout = props.timeout ?? Duration.minutes(5);
    const memorySize = props.memorySize ?? 1769;
    const dedupeWindow = props.dedupeWindow ?? Duration.days(7);
    const dedupeDays = dedupeWindow.toDays({ integral: false });
    if (!Number.isInteger(dedupeDays) || dedupeDays < 1) {
      throw new Error(`${this.node.path}: dedupeWindow must be a whole number of days (>= 1)`);
    }
    const durationAlarmRatio = props.durationAlarmRatio ?? 0.8;
    if (!(durationAlarmRatio > 0 && durationAlarmRatio <= 1)) {
      throw new Error(`${this.node.path}: durationAlarmRatio must be in (0, 1]`);
    }
    this.eventDataPrefixes = [...(props.eventDataPrefixes ?? DEFAULT_EVENT_PREFIXES)];
    this.secondaryDataPrefixes = [...(props.secondaryDataPrefixes ?? DEFAULT_SECONDARY_PREFIXES)];
    if (this.eventDataPrefixes.length === 0 || this.secondaryDataPrefixes.length === 0) {
      throw new Error(`${this.node.path}: at least one key prefix is required for event data and for fdrv2 data`);
    }
    for (const p of this.secondaryDataPrefixes) {
      // The handler routes keys with a `fdrv2` path segment to the context sync (lambda/keys.ts).
      if (!isSecondaryKey(p)) {
        throw new Error(`${this.node.path}: secondary data prefix ${JSON.stringify(p)} must contain a "${SECONDARY_SEGMENT}/" segment`);
      }
    }
    const allPrefixes = [...this.eventDataPrefixes, ...this.secondaryDataPrefixes];
    checkPrefixes(this, allPrefixes);
    if (
      props.maxConcurrency !== undefined &&
      props.reservedConcurrentExecutions !== undefined &&
      props.maxConcurrency > props.reservedConcurrentExecutions
    ) {
      throw new Error(`${this.node.path}: maxConcurrency above reservedConcurrentExecutions only causes throttles`);
    }
    for (const url of props.alertHttpsEndpoints ?? []) {
      if (!/^https:\/\//i.test(url)) throw new Error(`${this.node.path}: alert endpoint ${url} is not https://`);
    }

    // ---------------------------------------------------------------- landing bucket
    if (props.bucket) {
      this.bucket = props.bucket;
    } else {
      let logsBucket = props.accessLogsBucket;
      if (!logsBucket) {
        const created = new s3.Bucket(this, 'AccessLogsBucket', {
          encryption: s3.BucketEncryption.S3_MANAGED, // the only encryption S3 log delivery supports
          enforceSSL: true,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
          versioned: false,
          lifecycleRules: [{ expiration: props.accessLogsRetention ?? Duration.days(365) }],
          removalPolicy: RemovalPolicy.RETAIN,
        });
        logsBucket = created;
        this.accessLogsBucket = created;
      }
      this.bucket = new s3.Bucket(this, 'LandingBucket', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: logsBucket,
        serverAccessLogsPrefix: 'landing/',
        lifecycleRules: [
          { abortIncompleteMultipartUploadAfter: Duration.days(7) },
          ...(props.landingObjectExpiration ? [{ expiration: props.landingObjectExpiration }] : []),
        ],
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    // ---------------------------------------------------------------- queues
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'ObjectQueue', {
      // SSE-SQS: S3 event notifications cannot be delivered to a queue encrypted with the aws/sqs key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance for SQS event sources: at least 6x the function timeout, plus the batching window.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6 + (props.maxBatchingWindow?.toSeconds() ?? 0)),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
    for (const prefix of allPrefixes) {
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), { prefix });
    }
    this.acknowledgeNotificationsHandler();

    // ---------------------------------------------------------------- DynamoDB
    this.contextTable = new dynamodb.Table(this, 'ContextTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN, // operator-curated allowlists and synced FDR context
    });
    // Both hold only what expires by TTL (claims; windows and slots): destroyed with the stack.
    const expiringTable = (id: string) =>
      new dynamodb.Table(this, id, {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: 'expiresAt',
        removalPolicy: RemovalPolicy.DESTROY,
      });
    this.dedupeTable = expiringTable('DedupeTable');
    this.stateTable = expiringTable('StateTable');

    // ---------------------------------------------------------------- topics
    let topicKey: kms.Key | undefined;
    const ensureTopicKey = (): kms.Key => {
      if (!topicKey) {
        topicKey = new kms.Key(this, 'TopicKey', {
          description: `fdr-detect (${this.node.path}): encrypts the alert and operations SNS topics`,
          enableKeyRotation: true,
        });
        // CloudWatch alarms publish to the encrypted operations topic and need the key for that.
        topicKey.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'AllowCloudWatchAlarmsToPublish',
            principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            resources: ['*'],
          }),
        );
      }
      return topicKey;
    };

    let alertTopicKey = props.alertTopicKey;
    if (props.alertTopic) {
      this.alertTopic = props.alertTopic;
    } else {
      alertTopicKey = ensureTopicKey();
      this.alertTopic = new sns.Topic(this, 'AlertTopic', {
        displayName: 'fdr-detect alerts (T1021.002 lateral movement)',
        masterKey: alertTopicKey,
        enforceSSL: true,
        signatureVersion: '2',
      });
    }
    for (const email of props.alertEmails ?? []) this.alertTopic.addSubscription(new subs.EmailSubscription(email));
    for (const url of props.alertHttpsEndpoints ?? []) {
      this.alertTopic.addSubscription(new subs.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }

    if (props.operationsTopic) {
      this.operationsTopic = props.operationsTopic;
    } else {
      this.operationsTopic = new sns.Topic(this, 'OperationsTopic', {
        displayName: 'fdr-detect operations alarms',
        masterKey: ensureTopicKey(),
        enforceSSL: true,
        signatureVersion: '2',
      });
    }
    for (const email of props.operationsEmails ?? []) {
      this.operationsTopic.addSubscription(new subs.EmailSubscription(email));
    }
    this.topicKey = topicKey;

    // ---------------------------------------------------------------- function
    this.logGroup = new logs.LogGroup(this, 'FunctionLogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role: no AWS managed policy, every statement below is scoped to this pipeline's resources.
    this.functionRole = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'fdr-detect detection function: read FDR objects, context/dedupe/state tables, publish alerts',
    });
    const role = this.functionRole;
    this.logGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadFdrObjects',
        actions: [...OBJECT_ACTIONS],
        resources: allPrefixes.map((p) => this.bucket.arnForObjects(`${p}*`)),
      }),
    );
    if (props.bucketEncryptionKey) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptFdrObjects',
          actions: ['kms:Decrypt'],
          resources: [props.bucketEncryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ContextTable',
        actions: [...CONTEXT_TABLE_ACTIONS],
        resources: [this.contextTable.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DedupeTable',
        actions: [...DEDUPE_TABLE_ACTIONS],
        resources: [this.dedupeTable.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StateTable',
        actions: [...STATE_TABLE_ACTIONS],
        resources: [this.stateTable.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: [...ALERT_TOPIC_ACTIONS],
        resources: [this.alertTopic.topicArn],
      }),
    );
    if (alertTopicKey) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'EncryptAlerts',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [alertTopicKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` } },
        }),
      );
    }

    const logLevel = props.logLevel ?? 'INFO';
    this.detectionFunction = new NodejsFunction(this, 'DetectionFunction', {
      ...detectionFunctionCodeProps(this.checkedRulePacks(props.rulePacks)),
      description: 'fdr-detect: scans FDR batches for T1021.002 lateral movement and publishes alerts',
      role,
      memorySize,
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      environment: {
        CONTEXT_TABLE_NAME: this.contextTable.tableName,
        DEDUPE_TABLE_NAME: this.dedupeTable.tableName,
        STATE_TABLE_NAME: this.stateTable.tableName,
        ALERT_TOPIC_ARN: this.alertTopic.topicArn,
        DEDUPE_WINDOW_DAYS: String(dedupeDays),
        EVENT_PREFIXES: this.eventDataPrefixes.join(','),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        LOG_LEVEL: logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.detectionFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 1,
        maxBatchingWindow: props.maxBatchingWindow,
        maxConcurrency: props.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    acknowledge(
      this.detectionFunction,
      'AwsSolutions-L1',
      'The runtime is pinned to nodejs22.x on purpose: the esbuild target (node22) and the tested Node line must match the runtime; moving to a newer runtime is a deliberate, tested change.',
    );
    for (const p of allPrefixes) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${this.objectArnForNag(p)}]`,
        `s3:GetObject is limited to the FDR key prefix "${p}"; object keys (batch UUIDs, part numbers) are only known when S3 announces them, so the grant ends in a wildcard under that prefix.`,
      );
    }

    // ---------------------------------------------------------------- alarms
    const alarmAction = new cwActions.SnsAction(this.operationsTopic);
    const five = Duration.minutes(5);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string, threshold = 1): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `fdr-detect: ${description}`,
      });
      a.addAlarmAction(alarmAction);
      a.addOkAction(alarmAction);
      return a;
    };
    const queueAge = props.queueAgeAlarmThreshold ?? Duration.hours(1);
    this.alarms = {
      deadLetterQueueNotEmpty: alarm(
        'DeadLetterQueueNotEmptyAlarm',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' }),
        'S3 object notifications failed repeatedly and are in the dead-letter queue (redrive after fixing the cause).',
      ),
      oldestMessageAge: alarm(
        'OldestMessageAgeAlarm',
        this.queue.metricApproximateAgeOfOldestMessage({ period: five, statistic: 'Maximum' }),
        `the oldest FDR object notification has waited longer than ${queueAge.toHumanString()}; detection is falling behind.`,
        queueAge.toSeconds(),
      ),
      functionErrors: alarm(
        'FunctionErrorsAlarm',
        this.detectionFunction.metricErrors({ period: five, statistic: 'Sum' }),
        'the detection function failed (invocation errors or timeouts).',
      ),
      functionThrottles: alarm(
        'FunctionThrottlesAlarm',
        this.detectionFunction.metricThrottles({ period: five, statistic: 'Sum' }),
        'the detection function was throttled.',
      ),
      durationNearTimeout: alarm(
        'DurationNearTimeoutAlarm',
        this.detectionFunction.metricDuration({ period: five, statistic: 'Maximum' }),
        `the detection function ran for ${Math.round(durationAlarmRatio * 100)}% or more of its ${timeout.toHumanString()} timeout.`,
        Math.floor(timeout.toMilliseconds() * durationAlarmRatio),
      ),
      objectErrors: alarm(
        'ObjectErrorsAlarm',
        this.pipelineMetric('ObjectErrors', { period: five }),
        'FDR objects could not be read or processed (ObjectErrors > 0).',
      ),
      alertsFailed: alarm(
        'AlertsFailedAlarm',
        this.pipelineMetric('AlertsFailed', { period: five }),
        'alerts could not be published (AlertsFailed > 0): SNS or the dedupe table failed; the objects are retried, then dead-lettered.',
      ),
    };

    // ---------------------------------------------------------------- dashboard
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(24),
    });
    const sum = (name: PipelineMetricName, label?: string): cloudwatch.Metric =>
      this.pipelineMetric(name, { label: label ?? name });
    const width = 8;
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# fdr-detect\nFDR batches → SQS → Lambda → alerts. Namespace \`${METRICS_NAMESPACE}\`, dimension \`service=${SERVICE_NAME}\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Events scanned', left: [sum('EventsScanned', 'Events scanned')], width }),
      new cloudwatch.GraphWidget({
        title: 'Alerts',
        left: [sum('Matches'), sum('AlertsPublished', 'Alerts published')],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'Suppressed, deduplicated, failed',
        left: [
          sum('AlertsSuppressed', 'Suppressed'),
          sum('AlertsDeduplicated', 'Deduplicated'),
          sum('AlertsFailed', 'Failed'),
          sum('AlertsFolded', 'Folded past the per-object cap'),
        ],
        width,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Throttled and shadow',
        left: [sum('AlertsThrottled', 'Throttled'), sum('AlertsShadow', 'Shadow rules (not published)')],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'Aggregate rules',
        left: [sum('AggregateFirings', 'Firings'), sum('AggregateQuiet', 'Quiet (already fired)'), sum('LateEvents', 'Late events (not merged)'), sum('AggregateCapped', 'Past the per-object bounds')],
        width,
      }),
      new cloudwatch.GraphWidget({ title: 'State table requests', left: [sum('StateRequests', 'Requests')], width }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'MB processed',
        left: [
          new cloudwatch.MathExpression({
            expression: 'bytes / 1048576',
            usingMetrics: { bytes: sum('BytesRead') },
            label: 'MB read',
            period: five,
          }),
        ],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'Objects',
        left: [sum('ObjectsProcessed', 'Objects processed'), sum('ObjectErrors', 'Object errors')],
        width,
      }),
      new cloudwatch.GraphWidget({ title: 'Skipped lines', left: [sum('LinesSkipped', 'Skipped lines')], width }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Context lookups',
        left: [sum('ContextLookups', 'Lookups'), sum('ContextCacheHits', 'Cache hits'), sum('ContextDegraded', 'Degraded')],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function',
        left: [
          this.detectionFunction.metricInvocations({ period: five }),
          this.detectionFunction.metricErrors({ period: five }),
          this.detectionFunction.metricThrottles({ period: five }),
        ],
        right: [this.detectionFunction.metricDuration({ period: five, statistic: 'Maximum' })],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'Queues',
        left: [
          this.queue.metricApproximateNumberOfMessagesVisible({ period: five, label: 'Queue depth' }),
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: five, label: 'DLQ depth' }),
        ],
        right: [this.queue.metricApproximateAgeOfOldestMessage({ period: five, label: 'Oldest message (s)' })],
        width,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'FDR context sync',
        left: [sum('ContextRecordsSynced', 'Records synced'), sum('ContextItemsWritten', 'Items written')],
        right: [sum('ContextSyncErrors', 'Sync errors')],
        width,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 }),
    );
  }

  /**
   * The rule packs to bundle, resolved against the app's working directory and loaded once at synth: a pack that
   * does not load (schema, query, duplicate ids) fails `cdk synth` with its located problems, not the deployed
   * function at its first invocation.
   */
  private checkedRulePacks(dirs: readonly string[] | undefined): string[] | undefined {
    if (!dirs) return undefined;
    const resolved = dirs.map((d) => resolvePath(d));
    try {
      loadRulePacks(resolved, { includeDisabled: true });
    } catch (err) {
      if (err instanceof RuleLoadError) throw new Error(`${this.node.path}: rulePacks do not load:\n${err.message}`);
      throw err;
    }
    return resolved;
  }

  /** A custom pipeline metric (namespace FdrDetect, dimension service=fdr-detect), summed. */
  public pipelineMetric(name: PipelineMetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** The id cdk-nag gives the IAM5 finding for `s3:GetObject` on `<bucket>/<prefix>*` (rendered its way). */
  private objectArnForNag(prefix: string): string {
    return flattenCfnReference(Stack.of(this).resolve(this.bucket.arnForObjects(`${prefix}*`)));
  }

  /**
   * S3 notifications are configured by CDK's stack-wide BucketNotificationsHandler (a singleton Lambda);
   * acknowledge its findings with reasons specific to it.
   */
  private acknowledgeNotificationsHandler(): void {
    const stack = Stack.of(this.bucket); // the handler lives in the bucket's stack
    const handler = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (!handler) return;
    const role = handler.node.tryFindChild('Role');
    const target = role ?? handler;
    const ids = new Set(
      target.node.metadata
        .filter((m) => m.type === 'aws:cdk:acknowledged-rules' && m.data)
        .flatMap((m) => Object.keys(m.data as Record<string, string>).map((k) => k.replace(/^annotation::/i, ''))),
    );
    const once = (id: string, reason: string): void => {
      if (!ids.has(id)) acknowledge(target, id, reason);
    };
    once(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "CDK's built-in BucketNotificationsHandler (deploy-time only) writes its own logs through AWSLambdaBasicExecutionRole; CDK does not let the role be replaced.",
    );
  }
}
