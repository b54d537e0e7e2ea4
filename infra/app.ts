/**
 * CDK app entry (cdk.json: "npx tsx infra/app.ts"). All settings come from context; see README.md (Deploy).
 * The app synthesises automatically when run by the CDK CLI.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from './config';

buildApp(new App());
