/**
 * How the detection Lambda is built. One source of truth: the FdrDetection construct, the stack and any
 * test that bundles the handler use these functions, so a test bundles exactly what `cdk deploy` ships.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
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

/** Where the shipped rule packs and their metadata schema live, relative to PROJECT_ROOT (the sources', or the build's copy). */
export const RULE_PACKS_SOURCE = FROM_SOURCES ? 'lambda/packs' : 'dist/packs';

/** The packs shipped with fdr-detect (absolute directories): the default of the construct's `rulePacks`. */
export function shippedRulePacks(): string[] {
  const root = join(PROJECT_ROOT, RULE_PACKS_SOURCE);
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((p) => statSync(p).isDirectory())
    .sort();
}

/** The folder inside the bundle that holds the packs (the handler loads every pack in it). */
export const RULE_PACK_BUNDLE_DIR = 'packs';

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
export function detectionBundling(rulePacks: readonly string[] = shippedRulePacks()): BundlingOptions {
  const names = rulePacks.map((p) => basename(p));
  if (new Set(names).size !== names.length) throw new Error(`rule packs need distinct directory names: ${names.join(', ')}`);
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
        `mkdir -p ${shellQuote(`${outputDir}/${RULE_PACK_BUNDLE_DIR}`)}`,
        `cp ${shellQuote(`${inputDir}/${RULE_PACKS_SOURCE}/rule.schema.json`)} ${shellQuote(`${outputDir}/${RULE_PACK_BUNDLE_DIR}/`)}`,
        ...rulePacks.map((p) => `cp -r ${shellQuote(resolve(inputDir, p))} ${shellQuote(`${outputDir}/${RULE_PACK_BUNDLE_DIR}/${basename(p)}`)}`),
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
export function detectionFunctionCodeProps(rulePacks?: readonly string[]): Pick<
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
    bundling: detectionBundling(rulePacks),
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
