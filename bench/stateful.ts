/**
 * Rule packs and state (`npm run bench`, after the throughput table; alone: `tsx bench/stateful.ts`):
 * - throughput of the pipeline on the small bench input with one rule, the shipped packs, and the shipped packs
 *   plus the stateful test pack (throttles, aggregates, a shadow rule): one pass over the lines whatever the number
 *   of rules (the prefilters of all rules merge); alternated over rounds, medians, in this process;
 * - DynamoDB requests per object for the state (throttle slots, aggregate windows) with the real DynamoDB store
 *   against dynalite, for objects of growing size: per object (per touched group and slot), not per event.
 * Sizes scale with BENCH_SCALE.
 */
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StaticContextStore } from '../lambda/context/file';
import { policyOf } from '../lambda/context/policy';
import { defaultPackDirs, loadRulePacks } from '../lambda/packs/loader';
import { processObject } from '../lambda/pipeline';
import type { LoadedRule } from '../lambda/rules/rule';
import { FileObjectSource, MemoryObjectSource } from '../lambda/sources/file';
import { applyState } from '../lambda/stateful/index';
import { benchScale, ensureBenchFiles } from './generate';

const ROOT = resolve(process.cwd());
const TEST_PACK = join(ROOT, 'test', 'fixtures', 'packs', 'stateful');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function throughput(path: string, rules: LoadedRule[]): Promise<{ mbps: number; alerts: number }> {
  const t0 = performance.now();
  const r = await processObject({ bucket: null, key: path }, { source: new FileObjectSource(), rules, context: new StaticContextStore() });
  const s = (performance.now() - t0) / 1000;
  return { mbps: r.stats.bytesOut / 1e6 / s, alerts: r.alerts.length + r.aggregates.reduce((n, a) => n + a.events, 0) };
}

async function ruleSets(scale: number): Promise<string[]> {
  const [small] = ensureBenchFiles(scale);
  const shipped = loadRulePacks(defaultPackDirs());
  const sets: [string, LoadedRule[]][] = [
    [`one rule (${shipped[0].meta.id})`, [shipped[0]]],
    [`shipped packs (${shipped.length} rules)`, shipped],
    [`shipped + stateful test pack (${shipped.length + loadRulePacks([TEST_PACK]).length} rules)`, [...shipped, ...loadRulePacks([TEST_PACK])]],
  ];
  const rounds = 3;
  for (const [, rules] of sets) await throughput(small.path, rules); // warm-up: JIT, page cache
  const mbps = sets.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, rules]] of sets.entries()) mbps[i].push((await throughput(small.path, rules)).mbps);
  }
  const base = median(mbps[0]);
  const out = [`rule packs: pipeline throughput on ${(small.plainBytes / 1e6).toFixed(0)} MB (median of ${rounds}, alternated)`];
  out.push('| rules | MB/s | vs one rule |', '|---|---|---|');
  sets.forEach(([name], i) => out.push(`| ${name} | ${median(mbps[i]).toFixed(1)} | ${(median(mbps[i]) / base).toFixed(2)} |`));
  return out;
}

/** An object of `n` events: 445 fan-out from a few processes on a few hosts, PsExec launches, background. */
function stateObject(n: number, seed: number): object[] {
  const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
  const out: object[] = [];
  for (let i = 0; i < n; i++) {
    const aid = `${(seed % 7).toString(16)}${String(i % 40).padStart(31, '0')}`;
    const ts = String(T0 + i * 25);
    if (i % 10 === 0) {
      out.push({ event_simpleName: 'ProcessRollup2', aid, timestamp: ts, ImageFileName: '\\Device\\HarddiskVolume3\\Tools\\PsExec.exe', CommandLine: 'PsExec.exe \\\\10.0.7.40 -s cmd.exe', TargetProcessId: String(9e18 + i), id: `p${seed}-${i}` });
    } else {
      out.push({
        event_simpleName: 'NetworkConnectIP4',
        aid,
        timestamp: ts,
        ContextProcessId: String(100 + (i % 3)),
        RemoteAddressIP4: `10.${seed & 255}.${(i >> 8) & 255}.${i & 255}`,
        RemotePort: '445',
        LocalAddressIP4: '10.0.0.9',
        id: `n${seed}-${i}`,
      });
    }
  }
  return out;
}

async function stateRequests(scale: number): Promise<string[]> {
  const { startLocalServers } = await import('../lambda/local/servers');
  const servers = await startLocalServers();
  Object.assign(process.env, servers.env);
  try {
    const { dynamoClient } = await import('../lambda/aws/clients');
    const { createPkSkTable } = await import('../lambda/local/resources');
    const { DynamoStateStore } = await import('../lambda/stores/state-dynamodb');
    const table = `bench-state-${Date.now()}`;
    await createPkSkTable(dynamoClient(), table);
    const store = new DynamoStateStore({ tableName: table });
    const rules = loadRulePacks([TEST_PACK]);
    const policy = policyOf(rules);
    const context = new StaticContextStore();
    const out = ['state: DynamoDB requests per object (real DynamoDB store on dynalite; stateful test pack)'];
    out.push('| events in object | groups touched | throttle keys | requests | requests per 1000 events |', '|---|---|---|---|---|');
    let seed = 1;
    for (const n of [1_000, 10_000, Math.round(100_000 * Math.max(scale, 0.1))]) {
      const key = `data/bench-${n}.gz`;
      const source = new MemoryObjectSource(new Map([[key, gzipSync(stateObject(n, seed++).map((e) => JSON.stringify(e)).join('\n') + '\n')]]));
      const r = await processObject({ bucket: 'b', key }, { source, rules, context, policy });
      const before = store.requests();
      await applyState(r, { store, context, policy });
      const requests = store.requests() - before;
      const groups = r.aggregates.reduce((g, a) => g + a.groups.size, 0);
      const keys = new Set(r.alerts.filter((a) => a.throttle).map((a) => a.throttle!.key)).size;
      out.push(`| ${n} | ${groups} | ${keys} | ${requests} | ${((requests / n) * 1000).toFixed(1)} |`);
    }
    return out;
  } finally {
    await servers.stop();
  }
}

export async function runStateful(scale = benchScale()): Promise<string[]> {
  return [...(await ruleSets(scale)), '', ...(await stateRequests(scale))];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await runStateful()) console.log(line);
}
