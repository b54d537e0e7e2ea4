/**
 * In-process AWS-compatible servers for tests, `npm run local` and the benchmark:
 * fauxqs (S3 + SNS + SQS) and dynalite (DynamoDB, in memory). Both listen on loopback only.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

export interface LocalServers {
  /** Environment that points the AWS SDK at these servers (the SDK reads AWS_ENDPOINT_URL_* itself). */
  env: Record<string, string>;
  fauxqsUrl: string;
  dynamoUrl: string;
  stop(): Promise<void>;
}

export async function startLocalServers(): Promise<LocalServers> {
  const { startFauxqs } = await import('fauxqs');
  const fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' } as Parameters<typeof startFauxqs>[0]);
  const { default: createDynalite } = await import('dynalite');
  const dynalite: Server = createDynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynalite.once('error', reject);
    dynalite.listen(0, '127.0.0.1', () => resolve());
  });
  const dynamoUrl = `http://127.0.0.1:${(dynalite.address() as AddressInfo).port}`;
  const fauxqsUrl = fauxqs.address;
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_S3: fauxqsUrl,
    AWS_ENDPOINT_URL_SNS: fauxqsUrl,
    AWS_ENDPOINT_URL_SQS: fauxqsUrl,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
    // Local runs know they are on Node 20 (docs/tooling.md); the deployed Lambda runs Node 22.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // fauxqs ignores SNS's per-protocol MessageStructure (it would deliver the {default, email} wrapper to SQS), so
    // local runs publish the plain record, as every non-email subscriber of the real service receives it.
    ALERT_EMAIL_FORMAT: 'json',
  };
  return {
    env,
    fauxqsUrl,
    dynamoUrl,
    async stop() {
      await fauxqs.stop();
      await new Promise<void>((resolve) => dynalite.close(() => resolve()));
    },
  };
}
