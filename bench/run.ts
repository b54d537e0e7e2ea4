/**
 * Streaming benchmark (`npm run bench`).
 *
 *   npm run bench [-- --scale 0.1] [--rounds 3] [--modes gunzip,split,decode,naive,replay,thread,handler] [--rules DIR]…
 *                 [--no-adversarial] [--no-stateful] [--no-noise]
 *   BENCH_SCALE=0.1 npm run bench        (quick run: 10 MB / 40 MB instead of 100 MB / 400 MB)
 *   --rules DIR (repeatable): the rule packs replay, handler and decode run (default: the shipped packs)
 *
 * Modes, each measured in its own child process (peak RSS = that child's maxRSS), alternated over rounds:
 *   gunzip  createGunzip (256 KiB chunks) on the file read in 1 MiB pieces (as replay reads it), count bytes: the floor
 *   split   decodeEvents with eventTypes [] — gunzip + line splitting + prefilter scan, nothing parsed
 *   decode  decodeEvents + prefilter (the rule pack's event types + identity events)
 *   naive   gunzip + readline + JSON.parse of every line
 *   replay  the real CLI as a black box, compiled as users run it: node bin/fdr-detect.mjs replay FILE --format ndjson
 *           --inflate inline > /dev/null (gzip inflated on the main thread, as the Lambda does)
 *   thread  the same with `--inflate thread`: gzip inflated in a worker thread, beside the line work (what the CLI
 *           does by default, `--inflate auto`, for these files on a machine of 2 cores or more)
 *   handler the real Lambda handler on the file as one S3 object through fauxqs (bench/handler.ts): servers, tables,
 *           topic and the multipart upload are set-up; its wall/CPU time is the one SQS-event invocation alone
 *           (GetObject from fauxqs, decode, rules, DynamoDB context + dedupe, SNS publication). Target: its read
 *           path (GetObject stream + pipeline, publishing excluded) within 10 % of replay on the same (bigger) file,
 *           replay timed by its own summary line (start-up excluded); the handler is warm (one small warm-up
 *           invocation first, like a warm Lambda container). On the bigger file it also times, in the same
 *           process, a GetObject drained alone and the pipeline on the local file: where a difference goes.
 * After the throughput table, each left out by its flag:
 *   bench/adversarial.ts (`--no-adversarial`): replay of objects where every event matches (peak RSS at two sizes)
 *     and redaction of 1 MiB adversarial command lines;
 *   bench/stateful.ts (`--no-stateful`): pipeline throughput with one rule, the shipped packs and the stateful test
 *     pack; DynamoDB state requests per object (dynalite);
 *   bench/noise.ts (`--no-noise`): alerts per million events of a benign background (1M events × scale) through the
 *     shipped pack; the bench exits 1 when anything but the documented low-severity alert fires.
 * Throughput is uncompressed MB (1e6 bytes) per wall-clock second of the child, start-up included; the
 * MARGINAL throughput between the two sizes ((bytes2-bytes1)/(t2-t1)) removes start-up and fixed costs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { runAdversarial } from './adversarial';
import { BENCH_DIR, benchScale, ensureBenchFiles, type BenchFile } from './generate';
import { runNoise } from './noise';
import { runStateful } from './stateful';

type Mode = 'gunzip' | 'split' | 'decode' | 'naive' | 'replay' | 'thread' | 'handler';
const ALL_MODES: Mode[] = ['gunzip', 'split', 'decode', 'naive', 'replay', 'thread', 'handler'];
/** The modes that run the compiled CLI. */
const CLI_MODES: Mode[] = ['replay', 'thread'];
const ROOT = resolve(process.cwd());
/** The compiled CLI, as users run it (`npm run bench` builds it first). */
const CLI = join(ROOT, 'bin', 'fdr-detect.mjs');
/** `--rules DIR`, repeatable: absolute rule pack directories (empty: the shipped packs). */
const RULES = process.argv.flatMap((a, i) => (a === '--rules' && process.argv[i + 1] ? [resolve(process.argv[i + 1])] : []));
/** The children's environment: the rule packs for the handler (RULE_PACKS) and bench/child.ts (BENCH_RULES). */
const CHILD_ENV: NodeJS.ProcessEnv = RULES.length > 0 ? { ...process.env, RULE_PACKS: RULES.join(','), BENCH_RULES: RULES.join(',') } : process.env;

