/**
 * The stack `cdk deploy` creates from this project: one FdrDetection, plus outputs. Settings that need a
 * construct to exist (an existing bucket, topic or key) are given as names/ARNs and imported here.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { FdrDetection, type FdrDetectionProps } from './fdr-detection';

export interface FdrDetectStackProps extends StackProps {
  /** Use this existing FDR landing bucket instead of creating one. */
  readonly existingBucketName?: string;
  /** ARN of the KMS key the existing bucket's objects are encrypted with (SSE-KMS). */
  readonly existingBucketKeyArn?: string;
  /** Publish alerts to this existing topic instead of creating one. */
  readonly existingAlertTopicArn?: string;
  /** ARN of the KMS key the existing alert topic is encrypted with. */
  readonly existingAlertTopicKeyArn?: string;
  /** Everything else the construct accepts. */
  readonly detection?: Omit<FdrDetectionProps, 'bucket' | 'bucketEncryptionKey' | 'alertTopic' | 'alertTopicKey'>;
}

export class FdrDetectStack extends Stack {
  public readonly detection: FdrDetection;

  constructor(scope: Construct, id: string, props: FdrDetectStackProps = {}) {
    super(scope, id, {
      description: 'fdr-detect: SMB / admin-share lateral movement (T1021.002) detection on CrowdStrike FDR data',
      ...props,
    });
    const bucket = props.existingBucketName
      ? s3.Bucket.fromBucketName(this, 'ExistingLandingBucket', props.existingBucketName)
      : undefined;
    const bucketEncryptionKey = props.existingBucketKeyArn
      ? kms.Key.fromKeyArn(this, 'ExistingBucketKey', props.existingBucketKeyArn)
      : undefined;
    const alertTopic = props.existingAlertTopicArn
      ? sns.Topic.fromTopicArn(this, 'ExistingAlertTopic', props.existingAlertTopicArn)
      : undefined;
    const alertTopicKey = props.existingAlertTopicKeyArn
      ? kms.Key.fromKeyArn(this, 'ExistingAlertTopicKey', props.existingAlertTopicKeyArn)
      : undefined;

    this.detection = new FdrDetection(this, 'FdrDetection', {
      ...props.detection,
      bucket,
      bucketEncryptionKey,
      alertTopic,
      alertTopicKey,
    });

    const d = this.detection;
    new CfnOutput(this, 'LandingBucketName', { value: d.bucket.bucketName });
    new CfnOutput(this, 'ObjectQueueUrl', { value: d.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: d.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'DetectionFunctionName', { value: d.detectionFunction.functionName });
    new CfnOutput(this, 'AlertTopicArn', { value: d.alertTopic.topicArn });
    new CfnOutput(this, 'OperationsTopicArn', { value: d.operationsTopic.topicArn });
    new CfnOutput(this, 'ContextTableName', { value: d.contextTable.tableName });
    new CfnOutput(this, 'DedupeTableName', { value: d.dedupeTable.tableName });
    new CfnOutput(this, 'DashboardName', { value: d.dashboard.dashboardName });
  }
}
