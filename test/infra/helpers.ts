/** Shared helpers for the infrastructure tests: apps with the project's cdk.json context, no bundling. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FdrDetection, type FdrDetectionProps, PROJECT_ROOT } from '../../infra/index';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

export interface CdkJson {
  app: string;
  notices?: boolean;
  context: Record<string, unknown>;
}

export function cdkJson(): CdkJson {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as CdkJson;
}

/** An App with cdk.json's context (feature flags included) and bundling skipped. */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJson().context, 'aws:cdk:bundling-stacks': [], ...context } });
}

export interface Synthesised {
  app: App;
  stack: Stack;
  detection: FdrDetection;
  template: Template;
}

/** One FdrDetection in a fresh stack; `build` may create imported resources in the stack first. */
export function synthDetection(
  build: (stack: Stack) => FdrDetectionProps = () => ({}),
  context: Record<string, unknown> = {},
): Synthesised {
  const app = testApp(context);
  const stack = new Stack(app, 'TestStack', { env: { account: ACCOUNT, region: REGION } });
  const detection = new FdrDetection(stack, 'FdrDetection', build(stack));
  const template = Template.fromStack(stack);
  return { app, stack, detection, template };
}

export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every policy statement attached to a role: inline policies plus AWS::IAM::Policy resources naming it. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const out: Statement[] = [];
  const roles = template.findResources('AWS::IAM::Role');
  const role = roles[roleLogicalId];
  if (!role) throw new Error(`no role ${roleLogicalId}`);
  for (const p of asArray(role.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[])) {
    out.push(...p.PolicyDocument.Statement);
  }
  for (const kind of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const res of Object.values(template.findResources(kind))) {
      const refs = asArray(res.Properties.Roles as { Ref: string }[]);
      if (refs.some((r) => r.Ref === roleLogicalId)) out.push(...(res.Properties.PolicyDocument.Statement as Statement[]));
    }
  }
  return out;
}
