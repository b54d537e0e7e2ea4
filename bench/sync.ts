/**
 * Cost of the context sync: an aidmaster file of N hosts (default 100 000, generated in memory, never written to the
 * repository) synced into a fresh context table on dynalite (started in-process), then the same file again, then a
 * newer file (every host's Time advanced: what a periodic aidmaster delivery looks like).
 *
 *   npx tsx bench/sync.ts [--hosts N] [--concurrency C] [--json]
 *
 * Reports per run: DynamoDB requests by operation (counted in the SDK middleware, one per command sent; SDK
 * retries not included), items written, seconds, records/s, and the write units those writes would cost on
 * DynamoDB on-demand (1 WRU per item write ≤ 1 KB; a refused conditional write is billed too, the sync avoids
 * them by reading first) plus the read units of the pre-read (0.5 RRU per eventually consistent item ≤ 4 KB).
 */
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalServers } from '../lambda/local/servers';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.hosts);
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(N) || N <= 0) throw new Error('--hosts must be a positive integer');

const WRU_PRICE = 1.25 / 1e6; // on-demand, us-east-1, per write request unit
const RRU_PRICE = 0.25 / 1e6; // on-demand, us-east-1, per read request unit

function aidmasterFile(n: number, time: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const aid = i.toString(16).padStart(32, '0');
    lines.push(
      JSON.stringify({
        aid,
        cid: '3f9a0c1d2e4b4a6f8c0d1e2f3a4b5c6d',
        ComputerName: `WKS-${String(i).padStart(6, '0')}`,
        MachineDomain: 'corp.example',
        OU: i % 10 === 0 ? 'Servers' : 'Computers',
        SiteName: ['HQ', 'BRANCH-1', 'BRANCH-2'][i % 3],
        ProductType: i % 10 === 0 ? '3.0' : '1.0',
        AgentVersion: '7.18.18902.0',
        Time: String(time + (i % 3600)),
        event_platform: 'Win',
        aip: `203.0.113.${i % 250}`,
        FirstSeen: '1760000000.000',
        SystemManufacturer: 'Dell Inc.',
        SystemProductName: 'Latitude 7440',
        OSVersion: 'Windows 11',
      }),
    );
  }
  return gzipSync(Buffer.from(lines.join('\n') + '\n'));
}