interface Sample {
  wallMs: number;
  innerMs?: number;
  /** handler: time spent publishing alerts (dedupe + SNS) after the read. */
  deliverMs?: number;
  /** handler on the bigger file: a GetObject drained alone, and the pipeline on the local file, same process. */
  explain?: { drainMs: number; chunks: number; s3Ms: number; fileMs: number; serverS3CpuMs?: number; s3ContextMs: number };
  maxRssKiB: number;
  /** user + system CPU of the whole child (all threads, start-up included). */
  cpuMs: number;
  /** replay: the main thread's share of cpuMs (Linux only; inflate runs on other threads). */
  mainCpuMs?: number;
  events?: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function run(cmd: string, args: string[], opts: { stdout: 'pipe' | number; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; wallMs: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', opts.stdout, 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, wallMs: performance.now() - t0, stdout, stderr }));
  });
}

async function measure(mode: Mode, file: BenchFile, explain: boolean): Promise<Sample> {
  if (mode === 'handler') {
    const r = await run(process.execPath, ['--import', 'tsx', 'bench/handler.ts', file.path, ...(explain ? ['--explain'] : [])], { stdout: 'pipe', env: CHILD_ENV });
    if (r.code !== 0) throw new Error(`handler failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      innerMs: number;
      readMs: number;
      deliverMs: number;
      maxRssKiB: number;
      cpuMs: number;
      events: number;
      bytesOut: number;
      explain?: Sample['explain'];
    };
    if (j.bytesOut !== file.plainBytes) throw new Error(`handler: ${j.bytesOut} bytes out, expected ${file.plainBytes}`);
    // wall = the invocation only: starting the servers and uploading the object are set-up, not throughput.
    // innerMs here = the read (GetObject stream + pipeline), without publishing (deliverMs) to the local emulators.
    return { wallMs: j.innerMs, innerMs: j.readMs, maxRssKiB: j.maxRssKiB, cpuMs: j.cpuMs, events: j.events, deliverMs: j.deliverMs, explain: j.explain };
  }
  if (!CLI_MODES.includes(mode)) {
    const r = await run(process.execPath, ['--import', 'tsx', 'bench/child.ts', mode, file.path], { stdout: 'pipe', env: CHILD_ENV });
    if (r.code !== 0) throw new Error(`${mode} failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { innerMs: number; maxRssKiB: number; cpuMs: number; events: number; bytesOut: number };
    if (j.bytesOut !== file.plainBytes) throw new Error(`${mode}: ${j.bytesOut} bytes out, expected ${file.plainBytes}`);
    return { wallMs: r.wallMs, innerMs: j.innerMs, maxRssKiB: j.maxRssKiB, cpuMs: j.cpuMs, events: j.events };
  }
  const rssFile = join(BENCH_DIR, `rss-${process.pid}.json`);
  rmSync(rssFile, { force: true });
  const devNull = openSync('/dev/null', 'w');
  try {
    const r = await run(
      process.execPath,
      ['--import', './bench/rss-probe.mjs', CLI, 'replay', file.path, '--format', 'ndjson', '--inflate', mode === 'thread' ? 'thread' : 'inline', ...RULES.flatMap((d) => ['--rules', d])],
      { stdout: devNull, env: { ...process.env, BENCH_RSS_FILE: rssFile } },
    );
    if (r.code !== 0) throw new Error(`${mode} failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const { maxRssKiB, cpuMs, mainCpuMs } = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number; cpuMs: number; mainCpuMs?: number };
    // replay's own summary line times its reading and processing (process start-up and rule loading excluded)
    const own = /decoded=[\d.]+MB in ([\d.]+)s/.exec(r.stderr);
    return { wallMs: r.wallMs, innerMs: own ? Number(own[1]) * 1000 : undefined, maxRssKiB, cpuMs, mainCpuMs };
  } finally {
    closeSync(devNull);
    rmSync(rssFile, { force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (bytes: number) => bytes / 1e6;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

async function main(): Promise<void> {
  const scale = benchScale();
  const rounds = Math.max(1, Number(arg('--rounds') ?? process.env.BENCH_ROUNDS ?? 3));
  let modes = (arg('--modes')?.split(',') ?? ALL_MODES) as Mode[];
  for (const m of modes) if (!ALL_MODES.includes(m)) throw new Error(`unknown mode ${m}`);

  mkdirSync(BENCH_DIR, { recursive: true });
  const files = ensureBenchFiles(scale);
  if (modes.some((m) => CLI_MODES.includes(m)) && !existsSync(CLI)) {
    console.error(`replay, thread: SKIPPED — ${CLI} does not exist yet (the CLI is written elsewhere); other modes still run`);
    modes = modes.filter((m) => !CLI_MODES.includes(m));
  }
  console.error(
    `bench: scale ${scale}, ${rounds} rounds, modes ${modes.join(', ')}, rules ${RULES.length > 0 ? RULES.map((d) => d.slice(ROOT.length + 1)).join(' + ') : 'the shipped packs'}; inputs ${files
      .map((f) => `${mb(f.plainBytes).toFixed(0)} MB plain / ${mb(f.gzBytes).toFixed(1)} MB gz (${f.members} members)`)
      .join(' and ')}`,
  );

  const samples = new Map<string, Sample[]>();
  const failed = new Map<Mode, string>();
  const key = (m: Mode, i: number) => `${m}:${i}`;
  for (let r = 0; r < rounds; r++) {
    // rotate the order each round so no mode always runs first (cold caches) or last
    const order = modes.map((_, i) => modes[(i + r) % modes.length]);
    for (let i = 0; i < files.length; i++) {
      for (const m of order) {
        if (failed.has(m)) continue;
        try {
          const s = await measure(m, files[i], i === files.length - 1);
          (samples.get(key(m, i)) ?? samples.set(key(m, i), []).get(key(m, i))!).push(s);
          console.error(`  round ${r + 1} ${pad(m, 7)} ${lpad(mb(files[i].plainBytes).toFixed(0), 4)} MB  ${lpad(s.wallMs.toFixed(0), 6)} ms  ${lpad((s.maxRssKiB / 1024).toFixed(0), 4)} MB RSS`);
        } catch (err) {
          failed.set(m, (err as Error).message);
          console.error(`  ${m}: FAILED — ${(err as Error).message.split('\n')[0]} (mode dropped)`);
        }
      }
    }
  }

  const live = modes.filter((m) => !failed.has(m) && samples.has(key(m, 0)) && samples.has(key(m, 1)));
  const stat = (m: Mode, i: number) => {
    const ss = samples.get(key(m, i))!;
    return {
      wallMs: median(ss.map((s) => s.wallMs)),
      innerMs: ss.some((s) => s.innerMs === undefined) ? undefined : median(ss.map((s) => s.innerMs!)),
      peakRssMB: Math.max(...ss.map((s) => s.maxRssKiB)) / 1024,
      cpuMs: median(ss.map((s) => s.cpuMs)),
      mainCpuMs: ss.some((s) => s.mainCpuMs === undefined) ? undefined : median(ss.map((s) => s.mainCpuMs!)),
      deliverMs: ss.some((s) => s.deliverMs === undefined) ? undefined : median(ss.map((s) => s.deliverMs!)),
    };
  };
  const thr = (bytes: number, ms: number) => mb(bytes) / (ms / 1000);
  const marginal = (m: Mode) => {
    const a = stat(m, 0), b = stat(m, 1);
    return thr(files[1].plainBytes - files[0].plainBytes, b.wallMs - a.wallMs);
  };
  /** MB per CPU-second between the sizes: insensitive to other load on the machine. */
  const marginalCpu = (m: Mode) => {
    const a = stat(m, 0), b = stat(m, 1);
    return thr(files[1].plainBytes - files[0].plainBytes, b.cpuMs - a.cpuMs);
  };

  const out: string[] = [];
  out.push('');
  out.push(`${pad('mode', 8)}${pad('input', 9)}${lpad('wall MB/s', 10)}${lpad('×gunzip', 9)}${lpad('inner MB/s', 12)}${lpad('peak RSS', 10)}`);
  for (const m of live) {
    for (let i = 0; i < 2; i++) {
      const s = stat(m, i);
      const floor = live.includes('gunzip') ? stat('gunzip', i).wallMs : NaN;
      out.push(
        `${pad(m, 8)}${pad(`${mb(files[i].plainBytes).toFixed(0)} MB`, 9)}${lpad(thr(files[i].plainBytes, s.wallMs).toFixed(0), 10)}${lpad((floor / s.wallMs).toFixed(2), 9)}${lpad(s.innerMs === undefined ? '-' : thr(files[i].plainBytes, s.innerMs).toFixed(0), 12)}${lpad(`${s.peakRssMB.toFixed(0)} MB`, 10)}`,
      );
    }
  }
  if (live.includes('handler')) out.push('(handler: wall = the one invocation; servers, tables and the upload are set-up, not timed)');
  out.push('');
  out.push(`${pad('mode', 8)}${lpad('marginal MB/s', 14)}${lpad('×gunzip', 9)}${lpad('MB/CPU-s', 10)}${lpad('×gunzip', 9)}${lpad('RSS small→big', 16)}${lpad('growth', 8)}`);
  const gm = live.includes('gunzip') ? marginal('gunzip') : NaN;
  const gc = live.includes('gunzip') ? marginalCpu('gunzip') : NaN;
  for (const m of live) {
    const a = stat(m, 0), b = stat(m, 1);
    out.push(
      `${pad(m, 8)}${lpad(marginal(m).toFixed(0), 14)}${lpad((marginal(m) / gm).toFixed(2), 9)}${lpad(marginalCpu(m).toFixed(0), 10)}${lpad((marginalCpu(m) / gc).toFixed(2), 9)}${lpad(`${a.peakRssMB.toFixed(0)}→${b.peakRssMB.toFixed(0)} MB`, 16)}${lpad(`${(((b.peakRssMB - a.peakRssMB) / a.peakRssMB) * 100).toFixed(0)}%`, 8)}`,
    );
  }
  out.push('');
  out.push('targets:');
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  for (const m of ['replay', 'thread', 'decode'] as Mode[]) {
    if (!live.includes(m)) {
      out.push(`  ${m}: SKIPPED${failed.has(m) ? ` (${failed.get(m)!.split('\n')[0]})` : CLI_MODES.includes(m) && !existsSync(CLI) ? ' (CLI not present)' : ''}`);
      continue;
    }
    const a = stat(m, 0), b = stat(m, 1);
    const ratio = marginal(m) / gm;
    const growth = (b.peakRssMB - a.peakRssMB) / a.peakRssMB;
    const info = m === 'decode' ? ' (decoder alone; the target is for replay)' : m === 'thread' ? ' (replay --inflate thread: gzip in a worker thread)' : '';
    out.push(`  ${m} marginal throughput ≥ 85% of gunzip floor's: ${(ratio * 100).toFixed(0)}%  ${verdict(ratio >= 0.85)}${info}`);
    out.push(`  ${m} peak RSS < 256 MB: ${Math.max(a.peakRssMB, b.peakRssMB).toFixed(0)} MB  ${verdict(Math.max(a.peakRssMB, b.peakRssMB) < 256)}`);
    if (CLI_MODES.includes(m) && a.mainCpuMs !== undefined && b.mainCpuMs !== undefined && live.includes('gunzip')) {
      // Inflate runs beside the main thread: replay can keep up with the floor only while its main thread needs no
      // more CPU per MB than gunzip needs in all (both marginal, start-up excluded).
      const perMB = (ms: number) => ms / mb(files[1].plainBytes - files[0].plainBytes);
      const mainMs = perMB(b.mainCpuMs - a.mainCpuMs);
      const floorMs = perMB(stat('gunzip', 1).cpuMs - stat('gunzip', 0).cpuMs);
      const restMs = perMB(b.cpuMs - a.cpuMs) - mainMs;
      out.push(
        `  (${m} CPU per MB: main thread ${mainMs.toFixed(2)} ms, other threads — inflate, GC helpers — ${restMs.toFixed(2)} ms; gunzip in all ${floorMs.toFixed(2)} ms: the main thread is ${(mainMs / floorMs).toFixed(2)}× the floor's inflate)`,
      );
    }
    out.push(`  ${m} peak RSS growth < 20% for ${(files[1].plainBytes / files[0].plainBytes).toFixed(0)}× input: ${(growth * 100).toFixed(0)}%  ${verdict(growth < 0.2)}`);
  }
  if (live.includes('handler') && live.includes('replay')) {
    // Issue 11: the handler's read path (GetObject stream + pipeline, publishing excluded) within 10 % of replay on
    // the same object, replay timed by its own summary line (both without process start-up).
    const big = files.length - 1;
    const bytes = files[big].plainBytes;
    const h = stat('handler', big);
    const replayInner = stat('replay', big).innerMs;
    const r = thr(bytes, replayInner ?? stat('replay', big).wallMs);
    const hRead = thr(bytes, h.innerMs ?? h.wallMs);
    const rr = hRead / r;
    out.push(
      `  handler read path (GetObject stream + pipeline) within 10% of replay on the ${mb(bytes).toFixed(0)} MB file: ${hRead.toFixed(0)} vs ${r.toFixed(0)} MB/s = ${(rr * 100).toFixed(0)}%  ${verdict(rr >= 0.9)}` +
        (replayInner === undefined ? ' (replay timed as a whole process: no summary line)' : ''),
    );
    const ex = samples.get(key('handler', big))?.map((x) => x.explain).filter((x) => x !== undefined) ?? [];
    if (ex.length > 0) {
      const drain = median(ex.map((x) => x.drainMs));
      const fileMs = median(ex.map((x) => x.fileMs));
      const s3Ms = median(ex.map((x) => x.s3Ms));
      const chunks = median(ex.map((x) => x.chunks));
      const server = ex.every((x) => x.serverS3CpuMs !== undefined) ? median(ex.map((x) => x.serverS3CpuMs!)) : undefined;
      const withContext = median(ex.map((x) => x.s3ContextMs));
      out.push(
        `    where it goes, in the handler's process after the invocation: the pipeline alone on the S3 object ${s3Ms.toFixed(0)} ms, on the local file ${fileMs.toFixed(0)} ms` +
          ` (the S3 stream: ${(s3Ms - fileMs).toFixed(0)} ms; GetObject drained alone: ${drain.toFixed(0)} ms, ${chunks.toFixed(0)} chunks of ~${(files[big].gzBytes / chunks / 1024).toFixed(0)} KiB` +
          `${server === undefined ? '' : `; fauxqs serving it meanwhile used ${server.toFixed(0)} ms of CPU on the same ${availableParallelism()} cores`});` +
          ` with the context table's lookups (dynalite, cache cold) as the handler makes them ${withContext.toFixed(0)} ms;` +
          ` the invocation's read (${(h.innerMs ?? h.wallMs).toFixed(0)} ms) adds the handler around it and a first pass's JIT warm-up`,
      );
    }
    out.push(
      `    whole invocation ${thr(bytes, h.wallMs).toFixed(0)} MB/s: publishing the file's alerts to dynalite + fauxqs took ${(h.deliverMs ?? 0).toFixed(0)} ms` +
        ` (marginal ${marginal('handler').toFixed(0)} vs ${marginal('replay').toFixed(0)} MB/s; MB/CPU-s ${marginalCpu('handler').toFixed(0)} vs ${marginalCpu('replay').toFixed(0)} — fauxqs and dynalite run in a process of their own)`,
    );
  } else {
    out.push(`  handler vs replay: SKIPPED${failed.has('handler') ? ` (${failed.get('handler')!.split('\n')[0]})` : ' (needs both modes)'}`);
  }
  out.push(`  (load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores — wall-clock figures suffer from other load; MB/CPU-s does not)`);
  if (scale < 0.5) out.push(`  (scale ${scale}: small inputs; marginal numbers are noisy — run at scale 1 for the real verdict)`);
  out.push('', ...readmeTable());
  if (!process.argv.includes('--no-adversarial')) out.push(...(await runAdversarial()));
  if (!process.argv.includes('--no-stateful')) out.push('', ...(await runStateful(scale)));
  let noiseOk = true;
  if (!process.argv.includes('--no-noise')) {
    const noise = await runNoise();
    out.push('', ...noise.lines);
    noiseOk = noise.ok;
  }
  console.log(out.join('\n'));
  // A benign background that alerts is a regression: the bench says so in its exit status.
  if (!noiseOk) process.exitCode = 1;

  /** The summary as a Markdown table (README "Performance and cost"). */
  function readmeTable(): string[] {
    const names: Record<Mode, string> = {
      gunzip: 'gunzip (the floor)',
      split: 'split (decoder, nothing parsed)',
      decode: 'decode (every candidate parsed)',
      naive: 'naive (JSON.parse of every line)',
      replay: '**replay**',
      thread: 'replay --inflate thread (gzip in a worker thread)',
      handler: 'handler (read path; CPU: whole invocation)',
    };
    const [a, b] = files.map((f) => `${mb(f.plainBytes).toFixed(0)} MB`);
    const rows = [`| mode | marginal MB/s | × floor | MB/CPU-s | × floor | peak RSS ${a} → ${b} | growth |`, '|---|---|---|---|---|---|---|'];
    for (const m of live) {
      const [s0, s1] = [stat(m, 0), stat(m, 1)];
      // handler: its read path (GetObject stream + pipeline); every other mode: the child process's wall time
      const marg = m === 'handler' ? thr(files[1].plainBytes - files[0].plainBytes, (s1.innerMs ?? s1.wallMs) - (s0.innerMs ?? s0.wallMs)) : marginal(m);
      rows.push(
        `| ${names[m]} | ${marg.toFixed(0)} | ${(marg / gm).toFixed(2)} | ${marginalCpu(m).toFixed(0)} | ${(marginalCpu(m) / gc).toFixed(2)} | ${s0.peakRssMB.toFixed(0)} → ${s1.peakRssMB.toFixed(0)} MB | ${(((s1.peakRssMB - s0.peakRssMB) / s0.peakRssMB) * 100).toFixed(0)} % |`,
      );
    }
    return rows;
  }

  const resultFile = join(BENCH_DIR, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    resultFile,
    JSON.stringify({ scale, rounds, files, samples: Object.fromEntries(samples), failed: Object.fromEntries(failed), node: process.version }, null, 1),
  );
  console.error(`raw samples: ${resultFile}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
