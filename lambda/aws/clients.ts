/**
 * AWS SDK clients, built only at the edges (adapters, the composition roots). One client per service per
 * container, created lazily so tests can set the environment first. Endpoints come from the SDK's own
 * `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`; the only local-server switch is S3 path-style addressing
 * when such an endpoint is set.
 *
 * Every client has connection and request timeouts well inside the invocation budget (the SDK has none by
 * default): a dependency that accepts connections and never answers fails the request after a few seconds (the
 * SDK retries it, then the adapter degrades or fails the record) instead of holding the invocation until its
 * deadline. `requestTimeout` bounds the wait for the response headers; `socketTimeout` bounds silence while a
 * body streams (an S3 object is read for minutes, but never silently).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

export interface HttpTimeouts {
  connectionTimeout: number;
  requestTimeout: number;
  socketTimeout: number;
}

/** Per service, in milliseconds. */
export const HTTP_TIMEOUTS: Readonly<Record<'s3' | 'dynamodb' | 'sns' | 'sqs', HttpTimeouts>> = {
  s3: { connectionTimeout: 3_000, requestTimeout: 15_000, socketTimeout: 30_000 },
  dynamodb: { connectionTimeout: 2_000, requestTimeout: 5_000, socketTimeout: 5_000 },
  sns: { connectionTimeout: 3_000, requestTimeout: 10_000, socketTimeout: 10_000 },
  sqs: { connectionTimeout: 3_000, requestTimeout: 10_000, socketTimeout: 25_000 },
};

const requestHandler = (t: HttpTimeouts) => ({ ...t, throwOnRequestTimeout: true });

let s3: S3Client | undefined;
let sns: SNSClient | undefined;
let sqs: SQSClient | undefined;
let ddb: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;

/** Path-style S3 addressing when a custom endpoint is configured (local AWS-compatible servers). */
export function s3PathStyle(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

/** A new S3 client with this project's defaults (timeouts, path style for local endpoints); `o` overrides them. */
export function newS3Client(o: S3ClientConfig = {}): S3Client {
  return new S3Client({ forcePathStyle: s3PathStyle() || Boolean(o.endpoint), requestHandler: requestHandler(HTTP_TIMEOUTS.s3), ...o });
}

export function newSnsClient(o: SNSClientConfig = {}): SNSClient {
  return new SNSClient({ requestHandler: requestHandler(HTTP_TIMEOUTS.sns), ...o });
}

/** SQS (CLI and local tools). `useQueueUrlAsEndpoint: false`: local servers hand out `*.localhost` queue URLs. */
export function newSqsClient(o: SQSClientConfig = {}): SQSClient {
  return new SQSClient({ useQueueUrlAsEndpoint: false, requestHandler: requestHandler(HTTP_TIMEOUTS.sqs), ...o });
}

export function newDynamoClient(o: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ requestHandler: requestHandler(HTTP_TIMEOUTS.dynamodb), ...o });
}

export function s3Client(): S3Client {
  s3 ??= newS3Client();
  return s3;
}

export function snsClient(): SNSClient {
  sns ??= newSnsClient();
  return sns;
}

export function sqsClient(): SQSClient {
  sqs ??= newSqsClient();
  return sqs;
}

export function dynamoClient(): DynamoDBClient {
  ddb ??= newDynamoClient();
  return ddb;
}

export function dynamoDocClient(): DynamoDBDocumentClient {
  doc ??= documentClient(dynamoClient());
  return doc;
}

/** Build a document client around a given low-level client (tests, outage simulation). */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

/** The shared document client, or one around the given client (a document client is used as is). */
export function asDocumentClient(client?: DynamoDBDocumentClient | DynamoDBClient): DynamoDBDocumentClient {
  if (!client) return dynamoDocClient();
  return client instanceof DynamoDBDocumentClient ? client : documentClient(client);
}
