/**
 * The CLI and the Lambda handler keep V8's young generation from growing (lambda/heap.ts): measured in child
 * processes, since the setting is process-wide. A survivor-heavy allocation loop grows an unbounded young generation
 * to tens of MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../infra/index';

const dir = mkdtempSync(join(tmpdir(), 'fdr-heap-'));
/** Preloaded: once the program is done, churn objects that survive a few scavenges, then print new space's size. */
const probe = join(dir, 'young-probe.mjs');
writeFileSync(
  probe,
  `import v8 from 'node:v8';
process.once('beforeExit', () => {
  const keep = [];
  for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 200000) keep.splice(0, 100000); }
  const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  process.stderr.write('new_space=' + ns.space_size + '\\n');
});
`,
);
const newSpaceMB = (args: string[]): number => {
  const r = spawnSync(process.execPath, ['--import', probe, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const m = /new_space=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no probe output (exit ${r.status}): ${r.stderr}`);
  return Number(m[1]) / 2 ** 20;
};

describe('the young generation of the CLI process', () => {
  it('stays at its initial size under the fdr-detect binary, and grows without it', () => {
    const without = newSpaceMB(['-e', '']);
    const withCli = newSpaceMB([join(PROJECT_ROOT, 'bin', 'fdr-detect.mjs'), '--version']);
    expect(without).toBeGreaterThan(8);
    expect(withCli).toBeLessThanOrEqual(4);
  });

  it('keepYoungGenerationSmall does it from the source too', () => {
    const code = `import(${JSON.stringify(join(PROJECT_ROOT, 'lambda/heap.ts'))}).then((m) => m.keepYoungGenerationSmall())`;
    expect(newSpaceMB(['--import', 'tsx', '-e', code])).toBeLessThanOrEqual(4);
  });

  it('the Lambda handler module sets it when it loads (after its imports, which grow it a little first)', () => {
    const code = `import(${JSON.stringify(join(PROJECT_ROOT, 'dist', 'handler.js'))})`;
    expect(newSpaceMB(['-e', code])).toBeLessThanOrEqual(8);
    expect(newSpaceMB(['-e', ''])).toBeGreaterThan(16);
  });
});
