// Every AWS client this project builds has connection, request and socket timeouts (the SDK sets none by default).
import { describe, expect, it } from 'vitest';
import { HTTP_TIMEOUTS, newDynamoClient, newS3Client, newSnsClient, newSqsClient } from '../../lambda/aws/clients';

type WithHandler = { config: { requestHandler: { configProvider?: Promise<Record<string, unknown>> } } };
const settings = async (c: unknown) => (await (c as WithHandler).config.requestHandler.configProvider) ?? {};

describe('AWS clients', () => {
  it.each([
    ['s3', newS3Client()],
    ['dynamodb', newDynamoClient()],
    ['sns', newSnsClient()],
    ['sqs', newSqsClient()],
  ] as const)('%s: timeouts well inside the invocation budget, and request timeouts that throw', async (service, client) => {
    const t = HTTP_TIMEOUTS[service];
    expect(await settings(client)).toMatchObject({ ...t, throwOnRequestTimeout: true });
    expect(t.connectionTimeout).toBeLessThanOrEqual(5_000);
    expect(t.requestTimeout).toBeLessThanOrEqual(15_000);
    expect(t.socketTimeout).toBeLessThanOrEqual(30_000);
  });
});
