/**
 * Bounded cost whatever the input (`npm run bench`, after the throughput table; alone: `tsx bench/adversarial.ts`):
 * - replay of one object holding N NetworkConnectIP4 to 445 (every one a match), at two sizes: peak RSS and time
 *   (the per-object alert cap folds all but the first matches into one summary alert);
 * - redaction of 1 MiB adversarial command lines (attacker-controlled): milliseconds each, median of 5 warm runs.
 * Sizes scale with BENCH_SCALE (1: 250k and 1M matches).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { redactCommandLine } from '../lambda/alerts/redact';
import { BENCH_DIR, benchScale } from './generate';

const ROOT = resolve(process.cwd());
/** The compiled CLI, as users run it (`npm run bench` builds it first). */
const CLI = join(ROOT, 'bin', 'fdr-detect.mjs');

function matchesFile(n: number): string {
  const path = join(BENCH_DIR, `smb-matches-${n}.gz`);
  if (existsSync(path)) return path;
  mkdirSync(BENCH_DIR, { recursive: true });
  const parts: Buffer[] = [];
  const chunk = 50_000;
  for (let start = 0; start < n; start += chunk) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(n, start + chunk); i++) {
      lines.push(
        JSON.stringify({
          event_simpleName: 'NetworkConnectIP4',
          name: 'NetworkConnectIP4V5',
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          aid: `aaaa0000aaaa0000aaaa0000aaa${String(i % 50).padStart(5, '0')}`,
          cid: 'c0ffee00c0ffee00c0ffee00c0ffee00',
          aip: '10.0.0.9',
          timestamp: String(1795000000000 + i),
          LocalAddressIP4: '10.0.0.9',
          LocalPort: String(49152 + (i % 16000)),
          RemoteAddressIP4: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          RemotePort: '445',
          Protocol: '6',
          ConnectionDirection: '0',
          ContextProcessId: String(4200000000000000000n + BigInt(i)),
        }),
      );
    }
    parts.push(gzipSync(lines.join('\n') + '\n'));
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

function replay(file: string): Promise<{ ms: number; maxRssMB: number; alerts: number }> {
  const rssFile = join(BENCH_DIR, `rss-adv-${process.pid}.json`);
  rmSync(rssFile, { force: true });
  const devNull = openSync('/dev/null', 'w');
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', './bench/rss-probe.mjs', CLI, 'replay', file, '--format', 'ndjson'], {
      cwd: ROOT,
      stdio: ['ignore', devNull, 'pipe'],
      env: { ...process.env, BENCH_RSS_FILE: rssFile },
    });
    let err = '';
    child.stderr!.on('data', (d) => (err = (err + d).slice(-8192)));
    child.on('close', (code) => {
      closeSync(devNull);
      if (code !== 0) return fail(new Error(`replay exit ${code}: ${err}`));
      const { maxRssKiB } = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number };
      rmSync(rssFile, { force: true });
      done({ ms: performance.now() - t0, maxRssMB: maxRssKiB / 1024, alerts: Number(/ alerts=(\d+)/.exec(err)?.[1] ?? NaN) });
    });
  });
}

const MiB = 1 << 20;
const fill = (unit: string) => unit.repeat(Math.ceil(MiB / unit.length));
const SHAPES: Record<string, string> = {
  'PsExec.exe repeated': fill('PsExec.exe '),
  'net use repeated': fill('net use '),
  'net use in an unclosed quote': 'cmd /c "' + fill('net use \\\\h\\c$ '),
  'quotes only': fill('"'),
  'schtasks /p repeated': fill('schtasks /p '),
  '-pw then 1 MiB of spaces': '-pw' + ' '.repeat(MiB),
  '65k real PsExec passwords': fill('PsExec.exe -p x '),
};

export async function runAdversarial(): Promise<string[]> {
  const scale = benchScale();
  const sizes = [Math.round(250_000 * scale), Math.round(1_000_000 * scale)];
  const out: string[] = ['', `matches in one object (NetworkConnectIP4 to 445, all matching), replay --format ndjson:`];
  const runs = [];
  for (const n of sizes) {
    const r = await replay(matchesFile(n));
    runs.push(r);
    out.push(`  ${String(n).padStart(9)} matches: ${(r.ms / 1000).toFixed(1)} s, peak RSS ${r.maxRssMB.toFixed(0)} MB, ${r.alerts} alerts published (the rest folded)`);
  }
  out.push(`  peak RSS growth for ${sizes[1] / sizes[0]}× the matches: ${(((runs[1].maxRssMB - runs[0].maxRssMB) / runs[0].maxRssMB) * 100).toFixed(0)}%`);
  out.push('', 'redaction of a 1 MiB command line (median of 5 warm runs):');
  for (const [name, text] of Object.entries(SHAPES)) {
    redactCommandLine(text);
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      redactCommandLine(text);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    out.push(`  ${name.padEnd(30)} ${ms[2].toFixed(1).padStart(6)} ms`);
  }
  return out;
}

if (process.argv[1]?.endsWith('adversarial.ts')) {
  runAdversarial().then(
    (lines) => console.log(lines.join('\n')),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
