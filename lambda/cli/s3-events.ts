/** S3 URIs and S3 event notifications shaped exactly as S3 sends them (used by backfill and local tooling). */
import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';

export interface S3Uri {
  bucket: string;
  prefix: string;
}

export function parseS3Uri(uri: string): S3Uri {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m || !m[1]) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: m[1], prefix: m[2] };
}

/** S3 URL-encodes keys in notifications, with `+` for spaces (and keeps `/`). */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export interface ObjectFacts {
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  eventTime?: string;
}

/** An `ObjectCreated:Put` notification body for one object, as S3 → SQS delivers it. */
export function s3ObjectCreatedEvent(o: ObjectFacts, region = process.env.AWS_REGION ?? 'us-east-1'): { Records: unknown[] } {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: o.eventTime ?? new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'fdr-detect-backfill' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {},
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'fdr-detect-backfill',
          bucket: { name: o.bucket, ownerIdentity: { principalId: 'fdr-detect' }, arn: `arn:aws:s3:::${o.bucket}` },
          object: { key: encodeS3EventKey(o.key), size: o.size, eTag: (o.eTag ?? '').replace(/"/g, ''), sequencer: '0' },
        },
      },
    ],
  };
}

/** An SQS batch as the Lambda event source delivers it, one message per body (local tooling, bench, tests). */
export function sqsEventOf(
  bodies: unknown[],
  o: { messageId?: (i: number) => string; queueArn?: string; region?: string } = {},
): SQSEvent {
  const region = o.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const now = String(Date.now());
  return {
    Records: bodies.map((b, i) => ({
      messageId: o.messageId ? o.messageId(i) : randomUUID(),
      receiptHandle: `rh-${i}`,
      body: JSON.stringify(b),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'fdr-detect', ApproximateFirstReceiveTimestamp: now },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: o.queueArn ?? `arn:aws:sqs:${region}:000000000000:fdr-detect-objects`,
      awsRegion: region,
    })),
  };
}
