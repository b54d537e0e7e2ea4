/**
 * One benchmark measurement, run in its own process by bench/run.ts (so that maxRSS is this mode's alone).
 *   tsx bench/child.ts <gunzip|split|decode|naive> FILE
 * Prints one JSON line: { mode, bytesOut, events, innerMs, maxRssKiB, cpuMs }.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { decodeEvents } from '../lambda/fdr/decode';
import { loadRulePacks, packDirsFrom } from '../lambda/packs/loader';
import { candidateEventTypes } from '../lambda/pipeline';

/** The event types the shipped rules (and their identity/context joins) need. */
export const BENCH_EVENT_TYPES = [
  'ProcessRollup2',
  'SyntheticProcessRollup2',
  'NetworkConnectIP4',
  'UserIdentity',
  'UserLogon',
  'AgentOnline',
];

const CHUNK = 256 * 1024;
/**
 * Every mode reads the file in 1 MiB pieces, as replay's file source does: gunzip fed 64 KiB pieces (Node's default)
 * took 1.04 s for the 400 MB input against 0.83 s with 1 MiB ones (medians of 8): a floor that slow is no floor.
 */
const READ = { highWaterMark: 1024 * 1024 };

async function gunzipOnly(file: string): Promise<{ bytesOut: number; events: number }> {
  let bytesOut = 0;
  for await (const c of createReadStream(file, READ).pipe(createGunzip({ chunkSize: CHUNK }))) bytesOut += (c as Buffer).length;
  return { bytesOut, events: 0 };
}

async function decode(file: string, eventTypes: readonly string[] = BENCH_EVENT_TYPES): Promise<{ bytesOut: number; events: number; stats: unknown }> {
  const { events, stats } = decodeEvents(createReadStream(file, READ), { eventTypes });
  let n = 0;
  for await (const batch of events) n += batch.length;
  if (stats.error) throw new Error(`decode error: ${stats.error.stage} ${stats.error.message}`);
  return { bytesOut: stats.bytesOut, events: n, stats: { lines: stats.lines, candidates: stats.candidates, falseHits: stats.prefilterFalseHits ?? 0 } };
}

async function naive(file: string): Promise<{ bytesOut: number; events: number }> {
  const rl = createInterface({ input: createReadStream(file, READ).pipe(createGunzip({ chunkSize: CHUNK })), crlfDelay: Infinity });
  let bytesOut = 0;
  let events = 0;
  const types = new Set(BENCH_EVENT_TYPES);
  for await (const line of rl) {
    bytesOut += Buffer.byteLength(line) + 1;
    if (line.length === 0) continue;
    const e = JSON.parse(line) as Record<string, unknown>;
    if (types.has(e.event_simpleName as string)) events++;
  }
  return { bytesOut, events };
}

const [mode, file] = process.argv.slice(2);
/** `decode` parses what the rule packs (BENCH_RULES, a comma list; default: the shipped packs) ask for. */
const ruleTypes = (): string[] => candidateEventTypes(loadRulePacks(packDirsFrom(process.env.BENCH_RULES, process.cwd()))) ?? BENCH_EVENT_TYPES;
const fns: Record<string, (f: string) => Promise<{ bytesOut: number; events: number }>> = {
  gunzip: gunzipOnly,
  // the decoder's own cost: gunzip, line splitting and the prefilter scan, with no line kept (nothing parsed)
  split: (f) => decode(f, []),
  decode: (f) => decode(f, ruleTypes()),
  naive,
};
const fn = fns[mode];
if (!fn || !file) {
  console.error('usage: tsx bench/child.ts <gunzip|split|decode|naive> FILE');
  process.exit(2);
}
const t0 = performance.now();
const r = await fn(file);
const innerMs = performance.now() - t0;
const ru = process.resourceUsage();
console.log(JSON.stringify({ mode, ...r, innerMs, maxRssKiB: ru.maxRSS, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000 }));