async function bench(): Promise<void> {
  const servers = await startLocalServers();
  Object.assign(process.env, servers.env);
  // Modules that build SDK clients are imported after the environment points at the local servers.
  const { createPkSkTable } = await import('../lambda/local/resources');
  const { DynamoFdrWriter } = await import('../lambda/stores/context-dynamodb/fdr-writer');
  const { syncSecondaryObject } = await import('../lambda/context/sync');
  const { MemoryObjectSource } = await import('../lambda/sources/file');
  const { documentClient } = await import('../lambda/aws/clients');

  const client = new DynamoDBClient({});
  const requests = new Map<string, number>();
  client.middlewareStack.add(
    (next, ctx) => async (args) => {
      const name = (ctx as { commandName?: string }).commandName ?? '?';
      requests.set(name, (requests.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const table = `bench-sync-${Date.now().toString(36)}`;
  await createPkSkTable(client, table);
  requests.clear();
  const store = new DynamoFdrWriter({ tableName: table, client: documentClient(client), cache: null, concurrency: CONCURRENCY });

  const t0 = 1795046400;
  const files = {
    'fdrv2/aidmaster/part-00000.gz': aidmasterFile(N, t0),
    'fdrv2/aidmaster/part-00001.gz': aidmasterFile(N, t0 + 86_400),
  };
  const source = new MemoryObjectSource(new Map(Object.entries(files)));
  const runs: Record<string, unknown>[] = [];
  for (const [label, key] of [
    ['first sync (empty table)', 'fdrv2/aidmaster/part-00000.gz'],
    ['same file again', 'fdrv2/aidmaster/part-00000.gz'],
    ['newer file (every Time +1 day)', 'fdrv2/aidmaster/part-00001.gz'],
  ] as const) {
    requests.clear();
    const started = process.hrtime.bigint();
    const r = await syncSecondaryObject({ bucket: 'bench', key }, source, store);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.error) throw new Error(`${label}: ${r.error.message}`);
    const writes = requests.get('UpdateItemCommand') ?? 0;
    const batchGets = requests.get('BatchGetItemCommand') ?? 0;
    const wru = writes; // every item written here is < 1 KB (see itemBytes below)
    const rru = r.keys * 0.5; // pre-read: one eventually consistent read per key
    runs.push({
      run: label,
      records: r.records,
      keys: r.keys,
      itemsWritten: r.write.items,
      indexItemsWritten: r.write.refs,
      unchanged: r.write.unchanged,
      writeRequests: writes,
      batchGetRequests: batchGets,
      seconds: Number(seconds.toFixed(1)),
      recordsPerSecond: Math.round(r.records / seconds),
      wru,
      rru,
      usd: Number((wru * WRU_PRICE + rru * RRU_PRICE).toFixed(4)),
    });
  }

  // The size DynamoDB bills for one FDR item and one index item (attribute names + values).
  const { GetCommand: sample } = await import('@aws-sdk/lib-dynamodb');
  const doc = documentClient(client);
  const fdrItem = (await doc.send(new sample({ TableName: table, Key: { pk: `HOST#AID#${'0'.repeat(31)}1`, sk: 'FDR' } }))).Item!;
  const refItem = (await doc.send(new sample({ TableName: table, Key: { pk: 'HOST#NAME#wks-000001', sk: 'REF' } }))).Item!;
  // DynamoDB item size rules, roughly: names + UTF-8 strings, numbers ≤ 21 B, 3 B per map/list + 1 B per element.
  const valueSize = (v: unknown): number => {
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (typeof v === 'number') return Math.ceil(String(v).length / 2) + 1;
    if (typeof v === 'boolean' || v === null) return 1;
    if (v instanceof Set) return [...v].reduce((a: number, x) => a + valueSize(x), 0);
    if (Array.isArray(v)) return 3 + v.reduce((a: number, x) => a + 1 + valueSize(x), 0);
    if (typeof v === 'object') return 3 + Object.entries(v as object).reduce((a, [k, x]) => a + 1 + Buffer.byteLength(k) + valueSize(x), 0);
    return 0;
  };
  const size = (it: Record<string, unknown>) => Object.entries(it).reduce((a, [k, v]) => a + Buffer.byteLength(k) + valueSize(v), 0);
  const itemBytes = { fdr: size(fdrItem), ref: size(refItem) };

  const report = { hosts: N, concurrency: CONCURRENCY, gzipBytes: files['fdrv2/aidmaster/part-00000.gz'].length, itemBytesApprox: itemBytes, runs };
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    process.stdout.write(`context sync: ${N} hosts, aidmaster ${(report.gzipBytes / 1e6).toFixed(1)} MB gzip, concurrency ${CONCURRENCY}, dynalite\n`);
    process.stdout.write(`approx. item sizes: FDR item ${itemBytes.fdr} B, index item ${itemBytes.ref} B (≤ 1 KB: 1 WRU per write)\n`);
    for (const r of runs) {
      process.stdout.write(
        `${String(r.run).padEnd(32)} ${r.records} records, ${r.itemsWritten} items + ${r.indexItemsWritten} index items written, ` +
          `${r.unchanged} unchanged; ${r.writeRequests} UpdateItem + ${r.batchGetRequests} BatchGetItem; ${r.seconds} s, ` +
          `${r.recordsPerSecond} records/s; on-demand: ${r.wru} WRU + ${r.rru} RRU ≈ $${r.usd}\n`,
      );
    }
  }
  await servers.stop();
}

await bench();
