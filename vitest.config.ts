import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Local AWS-compatible servers (fauxqs: S3/SNS/SQS, dynalite: DynamoDB) start once for the whole run;
    // their URLs reach the workers through process.env.
    globalSetup: ['test/setup/servers.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
