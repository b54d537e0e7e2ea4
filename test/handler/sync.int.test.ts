// The Lambda's context-sync route end to end: fauxqs (S3, SNS → SQS) and dynalite (context, dedupe), real SDK clients.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../lambda/alerts/types';
import { TtlLruCache } from '../../lambda/stores/context-dynamodb/cache';
import { ContextTable } from '../support/context-table';
import { syncSecondaryObject } from '../../lambda/context/sync';
import { main } from '../../lambda/cli/main';
import { processObject } from '../../lambda/pipeline';
import type { ObjectRef, ObjectSource } from '../../lambda/ports';
import { loadRulePacks } from '../../lambda/packs/loader';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { createTable, drain, uniq } from '../support/aws';
import { AID, SID, aidmaster, doc, freshStore, gz, userinfo } from '../stores/fdr-helpers';
import { harness as sharedHarness, lambdaContext, s3Body as sharedS3Body, sqsEvent } from '../support/handler-harness';

const s3 = new S3Client({ forcePathStyle: true });
const rules = loadRulePacks();

const TENANT_AIDMASTER = 'acme/fdrv2/aidmaster/part-00000.gz';
const PARTITIONED_USERINFO = 'acme/fdrv2/userinfo/batch=20261119/year=2026/month=11/day=19/platform=Win/part-00000.c000.txt.gz';
const MANAGEDASSETS = 'fdrv2/managedassets/part-00000.gz';
const UNKNOWN = 'fdrv2/brandnew/part-00000.gz';
const NOTMANAGED = 'fdrv2/notmanaged/part-00000.gz';
const EVENTS = 'data/psexec-batch/part-00000.gz';

const psexec = {
  event_simpleName: 'ProcessRollup2',
  event_platform: 'Win',
  id: 'evt-psexec-sync-1',
  aid: AID,
  cid: 'c1',
  aip: '10.1.2.3',
  timestamp: '1795166104500',
  ImageFileName: '\\Device\\HarddiskVolume2\\Tools\\PsExec64.exe',
  CommandLine: 'PsExec64.exe \\\\srv01 -s cmd.exe',
  UserSid: SID,
  AuthenticationId: '101187',
  TargetProcessId: '4200000000000000001',
};

let bucket: string;

beforeAll(async () => {
  bucket = uniq('fdr');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const puts: [string, Uint8Array][] = [
    [TENANT_AIDMASTER, gz([aidmaster()])],
    [PARTITIONED_USERINFO, gz([userinfo()])],
    [MANAGEDASSETS, gz([{ aid: AID, LocalAddressIP4: '10.1.2.3' }])],
    [UNKNOWN, gz([{ anything: 'x' }])],
    [NOTMANAGED, gz([{ aip: '10.0.0.1' }])],
    [EVENTS, gz([psexec])],
  ];
  for (const [Key, Body] of puts) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
});

const s3Body = (key: string, size = 100) => sharedS3Body(bucket, key, size);

/** The handler with the context table `contextTable`; `wrapSource` wraps the S3 source (fault injection). */
async function harness(o: { contextTable: string; wrapSource?: (s: ObjectSource) => ObjectSource }) {
  const h = await sharedHarness({ contextTable: o.contextTable, wrap: (d) => (o.wrapSource ? { ...d, source: o.wrapSource(d.source) } : d) });
  return { ...h, infos: () => h.logs('info'), errors: () => h.logs('error').map((l) => l.msg) };
}

