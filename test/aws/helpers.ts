// Helpers for integration tests against the local servers (fauxqs: SNS/SQS/S3, dynalite: DynamoDB).
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

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

/** Read until `expected` messages arrived or the queue stays empty for `idleMs`. */
export async function drain(queueUrl: string, expected = Infinity, idleMs = 600): Promise<Message[]> {
  const q = sqs();
  const out: Message[] = [];
  let idleSince = Date.now();
  while (out.length < expected && Date.now() - idleSince < idleMs) {
    const r = await q.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) {
      await new Promise((res) => setTimeout(res, 50));
      continue;
    }
    idleSince = Date.now();
    out.push(...msgs);
    await q.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
  }
  return out;
}

export async function createTable(name: string, ddb = new DynamoDBClient({})): Promise<void> {
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
}
