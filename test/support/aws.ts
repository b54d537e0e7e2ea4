// Helpers for integration tests against the local servers (fauxqs: SNS/SQS/S3, dynalite: DynamoDB).
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createPkSkTable } from '../../lambda/local/resources';
import { drainQueue } from '../../lambda/local/samples';

export const uniq = (p: string): string => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export function sqs(): SQSClient {
  return new SQSClient({ useQueueUrlAsEndpoint: false });
}

/** A topic with one SQS queue subscribed (raw delivery unless told otherwise). */
export async function topicWithQueue(o: { filterPolicy?: object; raw?: boolean } = {}): Promise<{ topicArn: string; queueUrl: string }> {
  const sns = new SNSClient({});
  const q = sqs();
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniq('alerts') }));
  const { QueueUrl } = await q.send(new CreateQueueCommand({ QueueName: uniq('sub') }));
  const attrs = await q.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const Attributes: Record<string, string> = { RawMessageDelivery: String(o.raw ?? true) };
  if (o.filterPolicy) Attributes.FilterPolicy = JSON.stringify(o.filterPolicy);
  await sns.send(
    new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes!.QueueArn, Attributes, ReturnSubscriptionArn: true }),
  );
  return { topicArn: TopicArn!, queueUrl: QueueUrl! };
}

/** Read (and delete) until `expected` messages arrived or the queue stays empty for `idleMs`. */
export function drain(queueUrl: string, expected = Infinity, idleMs = 600): Promise<Message[]> {
  return drainQueue(sqs(), queueUrl, { expected, idleMs });
}

export async function createTable(name: string, ddb = new DynamoDBClient({})): Promise<void> {
  await createPkSkTable(ddb, name);
}
