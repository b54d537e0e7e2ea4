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
    // CI counts tests from a JSON report (.ci/run prints the plain "N passed, N failed" line from it).
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-report.json' }]] : ['default'],
  },
});
