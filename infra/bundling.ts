/**
 * How the detection Lambda is built. One source of truth: the FdrDetection construct, the stack and any
 * test that bundles the handler use these functions, so a test bundles exactly what `cdk deploy` ships.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * Repository (or installed package) root: the folder holding package.json. This module is infra/bundling.ts in
 * the repository and part of dist/infra.js in the build; both are one folder below the root.
 */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Whether the handler is bundled from the TypeScript sources (this repository) or from the compiled JavaScript an
 * installed package ships (dist/handler.js, its npm dependencies resolved from the app's node_modules).
 */
const FROM_SOURCES = existsSync(join(PROJECT_ROOT, 'lambda', 'handler.ts'));

/** The Lambda entry point (export `handler`). */
export const DETECTION_ENTRY = FROM_SOURCES ? join(PROJECT_ROOT, 'lambda', 'handler.ts') : join(PROJECT_ROOT, 'dist', 'handler.js');

/** The CQL rule pack, relative to PROJECT_ROOT (the sources', or the build's copy); copied next to the bundle as `pack/`. */
export const RULE_PACK_SOURCE = FROM_SOURCES ? 'lambda/rules/pack' : 'dist/pack';

/** Name of the rule pack folder inside the bundle (the handler resolves `./pack` next to itself). */
export const RULE_PACK_BUNDLE_DIR = 'pack';

/** ESM bundles still contain CommonJS dependencies that call require(); give them one. */
export const CREATE_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** esbuild target; keep in step with DETECTION_RUNTIME. */
export const DETECTION_TARGET = 'node22';

/** Lambda runtime; keep in step with DETECTION_TARGET. */
export const DETECTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

export const DETECTION_ARCHITECTURE = lambda.Architecture.ARM_64;

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * NodejsFunction bundling options for the detection handler: local esbuild (never Docker), ESM `.mjs`
 * output with the createRequire banner, target node22, everything bundled (including the pinned AWS SDK v3
 * and Powertools, so the deployed code runs the versions the tests ran), and the rule pack copied to `pack/`.
 */
export function detectionBundling(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: DETECTION_TARGET,
    mainFields: ['module', 'main'],
    banner: CREATE_REQUIRE_BANNER,
    minify: true,
    keepNames: true,
    sourceMap: true,
    sourcesContent: false,
    // Bundle @aws-sdk/* too: the runtime's SDK copy is not the version package-lock.json pins.
    externalModules: [],
    forceDockerBundling: false,
    commandHooks: {
      beforeBundling: (): string[] => [],
      beforeInstall: (): string[] => [],
      afterBundling: (inputDir: string, outputDir: string): string[] => [
        `cp -r ${shellQuote(`${inputDir}/${RULE_PACK_SOURCE}`)} ${shellQuote(`${outputDir}/${RULE_PACK_BUNDLE_DIR}`)}`,
      ],
    },
  };
}

/** The lock file NodejsFunction needs; an installed copy of this package has no package-lock.json. */
function depsLockFile(): string {
  const lock = join(PROJECT_ROOT, 'package-lock.json');
  return existsSync(lock) ? lock : join(PROJECT_ROOT, 'package.json');
}

/** Code-related NodejsFunction props (entry, runtime, architecture, bundling) for the detection handler. */
export function detectionFunctionCodeProps(): Pick<
  NodejsFunctionProps,
  'entry' | 'handler' | 'projectRoot' | 'depsLockFilePath' | 'runtime' | 'architecture' | 'bundling'
> {
  return {
    entry: DETECTION_ENTRY,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: depsLockFile(),
    runtime: DETECTION_RUNTIME,
    architecture: DETECTION_ARCHITECTURE,
    bundling: detectionBundling(),
  };
}

/**
 * Bundles the detection handler exactly as the stack does (a NodejsFunction with the same code props,
 * synthesised into `outdir`) and returns the absolute path of the bundle folder (index.mjs, pack/).
 * For tests that run the deployed artefact.
 */
export function bundleDetectionHandler(outdir: string): string {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'FdrDetectBundle');
  const fn = new NodejsFunction(stack, 'DetectionFunction', detectionFunctionCodeProps());
  app.synth();
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const assetPath = cfn.getMetadata('aws:asset:path') as string | undefined;
  if (!assetPath) throw new Error('bundleDetectionHandler: the synthesised function has no asset path');
  const dir = resolve(outdir, assetPath);
  if (!relative(outdir, dir) || relative(outdir, dir).startsWith('..')) {
    throw new Error(`bundleDetectionHandler: unexpected asset path ${assetPath}`);
  }
  return dir;
}