describe('handler: context sync route', () => {
  it('syncs tenant-prefixed and partitioned keys; acknowledges unknown subtypes, notmanaged and a missing object', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const h = await harness({ contextTable: table });
    const res = await h.handler(
      sqsEvent([s3Body(TENANT_AIDMASTER), s3Body(PARTITIONED_USERINFO), s3Body(MANAGEDASSETS), s3Body(UNKNOWN), s3Body(NOTMANAGED), s3Body('fdrv2/aidmaster/gone.gz')]),
      lambdaContext(),
    );
    expect(res).toEqual({ batchItemFailures: [] });
    const acks = h.infos().filter((l) => l.msg.startsWith('FDR secondary data acknowledged'));
    expect(acks.map((l) => l.msg)).toEqual([
      'FDR secondary data acknowledged (synced)',
      'FDR secondary data acknowledged (synced)',
      'FDR secondary data acknowledged (synced)',
      'FDR secondary data acknowledged (unknown fdrv2 subtype "brandnew")',
      'FDR secondary data acknowledged (notmanaged is not used as context)',
      'FDR secondary data acknowledged (synced)', // the missing object: logged as an error, counted, not retried
    ]);
    expect(acks[0].extra).toMatchObject({ subtype: 'aidmaster', records: 1, itemsWritten: 1, refsWritten: 1 });
    expect(acks[1].extra).toMatchObject({ subtype: 'userinfo', records: 1, itemsWritten: 1, refsWritten: 2 });
    expect(h.metric('ContextRecordsSynced').reduce((a, c) => a + c[1], 0)).toBe(3);
    expect(h.metric('ContextSyncErrors')).toEqual([['ContextSyncErrors', 1, expect.objectContaining({ kind: 'permanent-open' })]]);
    expect(h.errors().some((m) => m.startsWith('permanent read error in FDR secondary data'))).toBe(true);

    const store = new ContextTable({ tableName: table, client: doc(), cache: new TtlLruCache() });
    const snap = await store.lookup({ hosts: [{ ips: ['10.1.2.3'] }], users: [{ userName: 'CORP\\mallory' }] });
    expect(snap.host({ ips: ['10.1.2.3'] })).toMatchObject({ aid: AID, computerName: 'WKS-SYNC01' });
    expect(snap.user({ userName: 'CORP\\mallory' })).toMatchObject({ userSid: SID, accountType: 'Domain User' });
  });

  it('a transient read error fails the record; the retry syncs', async () => {
    const table = uniq('ctx');
    await createTable(table);
    let failures = 1;
    const h = await harness({
      contextTable: table,
      wrapSource: (s) => ({
        async open(ref: ObjectRef, signal?: AbortSignal) {
          if (failures-- > 0) throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
          return s.open(ref, signal);
        },
      }),
    });
    const ev = sqsEvent([s3Body(TENANT_AIDMASTER)]);
    expect(await h.handler(ev, lambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(h.metric('ContextSyncErrors')[0][2]).toMatchObject({ kind: 'transient-open' });
    expect(await h.handler(ev, lambdaContext())).toEqual({ batchItemFailures: [] });
    const store = new ContextTable({ tableName: table, client: doc(), cache: new TtlLruCache() });
    expect((await store.lookup({ hosts: [{ aid: AID }], users: [] })).host({ aid: AID })?.computerName).toBe('WKS-SYNC01');
  });

  it('a PsExec match with only aid + UserSid gets ComputerName and UserName from the synced table', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const h = await harness({ contextTable: table });
    expect(await h.handler(sqsEvent([s3Body(TENANT_AIDMASTER), s3Body(PARTITIONED_USERINFO)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await h.handler(sqsEvent([s3Body(EVENTS)]), lambdaContext())).toEqual({ batchItemFailures: [] });
    const alerts = (await drain(h.queueUrl, 1)).map((m) => JSON.parse(m.Body!) as AlertRecord);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      alert_type: 'PsExecExecution',
      aid: AID,
      UserSid: SID,
      ComputerName: 'WKS-SYNC01',
      UserName: 'CORP\\mallory',
      context: {
        names: { ComputerName: 'context', UserName: 'context' },
        host: { computerName: 'WKS-SYNC01', source: 'fdr:aidmaster' },
        user: { userName: 'CORP\\mallory', source: 'fdr:userinfo' },
      },
    });
  });
});

describe('suppression with synced FDR data', () => {
  it('by host tag, for a host known only through aidmaster + an operator tag added with `context put --name`', async () => {
    const store = await freshStore();
    const key = 'fdrv2/aidmaster/part-00000.gz';
    await syncSecondaryObject({ bucket: 'b', key }, new MemoryObjectSource(new Map([[key, gz([aidmaster({ ComputerName: 'MON-FDR01' })])]])), store);
    const out = new PassThrough();
    const err = new PassThrough();
    expect(await main(['context', 'put', 'host', '--name', 'MON-FDR01', '--tag', 'monitoring', '--table', store.tableName], { stdout: out, stderr: err })).toBe(0);

    const smb = {
      event_simpleName: 'NetworkConnectIP4',
      event_platform: 'Win',
      aid: AID,
      cid: 'c1',
      aip: '10.50.0.7',
      timestamp: '1795166104500',
      LocalAddressIP4: '10.50.0.7',
      RemoteAddressIP4: '10.0.7.40',
      RemotePort: '445',
      ConnectionDirection: '0',
      ContextProcessId: '4200000000000000009',
      ContextBaseFileName: 'zabbix_agentd.exe',
    };
    const ctx = new ContextTable({ tableName: store.tableName, client: doc(), cache: new TtlLruCache() });
    const r = await processObject({ bucket: 'b', key: 'data/x/part-00000.gz' }, { source: MemoryObjectSource.ndjson('data/x/part-00000.gz', [smb]), rules, context: ctx });
    expect(r.alerts).toEqual([]);
    expect(r.suppressed).toHaveLength(1);
    expect(r.suppressed[0]).toMatchObject({
      alert_type: 'SMB445Connection',
      ComputerName: 'MON-FDR01',
      suppressed: {
        reason: 'SMB from a monitoring, backup or scanner host',
        entry: { host: { aid: AID, computerName: 'MON-FDR01', tags: ['monitoring'], machineDomain: 'corp.example', source: 'operator+fdr:aidmaster' } },
      },
    });
    // Without the operator tag the same event alerts.
    await ctx.deleteEntry({ kind: 'host', computerName: 'MON-FDR01' });
    const again = await processObject(
      { bucket: 'b', key: 'data/x/part-00000.gz' },
      { source: MemoryObjectSource.ndjson('data/x/part-00000.gz', [smb]), rules, context: new ContextTable({ tableName: store.tableName, client: doc(), cache: new TtlLruCache() }) },
    );
    expect(again.alerts).toHaveLength(1);
    expect(again.alerts[0].ComputerName).toBe('MON-FDR01');
  });
});
