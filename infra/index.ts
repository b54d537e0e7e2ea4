/** fdr-detect infrastructure, for use in other CDK apps: `import { FdrDetection } from 'fdr-detect/infra'`. */
export * from './fdr-detection';
export * from './stack';
export * from './bundling';
export * from './nag';
export { buildApp, stackPropsFromContext, DEFAULT_ACCOUNT, DEFAULT_REGION, DEFAULT_STACK_NAME } from './config';
