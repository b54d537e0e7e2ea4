import { runCli as cli } from '../support/cli';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { s3Client, sqsClient } from '../../lambda/aws/clients';


async function drain(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const r = await sqsClient().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }));
    if (!r.Messages?.length) empty++;
    for (const m of r.Messages ?? []) bodies.push(m.Body ?? '');
  }
  return bodies;
}

const keyOf = (body: string) => JSON.parse(body).Records[0].s3.object.key as string;

describe('fdr-detect backfill (fauxqs)', () => {
  it('enqueues one S3 event per event-data object, skipping markers, folders and empty objects; resumable', async () => {
    const bucket = `bf-${randomUUID().slice(0, 8)}`;
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    const keys = ['data/b1/part-00000.gz', 'data/b1/part-00001.gz', 'data/b1/_SUCCESS', 'data/b2/', 'data/b2/part 00000.gz', 'data/b2/empty.gz', 'other/x.gz'];
    for (const k of keys) {
      const body = Buffer.from(k.endsWith('/') || k.endsWith('_SUCCESS') || k.includes('empty') ? '' : 'x'.repeat(10));
      await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body }));
    }
    const { QueueUrl } = await sqsClient().send(new CreateQueueCommand({ QueueName: `bf-${randomUUID().slice(0, 8)}` }));
    const r = await cli(['backfill', `s3://${bucket}/data/`, '--queue', QueueUrl!, '--rate', '1000']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res).toMatchObject({ enqueued: 3, listed: 6, skipped: 3, lastKey: 'data/b2/part 00000.gz' });
    expect(r.err).toMatch(/last key: data\/b2\/part 00000\.gz/);
    const bodies = await drain(QueueUrl!);
    expect(bodies.map(keyOf).sort()).toEqual(['data/b1/part-00000.gz', 'data/b1/part-00001.gz', 'data/b2/part+00000.gz']);
    const rec = JSON.parse(bodies[0]).Records[0];
    expect(rec).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { size: 10 } } });

    const resumed = await cli(['backfill', `s3://${bucket}/data/`, '--queue', QueueUrl!, '--start-after', 'data/b1/part-00000.gz']);
    expect(JSON.parse(resumed.out).enqueued).toBe(2);
    expect((await drain(QueueUrl!)).map(keyOf).sort()).toEqual(['data/b1/part-00001.gz', 'data/b2/part+00000.gz']);

    const future = await cli(['backfill', `s3://${bucket}/data/`, '--queue', QueueUrl!, '--since', '2999-01-01T00:00:00Z']);
    expect(JSON.parse(future.out).enqueued).toBe(0);
  });

  it('rejects bad arguments', async () => {
    expect((await cli(['backfill', 'bucket/prefix', '--queue', 'q'])).code).toBe(1);
    expect((await cli(['backfill', 's3://b/p'])).code).toBe(1);
    expect((await cli(['backfill', 's3://b/p', '--queue', 'q', '--since', 'yesterday'])).code).toBe(1);
  });
});

describe('fdr-detect redrive (fauxqs)', () => {
  it('moves every dead letter back to the work queue and empties the DLQ', async () => {
    const sqs = sqsClient();
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: `dlq-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
    const work = (await sqs.send(new CreateQueueCommand({ QueueName: `work-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
    for (let i = 0; i < 23; i++) await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: `m${i}` }));
    const r = await cli(['redrive', '--from', dlq, '--to', work]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ moved: 23, failed: 0 });
    const moved = await drain(work);
    expect(moved.sort()).toEqual(Array.from({ length: 23 }, (_, i) => `m${i}`).sort());
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(Number(attrs.Attributes?.ApproximateNumberOfMessages)).toBe(0);
    expect(Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible)).toBe(0);
  });
});
