/**
 * Preloaded (`--import`) into a black-box process by bench/run.ts: on exit, writes that process's peak RSS
 * to the file named by BENCH_RSS_FILE. Touches nothing else.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    writeFileSync(out, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
  });
}
