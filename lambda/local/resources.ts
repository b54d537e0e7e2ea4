/**
 * The stack's data-plane resources, created on local AWS-compatible servers (fauxqs + dynalite) the way
 * infra/fdr-detection.ts defines them, so `npm run local`, the benchmark and tests exercise the same shapes:
 *
 * - the landing bucket (FDR batches land here);
 * - the context, dedupe and state tables: string `pk` (HASH) + string `sk` (RANGE), on-demand. The dedupe and
 *   state tables' TTL attribute is `expiresAt` in the stack; dynalite has no UpdateTimeToLive (docs/tooling.md), so TTL is
 *   enabled only where the server supports it (`ttl: 'try'`, the default) — the handler never depends on it;
 * - the alert topic, with one SQS queue subscribed with RawMessageDelivery, standing in for a subscriber (the
 *   message body is the alert record, MessageAttributes carry alert_type, severity, technique, ComputerName).
 *
 * `env` holds what the handler reads (README "Environment"): CONTEXT_TABLE_NAME, DEDUPE_TABLE_NAME, STATE_TABLE_NAME,
 * ALERT_TOPIC_ARN.
 * Clients come from the caller or lambda/aws/clients (AWS_ENDPOINT_URL_* must point at the servers already).
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, UpdateTimeToLiveCommand, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { dynamoClient, s3Client, snsClient, sqsClient } from '../aws/clients';

export interface StackResourceNames {
  bucket: string;
  contextTable: string;
  dedupeTable: string;
  stateTable: string;
  topic: string;
  /** The queue subscribed to the topic (a stand-in subscriber). */
  subscriberQueue: string;
}

export interface StackResources {
  names: StackResourceNames;
  bucket: string;
  contextTable: string;
  dedupeTable: string;
  stateTable: string;
  topicArn: string;
  subscriberQueueUrl: string;
  subscriberQueueArn: string;
  subscriptionArn: string;
  /** Whether the dedupe and state tables' TTL (`expiresAt`) could be enabled (not on dynalite). */
  ttlEnabled: boolean;
  /** The handler's environment (README "Environment") for these resources. */
  env: { CONTEXT_TABLE_NAME: string; DEDUPE_TABLE_NAME: string; STATE_TABLE_NAME: string; ALERT_TOPIC_ARN: string };
}

export interface StackClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  sqs: SQSClient;
}

/** TTL attribute of the dedupe and state tables (infra/fdr-detection.ts `timeToLiveAttribute`). */
export const DEDUPE_TTL_ATTRIBUTE = 'expiresAt';

/** Names for one set of resources: `<prefix>-data`, `<prefix>-context`, … (S3/SQS/SNS/DynamoDB-safe). */
export function stackResourceNames(prefix = 'fdr-detect-local'): StackResourceNames {
  const p = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return {
    bucket: `${p}-data`,
    contextTable: `${p}-context`,
    dedupeTable: `${p}-dedupe`,
    stateTable: `${p}-state`,
    topic: `${p}-alerts`,
    subscriberQueue: `${p}-alerts-subscriber`,
  };
}

/** A table with the stack's key schema: string `pk` (partition) and `sk` (sort), on demand. */
export async function createPkSkTable(ddb: DynamoDBClient, name: string): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  // CreateTable returns while the table is still CREATING (dynalite too, briefly): wait until it is usable.
  await waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
}

export async function createStackResources(
  names: StackResourceNames = stackResourceNames(),
  o: { clients?: Partial<StackClients>; ttl?: 'try' | 'skip' } = {},
): Promise<StackResources> {
  const s3 = o.clients?.s3 ?? s3Client();
  const ddb = o.clients?.dynamodb ?? dynamoClient();
  const sns = o.clients?.sns ?? snsClient();
  const sqs = o.clients?.sqs ?? sqsClient();

  await s3.send(new CreateBucketCommand({ Bucket: names.bucket }));
  await createPkSkTable(ddb, names.contextTable);
  await createPkSkTable(ddb, names.dedupeTable);
  await createPkSkTable(ddb, names.stateTable);
  let ttlEnabled = false;
  if ((o.ttl ?? 'try') === 'try') {
    try {
      for (const TableName of [names.dedupeTable, names.stateTable]) {
        await ddb.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName: DEDUPE_TTL_ATTRIBUTE, Enabled: true } }));
      }
      ttlEnabled = true;
    } catch {
      // dynalite: UnknownOperationException. Expired ids are still treated as absent by the dedupe store itself.
    }
  }

  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: names.topic }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: names.subscriberQueue }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attrs.Attributes?.QueueArn;
  if (!TopicArn || !QueueUrl || !queueArn) throw new Error('createStackResources: topic or queue was not created');
  const sub = await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'true' },
      ReturnSubscriptionArn: true,
    }),
  );

  return {
    names,
    bucket: names.bucket,
    contextTable: names.contextTable,
    dedupeTable: names.dedupeTable,
    stateTable: names.stateTable,
    topicArn: TopicArn,
    subscriberQueueUrl: QueueUrl,
    subscriberQueueArn: queueArn,
    subscriptionArn: sub.SubscriptionArn ?? '',
    ttlEnabled,
    env: { CONTEXT_TABLE_NAME: names.contextTable, DEDUPE_TABLE_NAME: names.dedupeTable, STATE_TABLE_NAME: names.stateTable, ALERT_TOPIC_ARN: TopicArn },
  };
}
