/**
 * AWS SDK clients, built only at the edges (adapters, handler). One client per service per container, created
 * lazily so tests can set the environment first. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_<SERVICE>`
 * / `AWS_ENDPOINT_URL`; the only local-server switch is S3 path-style addressing when such an endpoint is set.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

let s3: S3Client | undefined;
let sns: SNSClient | undefined;
let sqs: SQSClient | undefined;
let ddb: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;

/** Path-style S3 addressing when a custom endpoint is configured (local AWS-compatible servers). */
export function s3PathStyle(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

export function s3Client(): S3Client {
  s3 ??= new S3Client({ forcePathStyle: s3PathStyle() });
  return s3;
}

export function snsClient(): SNSClient {
  sns ??= new SNSClient({});
  return sns;
}

/** SQS (tests and local tools). `useQueueUrlAsEndpoint: false`: local servers hand out `*.localhost` queue URLs. */
export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ useQueueUrlAsEndpoint: false });
  return sqs;
}

export function dynamoClient(): DynamoDBClient {
  ddb ??= new DynamoDBClient({});
  return ddb;
}

export function dynamoDocClient(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(dynamoClient(), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
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
