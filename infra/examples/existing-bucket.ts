/**
 * fdr-detect inside an existing CDK app, next to an FDR landing bucket and a SOC alert topic you already
 * have. This file is compiled and synthesised by test/infra and shown verbatim in README.md.
 */
import { App, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { FdrDetection, addNagChecks } from 'fdr-detect/infra';

export class SecurityDetectionsStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // The bucket FDR batches already land in (its data/ and fdrv2/ live under a tenant prefix here).
    const fdrBucket = s3.Bucket.fromBucketName(this, 'FdrBucket', 'acme-crowdstrike-fdr');
    // The SOC's existing alert topic and the KMS key it is encrypted with.
    const socAlerts = sns.Topic.fromTopicArn(
      this,
      'SocAlerts',
      this.formatArn({ service: 'sns', resource: 'soc-alerts' }),
    );
    const socAlertsKey = kms.Key.fromKeyArn(
      this,
      'SocAlertsKey',
      this.formatArn({ service: 'kms', resource: 'key', resourceName: '1234abcd-12ab-34cd-56ef-1234567890ab' }),
    );

    new FdrDetection(this, 'FdrDetection', {
      bucket: fdrBucket,
      eventDataPrefixes: ['acme/data/'],
      secondaryDataPrefixes: ['acme/fdrv2/'],
      alertTopic: socAlerts,
      alertTopicKey: socAlertsKey,
      operationsEmails: ['cloud-ops@example.com'],
      timeout: Duration.minutes(10),
      reservedConcurrentExecutions: 20,
      dedupeWindow: Duration.days(14),
      logRetention: logs.RetentionDays.ONE_YEAR,
    });
  }
}

const app = new App();
new SecurityDetectionsStack(app, 'SecurityDetections', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// Optional: run the cdk-nag AWS Solutions checks (FdrDetection acknowledges its own findings).
addNagChecks(app);
