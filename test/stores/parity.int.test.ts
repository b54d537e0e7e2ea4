// Replay names hosts and users exactly as the deployed pipeline does: the same fdrv2 files — out of order, with
// duplicate rows, a tie on Time, a record without Time, mixed-case MACs — through replay (the sync into memory) and
// through the Lambda handler (the sync into the context table on dynalite) give identical FDR entries, and an
// event replayed locally gets the same names as the alert the Lambda publishes for it.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandLocalInputs } from '../../lambda/cli/inputs';
import { syncSecondaryObject } from '../../lambda/context/sync';
import { FileObjectSource } from '../../lambda/sources/file';
import { MemoryFdrStore } from '../../lambda/stores/memory-fdr';
import { createTable, uniq } from '../support/aws';
import { runCli } from '../support/cli';
import { ContextTable } from '../support/context-table';
import { harness, lambdaContext, s3Body, sqsEvent } from '../support/handler-harness';

const AID = 'aaaa1111bbbb2222cccc3333dddd4444';
const AID2 = 'eeee5555ffff6666aaaa7777bbbb8888';
const SID = 'S-1-5-21-101-202-303-1500';
const line = (rs: object[]) => gzipSync(rs.map((r) => JSON.stringify(r)).join('\n') + '\n');

// Keys as FDR writes them; `order` is the order the Lambda receives them (not the order replay reads them).
const FILES: { key: string; body: Buffer }[] = [
  {
    key: 'fdrv2/aidmaster/part-00000.gz',
    body: line([
      { aid: AID, ComputerName: 'WKS-NEW', ProductType: '1.0', Time: '1795046400.000' },
      { aid: AID, ComputerName: 'WKS-NEW', ProductType: '1.0', Time: '1795046400.000' }, // duplicate row
      { aid: AID2, ComputerName: 'SRV-TIE-A', Time: '1795000000' }, // same Time as the row in part-00001: the hash decides
    ]),
  },
  {
    key: 'fdrv2/aidmaster/part-00001.gz',
    body: line([
      { aid: AID, ComputerName: 'WKS-OLD', Time: '1794000000.000' }, // older: loses, whatever the order
      { aid: AID2, ComputerName: 'SRV-TIE-B', Time: '1795000000' },
    ]),
  },
  // A record without Time: ordered by the key's partition date; no lastSeen.
  { key: 'fdrv2/aidmaster/batch=20261201/year=2026/month=12/day=01/platform=Win/part-00000.c000.txt.gz', body: line([{ aid: 'cccc0000cccc0000cccc0000cccc0000', ComputerName: 'NO-TIME' }]) },
  { key: 'fdrv2/managedassets/part-00000.gz', body: line([{ aid: AID, LocalAddressIP4: '10.9.8.7', MAC: 'AA-BB-CC-DD-EE-FF' }, { aid: AID, LocalAddressIP4: '10.9.8.6', MAC: 'aa-bb-cc-dd-ee-00' }]) },
  {
    key: 'fdrv2/userinfo/part-00000.gz',
    body: line([
      { UserSid_readable: SID, User: 'CORP\\new_name', AccountType: 'Domain User', Time: '1795046400' }, // newer first
      { UserSid_readable: SID, User: 'CORP\\old_name', AccountType: 'Domain User', Time: '1790000000' },
    ]),
  },
];
const LAMBDA_ORDER = [4, 1, 3, 0, 2];

const event = {
  event_simpleName: 'ProcessRollup2',
  id: 'parity-psexec-1',
  aid: AID,
  cid: 'c1',
  timestamp: '1795100000000',
  ImageFileName: '\\Device\\HarddiskVolume2\\Tools\\PsExec.exe',
  CommandLine: 'PsExec.exe \\\\10.0.0.1 cmd',
  UserSid: SID,
  TargetProcessId: '4300000000000000001',
};

let dir: string;
let bucket: string;
let table: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parity-'));
  bucket = uniq('parity');
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const f of [...FILES, { key: 'data/batch-1/part-00000.gz', body: line([event]) }]) {
    mkdirSync(dirname(join(dir, f.key)), { recursive: true });
    writeFileSync(join(dir, f.key), f.body);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: f.key, Body: f.body }));
  }
  table = uniq('ctx');
  await createTable(table);
});

describe('replay and the Lambda sync FDR context the same way', () => {
  it('identical entries: replay syncing the files on disk into memory, the Lambda syncing them (out of order) into dynalite', async () => {
    // Replay's path: the directory walk, then the sync of each secondary file into memory.
    const memory = new MemoryFdrStore();
    const inputs = await expandLocalInputs([dir]);
    for (const ref of inputs.secondary) await syncSecondaryObject(ref, new FileObjectSource(), memory);

    // The Lambda's path: S3 notifications in another order, through the handler, into the context table.
    const h = await harness({ contextTable: table });
    for (const i of LAMBDA_ORDER) {
      expect(await h.handler(sqsEvent([s3Body(bucket, FILES[i].key)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    }
    const lambda = await new ContextTable({ tableName: table }).exportAll({ fdr: true });

    expect(memory.entries()).toEqual(lambda);
    // What the comparison covers, spelled out.
    const host = lambda.hosts.find((x) => x.aid === AID)!;
    expect(host).toMatchObject({ computerName: 'WKS-NEW', ips: ['10.9.8.6', '10.9.8.7'], macs: ['aa-bb-cc-dd-ee-00', 'aa-bb-cc-dd-ee-ff'] });
    expect(lambda.hosts.find((x) => x.computerName === 'NO-TIME')).not.toHaveProperty('lastSeen');
    expect(lambda.users).toEqual([expect.objectContaining({ userSid: SID, userName: 'CORP\\new_name' })]);
    expect(['SRV-TIE-A', 'SRV-TIE-B']).toContain(lambda.hosts.find((x) => x.aid === AID2)!.computerName);
  });

  it('an event replayed from disk gets the names the Lambda publishes for it', async () => {
    const { code, out } = await runCli(['replay', dir, '--format', 'ndjson']);
    expect(code).toBe(0);
    const replayed = JSON.parse(out.trim());
    const h = await harness({ contextTable: table });
    expect(await h.handler(sqsEvent([s3Body(bucket, 'data/batch-1/part-00000.gz')]), lambdaContext())).toEqual({ batchItemFailures: [] });
    const [published] = await h.alerts(1);
    expect({ ComputerName: replayed.ComputerName, UserName: replayed.UserName }).toEqual({ ComputerName: 'WKS-NEW', UserName: 'CORP\\new_name' });
    expect({ ComputerName: published.alert.ComputerName, UserName: published.alert.UserName }).toEqual({ ComputerName: replayed.ComputerName, UserName: replayed.UserName });
    expect(published.alert.context.host).toEqual(replayed.context.host);
    expect(published.alert.context.user).toEqual(replayed.context.user);
  });
});
