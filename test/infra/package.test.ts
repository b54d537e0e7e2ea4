/**
 * The package a user installs. `npm pack` of this repository (the dist/ that `npm run build` wrote: `npm test`
 * builds first) is installed into a fresh CDK app written in TypeScript, laid out as `cdk init app --language
 * typescript` lays one out (CommonJS, `module: NodeNext`, its own tsconfig.json), compiled with tsc and run with
 * plain node (no tsx anywhere in the app); `cdk synth` runs on it offline (explicit account and region, no
 * credentials, no notices, no telemetry, no version check). A second entry point of the same app is an ES module
 * that also uses the library export (`fdr-detect`). Then the installed `fdr-detect` binary runs.
 *
 * The install is offline and pinned: the app's package-lock.json is this repository's lock cut down to what the
 * app needs (the tarball's `dependencies`, plus aws-cdk-lib, constructs, cdk-nag, esbuild, typescript, aws-cdk and
 * @types/node at the versions this repository tests), and `npm ci --offline` takes every tarball from the npm
 * cache that `npm ci` of this repository filled. A dependency the tarball forgets to declare is therefore missing
 * in the app (nothing above the app's folder has a node_modules), and bundling or loading fails here.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/index';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [k: string]: unknown;
}

interface PackResult {
  filename: string;
  integrity: string;
}

interface Manifest {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, string | { types: string; default: string }>;
  files: string[];
  engines: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, string>;
}

/** The detection function (the template's other function is CDK's Python bucket-notifications handler). */
const isDetectionFunction = (r: Resource) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Runtime).startsWith('nodejs');

/** Every file under `dir`, as sorted `/`-separated relative paths. */
const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split(sep).join('/'))
    .sort();

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Children see neither this test run's npm script environment nor AWS settings (the local servers' endpoints, credentials). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|AWS_|CDK_)/i.test(k) && !/^npm_config_(cache|registry)$/i.test(k)) continue;
    if (k === 'NODE_OPTIONS' || k === 'NODE_PATH' || k === 'RULE_PACKS') continue;
    env[k] = v;
  }
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: 'true', ...extra };
}

function run(cmd: string, args: string[], cwd: string, env = cleanEnv()): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function ok(r: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status} ${r.signal ?? ''} ${r.error?.message ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Lock entries `want` needs, found the way Node resolves: the nearest node_modules/<name> above each dependent. */
function lockClosure(lock: Record<string, LockEntry>, roots: string[]): Record<string, LockEntry> {
  const resolveFrom = (from: string, name: string): string | undefined => {
    for (let p = from; ; ) {
      const candidate = `${p ? `${p}/` : ''}node_modules/${name}`;
      if (lock[candidate]) return candidate;
      if (!p) return undefined;
      const i = p.lastIndexOf('/node_modules/');
      p = i < 0 ? '' : p.slice(0, i);
    }
  };
  const out: Record<string, LockEntry> = {};
  const queue: string[] = [];
  const want = (from: string, name: string, optional: boolean) => {
    const at = resolveFrom(from, name);
    if (!at) {
      if (optional) return;
      throw new Error(`${from || 'the app'} needs ${name}, which is not in package-lock.json`);
    }
    if (out[at]) return;
    // Flags describe this repository's tree, not the app's; npm recomputes them.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock[at];
    out[at] = entry;
    queue.push(at);
  };
  for (const name of roots) want('', name, false);
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    const e = lock[at];
    for (const n of Object.keys(e.dependencies ?? {})) want(at, n, false);
    for (const n of Object.keys(e.optionalDependencies ?? {})) want(at, n, true);
    for (const n of Object.keys(e.peerDependencies ?? {})) want(at, n, e.peerDependenciesMeta?.[n]?.optional === true);
  }
  return out;
}

const APP_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['es2022'],
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};

/** The app `cdk synth` runs: CommonJS, as `cdk init` generates; fdr-detect (ESM) comes in through require(esm). */
const APP_CTS = `import { App, Stack } from 'aws-cdk-lib';
import { FdrDetection, type FdrDetectionProps } from 'fdr-detect/infra';

const app = new App();
const stack = new Stack(app, 'FdrApp', { env: { account: '${ACCOUNT}', region: '${REGION}' } });
const props: FdrDetectionProps = { memorySize: 2048, eventDataPrefixes: ['tenant/data/'], secondaryDataPrefixes: ['tenant/fdrv2/'] };
new FdrDetection(stack, 'FdrDetection', props);

// The declarations are real types, not \`any\`: a wrong prop type does not compile.
// @ts-expect-error memorySize is a number of MB
export const wrong: FdrDetectionProps = { memorySize: 'large' };
`;

