import { describe, expect, it } from 'vitest';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';

describe('local servers', () => {
  it('answer through the real SDK clients', async () => {
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ddb = new DynamoDBClient({});
    const tables = await ddb.send(new ListTablesCommand({}));
    expect(Array.isArray(tables.TableNames)).toBe(true);
    const s3 = new S3Client({ forcePathStyle: true });
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.$metadata.httpStatusCode).toBe(200);
  });
});
