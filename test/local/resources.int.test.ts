// createStackResources: what the handler needs, shaped as infra/fdr-detection.ts defines it.
import { describe, expect, it } from 'vitest';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { dynamoClient, s3Client, snsClient, sqsClient } from '../../lambda/aws/clients';
import { createStackResources, stackResourceNames } from '../../lambda/local/resources';
import { drainQueue } from '../../lambda/local/samples';
import { uniq } from '../support/aws';

describe('createStackResources', () => {
  it('creates the bucket, the three pk/sk tables, and a topic with a raw-delivery queue subscribed', async () => {
    const names = stackResourceNames(uniq('res'));
    const res = await createStackResources(names);

    expect(res.env).toEqual({
      CONTEXT_TABLE_NAME: names.contextTable,
      DEDUPE_TABLE_NAME: names.dedupeTable,
      STATE_TABLE_NAME: names.stateTable,
      ALERT_TOPIC_ARN: res.topicArn,
    });
    await expect(s3Client().send(new HeadBucketCommand({ Bucket: names.bucket }))).resolves.toBeDefined();
    for (const table of [names.contextTable, names.dedupeTable, names.stateTable]) {
      const { Table } = await dynamoClient().send(new DescribeTableCommand({ TableName: table }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(Table?.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
      );
    }
    expect(res.ttlEnabled).toBe(false); // dynalite has no UpdateTimeToLive

    await snsClient().send(
      new PublishCommand({
        TopicArn: res.topicArn,
        Message: '{"hello":1}',
        MessageAttributes: { alert_type: { DataType: 'String', StringValue: 'PsExecExecution' } },
      }),
    );
    const msgs = await drainQueue(sqsClient(), res.subscriberQueueUrl, { expected: 1, idleMs: 2000 });
    expect(msgs).toHaveLength(1);
    expect(msgs[0].Body).toBe('{"hello":1}'); // raw delivery: no SNS envelope
    expect(msgs[0].MessageAttributes?.alert_type?.StringValue).toBe('PsExecExecution');
  });

  it('names resources from a prefix, safely', () => {
    expect(stackResourceNames('My_Run.1')).toEqual({
      bucket: 'my-run-1-data',
      contextTable: 'my-run-1-context',
      dedupeTable: 'my-run-1-dedupe',
      stateTable: 'my-run-1-state',
      topic: 'my-run-1-alerts',
      subscriberQueue: 'my-run-1-alerts-subscriber',
    });
  });
});
