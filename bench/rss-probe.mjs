/**
 * Preloaded (`--import`) into a black-box process by bench/run.ts and bench/adversarial.ts (plain JavaScript, so
 * that the compiled CLI runs without a TypeScript loader): on exit, writes that process's peak RSS and CPU time to
 * the file named by BENCH_RSS_FILE, with the main thread's own CPU time where the system shows threads (Linux
 * `/proc/self/task`): replay inflates on libuv's threads, so only the main thread's share says how much of the
 * per-line work stands between replay and the gunzip floor. Touches nothing else.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** The main thread's user + system CPU in ms (its task id is the process id), or undefined where not shown. */
function mainThreadCpuMs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in ticks.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

const out = process.env.BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    const ru = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssKiB: ru.maxRSS, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000, mainCpuMs: mainThreadCpuMs() }));
  });
}
