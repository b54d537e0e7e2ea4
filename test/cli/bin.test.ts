/**
 * The `fdr-detect` binary as a process: bin/fdr-detect.mjs runs the compiled dist/ (`npm test` builds it first)
 * in plain node. Exit codes, stdout for data and stderr for the rest hold across the process boundary; a closed
 * stdout pipe ends the command quietly. And what each command loads at start-up, from the build's module graph:
 * `help` only the CLI table, `lint` the rule compiler, `replay` no AWS SDK.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/index';

const BIN = join(PROJECT_ROOT, 'bin', 'fdr-detect.mjs');
const RULE = join(PROJECT_ROOT, 'lambda', 'packs', 't1021-002', 't1021-002.cql');
const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const env = (): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  delete e.NODE_OPTIONS;
  return e;
};

const fdrDetect = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env: { ...env(), ...extra }, encoding: 'utf8' });

describe('bin/fdr-detect.mjs (compiled)', () => {
  it('is built', () => {
    expect(existsSync(join(PROJECT_ROOT, 'dist', 'cli.js')), 'dist/cli.js: run `npm run build`').toBe(true);
    expect(readFileSync(BIN, 'utf8')).toContain("import('../dist/cli.js')");
  });

  it('--version, help and COMMAND --help: stdout, exit 0', () => {
    expect(fdrDetect(['--version'])).toMatchObject({ status: 0, stdout: `fdr-detect ${VERSION}\n`, stderr: '' });
    const help = fdrDetect(['help']);
    expect(help).toMatchObject({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage:\n {2}fdr-detect replay /);
    const replay = fdrDetect(['replay', '--help']);
    expect(replay).toMatchObject({ status: 0, stderr: '' });
    expect(replay.stdout).toMatch(/^usage: fdr-detect replay /);
  });

  it('a usage mistake: stderr, exit 1, nothing on stdout', () => {
    const r = fdrDetect(['replay', '--formt', 'json']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("fdr-detect replay: unknown option --formt (did you mean --format?)\nRun 'fdr-detect replay --help' for its usage.\n");
  });

  it('lint and replay run the compiled pipeline with the rule pack and samples it finds from dist/', () => {
    const lint = fdrDetect(['lint', RULE]);
    expect(lint).toMatchObject({ status: 0, stderr: '' });
    const replay = fdrDetect(['replay', '--format', 'ndjson'], { NO_COLOR: '1' });
    expect(replay.status, replay.stderr).toBe(0);
    const alerts = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as { alert_type: string });
    expect(alerts.length).toBe(33);
    expect(replay.stderr).toMatch(/^objects=8 secondary=2 events=144 matches=64 alerts=33 suppressed=20 throttled=13 aggregate_firings=2 /m);
  });

  it('a closed stdout (`| head`) ends the command quietly', async () => {
    const child = spawn(process.execPath, [BIN, 'replay', '--format', 'ndjson'], { cwd: PROJECT_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { inputs: Record<string, unknown>; imports: { path: string; kind: string; external?: boolean }[]; entryPoint?: string }>;
}

describe('start-up: what each command loads before it runs (the build module graph)', () => {
  let outputs: Metafile['outputs'];
  beforeAll(async () => {
    const { build } = await import('esbuild');
    const { esbuildOptions } = (await import('../../scripts/build.mjs' as string)) as { esbuildOptions: (outdir: string) => Record<string, unknown> };
    // Nothing is written (write: false); the folder only names the outputs.
    const result = await build({ ...esbuildOptions(join(PROJECT_ROOT, 'dist-graph')), metafile: true, write: false, logLevel: 'silent' });
    outputs = (result.metafile as unknown as Metafile).outputs;
  });
  const out = (file: string) => Object.keys(outputs).find((o) => o.endsWith(`/${file}`))!;
  const chunkOf = (input: string) => Object.keys(outputs).find((o) => !o.endsWith('.map') && input in outputs[o].inputs)!;

  /** Sources and packages loaded by static imports from `starts` (what runs before any dynamic import). */
  function staticClosure(starts: string[]): { sources: string[]; packages: string[] } {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [...starts];
    for (let o = queue.shift(); o !== undefined; o = queue.shift()) {
      if (seen.has(o)) continue;
      seen.add(o);
      for (const i of outputs[o].imports) {
        if (i.kind !== 'import-statement') continue;
        if (i.external || !(i.path in outputs)) packages.add(i.path);
        else queue.push(i.path);
      }
    }
    const sources = [...seen].flatMap((o) => Object.keys(outputs[o].inputs)).sort();
    return { sources, packages: [...packages].sort() };
  }

  it('help and --version: the command table, its parser and usage text; node built-ins only', () => {
    const { sources, packages } = staticClosure([out('cli.js')]);
    expect(sources).toEqual(['lambda/cli/args.ts', 'lambda/cli/main.ts', 'lambda/cli/usage.ts', 'lambda/heap.ts']);
    expect(packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
  });

  it('lint: the rule compiler; no AWS SDK, no Powertools, no zlib, no pipeline', () => {
    const { sources, packages } = staticClosure([out('cli.js'), chunkOf('lambda/cli/lint.ts')]);
    expect(sources).toContain('lambda/rules/compiler.ts');
    expect(sources.filter((s) => !/^lambda\/(cli|rules)\//.test(s) && s !== 'lambda/heap.ts')).toEqual([]);
    expect(packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect(packages).not.toContain('node:zlib');
  });

  it('replay (local files): no AWS SDK', () => {
    const { sources, packages } = staticClosure([out('cli.js'), chunkOf('lambda/cli/replay.ts')]);
    expect(sources).toContain('lambda/pipeline.ts');
    // ajv validates rule metadata; nothing of AWS.
    expect(packages.filter((p) => !p.startsWith('node:') && !p.startsWith('ajv'))).toEqual([]);
  });
});
