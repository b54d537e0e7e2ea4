/**
 * Preloaded (`--import`) into a black-box process by bench/run.ts: on exit, writes that process's peak RSS
 * and CPU time to the file named by BENCH_RSS_FILE. Touches nothing else.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    const ru = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssKiB: ru.maxRSS, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000 }));
  });
}