/** The same construct from an ES module, plus the library export. Run with plain node, bundling skipped. */
const ESM_MTS = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { App, Stack } from 'aws-cdk-lib';
import { FdrDetection } from 'fdr-detect/infra';
import { compileQuery, loadRulePacks, type AlertRecord } from 'fdr-detect';

const app = new App();
const stack = new Stack(app, 'FdrEsm', { env: { account: '${ACCOUNT}', region: '${REGION}' } });
new FdrDetection(stack, 'FdrDetection');

const rules = loadRulePacks();
const severity: AlertRecord['severity'] | undefined = undefined;
if (!compileQuery('#event_simpleName = "ProcessRollup2"').query || rules.length === 0) throw new Error('fdr-detect library export broken');
const schema = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('fdr-detect/alert.v1.schema.json'), 'utf8')) as { properties: object };
console.log(JSON.stringify({ rules: rules.map((r) => r.meta.id).sort(), severity: severity ?? null, schema: Object.keys(schema.properties).length > 0 }));
`;

describe('the packed package, installed into a TypeScript CDK app', () => {
  let tmp: string;
  let appDir: string;
  let pack: PackResult;
  let manifest: Manifest;
  let installedWith: string;
  const timings: Record<string, number> = {};
  const timed = <T>(name: string, fn: () => T): T => {
    const t = Date.now();
    try {
      return fn();
    } finally {
      timings[name] = (Date.now() - t) / 1000;
    }
  };

  beforeAll(() => {
    if (!existsSync(join(PROJECT_ROOT, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
    tmp = mkdtempSync(join(tmpdir(), 'fdr-package-'));
    appDir = join(tmp, 'app');
    mkdirSync(join(appDir, 'src'), { recursive: true });

    // The dist/ built before the tests; --ignore-scripts so that packing does not rebuild it under running tests.
    const packed = timed('pack', () =>
      ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], PROJECT_ROOT, cleanEnv()), 'npm pack'),
    );
    pack = (JSON.parse(packed.stdout) as PackResult[])[0];
    copyFileSync(join(tmp, pack.filename), join(appDir, pack.filename));

    const own = readJson<Manifest>(join(PROJECT_ROOT, 'package.json'));
    const lock = readJson<{ packages: Record<string, LockEntry> }>(join(PROJECT_ROOT, 'package-lock.json')).packages;
    const pinned = (names: string[]) => Object.fromEntries(names.map((n) => [n, lock[`node_modules/${n}`].version!]));
    const app = {
      name: 'fdr-detect-consumer',
      version: '1.0.0',
      private: true,
      scripts: { build: 'tsc', cdk: 'cdk' },
      dependencies: { 'fdr-detect': `file:${pack.filename}`, ...pinned(['aws-cdk-lib', 'constructs', 'cdk-nag']) },
      devDependencies: pinned(['aws-cdk', 'esbuild', 'typescript', '@types/node']),
    };
    const packages = lockClosure(lock, [...Object.keys(own.dependencies), ...Object.keys(app.dependencies).filter((n) => n !== 'fdr-detect'), ...Object.keys(app.devDependencies)]);
    const appLock = {
      name: app.name,
      version: app.version,
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: app.name, version: app.version, dependencies: app.dependencies, devDependencies: app.devDependencies },
        'node_modules/fdr-detect': {
          version: own.version,
          resolved: `file:${pack.filename}`,
          integrity: pack.integrity,
          license: own.license,
          dependencies: own.dependencies,
          peerDependencies: own.peerDependencies,
          peerDependenciesMeta: own.peerDependenciesMeta,
          bin: own.bin,
          engines: own.engines,
        },
        ...packages,
      },
    };
    writeFileSync(join(appDir, 'package.json'), JSON.stringify(app, null, 2) + '\n');
    writeFileSync(join(appDir, 'package-lock.json'), JSON.stringify(appLock, null, 2) + '\n');
    writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify(APP_TSCONFIG, null, 2) + '\n');
    writeFileSync(
      join(appDir, 'cdk.json'),
      JSON.stringify({ app: 'node dist/app.cjs', notices: false, context: { 'cli-telemetry': false } }, null, 2) + '\n',
    );
    writeFileSync(join(appDir, 'src', 'app.cts'), APP_CTS);
    writeFileSync(join(appDir, 'src', 'esm.mts'), ESM_MTS);

    timed('npm ci', () => {
      const install = (mode: string) => run('npm', ['ci', mode, '--no-audit', '--no-fund', '--loglevel=error'], appDir);
      installedWith = '--offline';
      let r = install('--offline');
      // A cache without one of the tarballs (not filled by `npm ci` here): fetch what is missing.
      if (r.status !== 0 && /ENOTCACHED/.test(r.stderr)) {
        installedWith = '--prefer-offline';
        r = install('--prefer-offline');
      }
      ok(r, `npm ci ${installedWith}`);
    });
    manifest = readJson<Manifest>(join(appDir, 'node_modules', 'fdr-detect', 'package.json'));
    timed('tsc', () => ok(run(process.execPath, [join(appDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', appDir], appDir), 'tsc'));
    timed('cdk synth', () =>
      ok(run(process.execPath, [join(appDir, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet'], appDir), 'cdk synth'),
    );
  }, 600_000);

  afterAll(() => {
    process.stderr.write(`package test: ${Object.entries(timings).map(([k, s]) => `${k} ${s.toFixed(1)} s`).join(', ')} (npm ci ${installedWith})\n`);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('is installed where no node_modules above the app could stand in for a missing dependency', () => {
    for (let d = dirname(appDir); ; d = dirname(d)) {
      expect(existsSync(join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
      if (dirname(d) === d) break;
    }
    expect(existsSync(join(appDir, 'node_modules', 'tsx'))).toBe(false);
  });

  it('ships compiled code, declarations, the rule pack, the alert schema, the sample batches, README and LICENSE; nothing else', () => {
    // What the tarball holds, as installed (npm's own file list masks path segments that look like ids).
    const files = listFiles(join(appDir, 'node_modules', 'fdr-detect'));
    const allowed = [
      /^(README\.md|LICENSE|package\.json)$/,
      /^bin\/fdr-detect\.mjs$/,
      /^dist\/[\w-]+\.js(\.map)?$/,
      /^dist\/types\/(lambda|infra)\/[\w/-]+\.d\.ts$/,
      /^dist\/packs\/[\w./-]+$/,
      /^lambda\/alerts\/alert\.v1\.schema\.json$/,
      /^events\/context\.json$/,
      /^events\/fdr\//,
    ];
    expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
    for (const f of ['dist/cli.js', 'dist/index.js', 'dist/infra.js', 'dist/handler.js', 'dist/types/lambda/index.d.ts', 'dist/types/infra/index.d.ts']) {
      expect(files).toContain(f);
    }
    const listed = (dir: string) => listFiles(join(PROJECT_ROOT, dir)).map((f) => `${dir}/${f}`);
    for (const f of listed('lambda/packs').filter((p) => !p.endsWith('.ts') && !p.endsWith('.js'))) expect(files).toContain(f.replace(/^lambda\/packs\//, 'dist/packs/'));
    for (const f of listed('events/fdr')) expect(files).toContain(f);
    // Source maps carry the package's own sources only.
    for (const f of files.filter((p) => p.endsWith('.js.map'))) {
      const map = readJson<{ sources: string[] }>(join(appDir, 'node_modules', 'fdr-detect', f));
      expect(map.sources.filter((s) => !/^\.\.\/(lambda|infra)\//.test(s)), f).toEqual([]);
    }
  });

  it('declares compiled entry points with types, a compiled bin, no tsx, and the CDK packages as optional peers', () => {
    const root = join(appDir, 'node_modules', 'fdr-detect');
    for (const entry of ['.', './infra']) {
      const e = manifest.exports[entry] as { types: string; default: string };
      expect(e.types).toMatch(/\.d\.ts$/);
      expect(e.default).toMatch(/^\.\/dist\/.+\.js$/);
      expect(existsSync(join(root, e.types)), e.types).toBe(true);
      expect(existsSync(join(root, e.default)), e.default).toBe(true);
    }
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(readFileSync(join(root, manifest.bin['fdr-detect']), 'utf8')).not.toMatch(/tsx/);
    for (const peer of ['aws-cdk-lib', 'constructs', 'cdk-nag']) {
      expect(manifest.peerDependencies[peer]).toBeDefined();
      expect(manifest.peerDependenciesMeta[peer]?.optional).toBe(true);
    }
  });

  it('`cdk synth` of the app holds the detection function, its queues and tables; the asset is the bundled handler and the rule pack', () => {
    const template = readJson<{ Resources: Record<string, Resource> }>(
      join(appDir, 'cdk.out', 'FdrApp.template.json'),
    );
    const resources = Object.values(template.Resources);
    const fn = resources.filter(isDetectionFunction);
    expect(fn).toHaveLength(1);
    expect(fn[0].Properties).toMatchObject({ Runtime: 'nodejs22.x', MemorySize: 2048, Architectures: ['arm64'] });
    expect(resources.filter((r) => r.Type === 'AWS::SQS::Queue')).toHaveLength(2);
    expect(resources.filter((r) => r.Type === 'AWS::DynamoDB::Table')).toHaveLength(3);
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')).toHaveLength(1);

    const asset = join(appDir, 'cdk.out', fn[0].Metadata!['aws:asset:path']);
    expect(existsSync(join(asset, 'index.mjs'))).toBe(true);
    expect(listFiles(join(asset, 'packs')).sort()).toEqual(listFiles(join(PROJECT_ROOT, 'lambda', 'packs')).filter((f) => !f.endsWith('.ts') && !f.endsWith('.js')).sort());
  });

  it('the handler bundled from the installed package loads in plain node and acknowledges an S3 test event', () => {
    const template = readJson<{ Resources: Record<string, Resource> }>(
      join(appDir, 'cdk.out', 'FdrApp.template.json'),
    );
    const fn = Object.values(template.Resources).find(isDetectionFunction)!;
    const asset = join(appDir, 'cdk.out', fn.Metadata!['aws:asset:path']);
    const event = readFileSync(join(PROJECT_ROOT, 'events', 'lambda', 'sqs-s3-test-event.json'), 'utf8');
    const child = `
      const { handler } = await import('./index.mjs');
      const context = { functionName: 'f', awsRequestId: 'r', memoryLimitInMB: '1769', invokedFunctionArn: 'arn:aws:lambda:${REGION}:${ACCOUNT}:function:f', getRemainingTimeInMillis: () => 60000 };
      const response = await handler(${event}, context);
      process.stdout.write('\\n@@' + JSON.stringify(response) + '\\n');
    `;
    const r = run(process.execPath, ['--input-type=module', '--eval', child], asset, cleanEnv({
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      // Nowhere to go: a test event must be settled without AWS.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ALERT_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
      DEDUPE_TABLE_NAME: 'dedupe',
      STATE_TABLE_NAME: 'state',
      CONTEXT_TABLE_NAME: 'context',
    }));
    expect(r.status, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('@@'));
    expect(JSON.parse(line!.slice(2))).toEqual({ batchItemFailures: [] });
  });

  it('works from an ES module too, with the library export', () => {
    const out = join(tmp, 'esm.out');
    const r = run(process.execPath, [join(appDir, 'dist', 'esm.mjs')], appDir, cleanEnv({
      CDK_OUTDIR: out,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
    }));
    expect(r.status, r.stderr).toBe(0);
    const shipped = listFiles(join(PROJECT_ROOT, 'lambda', 'packs'))
      .filter((f) => f.includes('/') && f.endsWith('.json') && !f.endsWith('.samples.json'))
      .map((f) => readJson<{ id: string }>(join(PROJECT_ROOT, 'lambda', 'packs', f)).id)
      .sort();
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ rules: shipped, severity: null, schema: true });
    const template = readJson<{ Resources: Record<string, { Type: string }> }>(join(out, 'FdrEsm.template.json'));
    const types = Object.values(template.Resources).map((x) => x.Type);
    expect(types.filter((t) => t === 'AWS::DynamoDB::Table')).toHaveLength(3);
    expect(types).toContain('AWS::SQS::Queue');
  });

  it('the installed fdr-detect binary runs without tsx: --version, lint, replay of the shipped samples', () => {
    const bin = join(appDir, 'node_modules', '.bin', 'fdr-detect');
    const version = run(bin, ['--version'], appDir);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toBe(`fdr-detect ${manifest.version}\n`);

    const lint = run(bin, ['lint', join(appDir, 'node_modules', 'fdr-detect', 'dist', 'packs', 't1021-002', 't1021-002.cql')], appDir);
    expect(lint.status, lint.stderr).toBe(0);
    expect(lint.stdout).toMatch(/t1021-002\.cql: ok/);

    const replay = run(bin, ['replay', '--format', 'ndjson'], appDir);
    expect(replay.status, replay.stderr).toBe(0);
    const alerts = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as { alert_type: string });
    expect(new Set(alerts.map((a) => a.alert_type))).toEqual(
      new Set([
        'PsExecExecution', 'NetUseAdminShare', 'AdminShareCommand', 'AdminShareFileWrite', 'SMB445Connection', 'SMB445FanOut',
        'RemoteExecService', 'RemoteExecChild', 'ImpacketExecRedirect', 'SuspiciousServiceCreated', 'AdminShareOpened', 'ExecOfSmbWrittenFile',
      ]),
    );
    expect(replay.stderr).toMatch(/objects=8 secondary=2 .* suppressed=20 /);

    // The gzip stage's worker thread ships with the package and is found from the installed dist/.
    const threaded = run(bin, ['replay', '--format', 'ndjson', '--inflate', 'thread'], appDir);
    expect(threaded.status, threaded.stderr).toBe(0);
    expect(threaded.stderr).toMatch(/objects=8 secondary=2 .* suppressed=20 .*thread_inflated=8 /);
    expect(threaded.stdout).toBe(replay.stdout);
  });
});
