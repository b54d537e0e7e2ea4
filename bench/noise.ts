/**
 * Noise measurement (`npm run bench`, after the stateful bench; alone: `npx tsx bench/noise.ts [--events N]
 * [--objects N] [--keep]`): a seeded benign background of realistic FDR lines (bench/noise/: a fleet's everyday
 * activity, kernel and svchost SMB to domain controllers and file servers, `net use` to user shares and
 * `/delete`, loopback and inbound 445, and the sanctioned infrastructure — jump host, PDQ- and SCCM-style
 * deployment, a monitoring poller, a backup server — whose SMB looks like lateral movement) over hours of event
 * time, written as gzip objects to a temporary directory with the context file that tags that infrastructure;
 * then the shipped pack over all objects as replay runs it (one memory state store, that context, suppression on).
 * Prints alerts by type and severity, suppressed and throttled counts, alerts per million background events and
 * throughput. Fails (exit 1) when anything but the README's documented low-severity alert fires: kernel SMB the
 * sensor left unnamed (SMB445Connection, attribution unresolved).
 * Size: 1,000,000 events × BENCH_SCALE (--scale), at least 1,000,000 at scale 1; one object per 100,000 events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadContextFile } from '../lambda/context/file';
import { loadRulePacks } from '../lambda/packs/loader';
import { benchScale } from './generate';
import { generateBackground } from './noise/background';
import { measureNoise } from './noise/measure';
import { formatNoise, noiseOk } from './noise/report';

export interface NoiseOptions {
  events?: number;
  objects?: number;
  seed?: number;
  /** Keep the generated objects (their directory is printed) instead of deleting them. */
  keep?: boolean;
}

export async function runNoise(o: NoiseOptions = {}): Promise<{ lines: string[]; ok: boolean }> {
  const events = o.events ?? Math.max(1, Math.round(1_000_000 * benchScale()));
  const objects = o.objects ?? Math.max(1, Math.round(events / 100_000));
  const dir = mkdtempSync(join(tmpdir(), 'fdr-noise-'));
  try {
    const g0 = performance.now();
    const bg = generateBackground({ events, objects, dir, seed: o.seed });
    const genMs = performance.now() - g0;
    const rules = loadRulePacks();
    const tally = await measureNoise(bg.objects, await loadContextFile(bg.contextPath), rules);
    const lines = formatNoise(bg, tally, genMs, rules.length);
    if (o.keep) lines.push(`  kept: ${dir} (npx tsx lambda/cli/main.ts replay ${join(dir, 'data')} --context ${bg.contextPath})`);
    return { lines, ok: noiseOk(tally) };
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive integer`);
  return v;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { lines, ok } = await runNoise({ events: arg('--events'), objects: arg('--objects'), keep: process.argv.includes('--keep') });
  console.log(lines.join('\n'));
  process.exitCode = ok ? 0 : 1;
}
