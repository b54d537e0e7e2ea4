/**
 * cdk-nag 3.x helpers. Rule packs are validation plugins (`Validations.of(app).addPlugins(...)`); findings
 * are acknowledged one by one with `Validations.of(construct).acknowledge({ id, reason })`.
 */
import { type App, type Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Shortest reason accepted: a reason must say why this finding is acceptable here, not just "ok". */
export const MIN_ACK_REASON_LENGTH = 40;

export interface NagAcknowledgement {
  /** Construct path the acknowledgement is attached to. */
  readonly path: string;
  /** Rule id, e.g. `AwsSolutions-IAM5[Resource::<Bucket.Arn>/data/*]`. */
  readonly id: string;
  readonly reason: string;
}

/** Acknowledge one cdk-nag finding on `scope` (and its children) with a specific reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < MIN_ACK_REASON_LENGTH) {
    throw new Error(`cdk-nag acknowledgement ${id} at ${scope.node.path} needs a specific reason`);
  }
  Validations.of(scope).acknowledge({ id, reason });
}

/** Register the AWS Solutions checks on an app or stage; any unacknowledged finding fails synthesis. */
export function addNagChecks(app: App | Stage): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/** Every acknowledgement recorded under `root` (for tests and audits). */
export function listAcknowledgements(root: IConstruct): NagAcknowledgement[] {
  const out: NagAcknowledgement[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: c.node.path, id: qualifiedId.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}
