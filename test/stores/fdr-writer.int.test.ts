// syncSecondaryObject into DynamoContextStore (dynalite): latest Time wins in any order, operator data untouched,
// re-sync is a no-op, corrupt lines skipped and counted, lookups merge FDR items with operator entries.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { FDR } from '../../lambda/stores/context-dynamodb/keys';
import { entryHash, FdrCollector, keyTimeMs, syncSecondaryObject } from '../../lambda/context/sync';
import { AID, AID2, SID, aidmaster, doc, freshStore, gz, ndjson, scanAll, source, userinfo } from './fdr-helpers';

const K_OLD = 'fdrv2/aidmaster/part-00000.gz';
const K_NEW = 'tenant/fdrv2/aidmaster/part-00001.gz';
const OLD = aidmaster({ ComputerName: 'WKS-OLDNAME', Time: '1795000000.000', AgentVersion: '7.10.0.0' });
const NEW = aidmaster({ ComputerName: 'WKS-SYNC01', Time: '1795046400.000' });

describe('context sync: aidmaster', () => {
  it.each([
    ['newer file first', [K_NEW, K_OLD]],
    ['older file first', [K_OLD, K_NEW]],
  ])('the record with the latest Time wins (%s)', async (_name, order) => {
    const store = await freshStore();
    const src = source({ [K_OLD]: gz([OLD]), [K_NEW]: gz([NEW]) });
    for (const key of order) {
      const r = await syncSecondaryObject({ bucket: 'b', key }, src, store);
      expect(r).toMatchObject({ status: 'synced', subtype: 'aidmaster', records: 1 });
      expect(r.error).toBeUndefined();
    }
    const snap = await store.lookup({ hosts: [{ aid: AID.toUpperCase() }], users: [] });
    expect(snap.host({ aid: AID })).toMatchObject({
      aid: AID,
      computerName: 'WKS-SYNC01',
      machineDomain: 'corp.example',
      ou: 'Computers',
      siteName: 'HQ',
      productType: 'workstation',
      agentVersion: '7.18.18902.0',
      lastSeen: new Date(1795046400000).toISOString(),
      source: 'fdr:aidmaster',
    });
    // The current name finds the host; the old one was never (newer first) or is no longer (older first) carried.
    expect((await store.lookup({ hosts: [{ computerName: 'wks-sync01' }], users: [] })).host({ computerName: 'wks-sync01' })?.aid).toBe(AID);
    expect((await store.lookup({ hosts: [{ computerName: 'WKS-OLDNAME' }], users: [] })).host({ computerName: 'WKS-OLDNAME' })).toBeNull();
  });

  it('within one file, duplicates collapse to the latest Time before anything is written', async () => {
    const store = await freshStore();
    const r = await syncSecondaryObject(
      { bucket: 'b', key: K_NEW },
      source({ [K_NEW]: gz([NEW, OLD, aidmaster({ aid: AID2, ComputerName: 'WKS-TWO' })]) }),
      store,
    );
    expect(r).toMatchObject({ records: 3, keys: 2, write: { items: 2, refs: 2, unchanged: 0 } });
    const snap = await store.lookup({ hosts: [{ aid: AID }, { aid: AID2 }], users: [] });
    expect(snap.host({ aid: AID })?.computerName).toBe('WKS-SYNC01');
    expect(snap.host({ aid: AID2 })?.computerName).toBe('WKS-TWO');
  });

  it('equal Time with other content resolves the same way whichever file comes first', async () => {
    const a = aidmaster({ SiteName: 'HQ' });
    const b = aidmaster({ SiteName: 'BRANCH' });
    const sites: string[] = [];
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const store = await freshStore();
      for (const [i, rec] of order.entries()) {
        await syncSecondaryObject({ bucket: 'b', key: `fdrv2/aidmaster/p${i}.gz` }, source({ [`fdrv2/aidmaster/p${i}.gz`]: gz([rec]) }), store);
      }
      sites.push((await store.lookup({ hosts: [{ aid: AID }], users: [] })).host({ aid: AID })!.siteName!);
    }
    expect(sites[0]).toBe(sites[1]);
  });

  it('operator fields survive a sync and win on lookup; the operator item is never written', async () => {
    const store = await freshStore();
    await store.putEntries({ hosts: [{ aid: AID, computerName: 'OPERATOR-NAME', tags: ['it-admin'], owner: 'it-ops', reason: 'jump host', expiresAt: '2030-01-01T00:00:00Z' }] });
    const get = (sk: string) => doc().send(new GetCommand({ TableName: store.tableName, Key: { pk: `HOST#AID#${AID}`, sk } }));
    const before = (await get('ENTRY')).Item;
    await syncSecondaryObject({ bucket: 'b', key: K_NEW }, source({ [K_NEW]: gz([NEW]) }), store);
    expect((await get('ENTRY')).Item).toEqual(before);
    expect((await get(FDR)).Item).toMatchObject({ kind: 'host', fdrTime: 1795046400000, entry: { computerName: 'WKS-SYNC01', source: 'fdr:aidmaster' } });
    const host = (await store.lookup({ hosts: [{ aid: AID }], users: [] })).host({ aid: AID });
    expect(host).toMatchObject({
      computerName: 'OPERATOR-NAME', // the operator's field wins
      tags: ['it-admin'],
      owner: 'it-ops',
      reason: 'jump host',
      expiresAt: '2030-01-01T00:00:00Z',
      machineDomain: 'corp.example', // FDR fields fill the rest
      agentVersion: '7.18.18902.0',
      source: 'operator+fdr:aidmaster',
    });
    // export/import stay operator-only
    expect((await store.exportAll()).hosts).toEqual([before!.entry]);
    expect((await store.exportAll({ fdr: true })).hosts).toMatchObject([{ aid: AID, computerName: 'WKS-SYNC01' }]);
    // Operator re-imports leave the FDR item and the references it needs alone: the operator entry takes the FDR
    // name, then drops it again (putEntries removes the old version's references, except those FDR still carries).
    await store.putEntries({ hosts: [{ aid: AID, computerName: 'WKS-SYNC01', tags: ['it-admin'] }] });
    await store.putEntries({ hosts: [{ aid: AID, tags: ['it-admin'] }] });
    expect((await get(FDR)).Item?.entry).toMatchObject({ computerName: 'WKS-SYNC01' });
    expect((await store.lookup({ hosts: [{ computerName: 'WKS-SYNC01' }], users: [] })).host({ computerName: 'WKS-SYNC01' })).toMatchObject({
      aid: AID,
      source: 'fdr:aidmaster',
    });
    expect((await store.lookup({ hosts: [{ aid: AID }], users: [] })).host({ aid: AID })).toMatchObject({
      computerName: 'WKS-SYNC01',
      tags: ['it-admin'],
    });
    // deleting the operator entry keeps the FDR item reachable by its name
    await store.deleteEntry({ kind: 'host', aid: AID });
    expect((await get('ENTRY')).Item).toBeUndefined();
    expect((await store.lookup({ hosts: [{ computerName: 'WKS-SYNC01' }], users: [] })).host({ computerName: 'WKS-SYNC01' })).toMatchObject({
      aid: AID,
      source: 'fdr:aidmaster',
    });
  });

  it('re-syncing the same file changes nothing and sends no writes', async () => {
    const store = await freshStore();
    const objects = {
      [K_NEW]: gz([NEW, aidmaster({ aid: AID2, ComputerName: 'WKS-TWO' })]),
      'fdrv2/managedassets/part-00000.gz': gz([{ aid: AID, LocalAddressIP4: '10.1.2.3', MAC: '00-11-22-33-44-55' }]),
      'fdrv2/userinfo/part-00000.gz': gz([userinfo()]),
    };
    const src = source(objects);
    for (const key of Object.keys(objects)) await syncSecondaryObject({ bucket: 'b', key }, src, store);
    const before = await scanAll(store.tableName);
    for (const key of Object.keys(objects)) {
      const r = await syncSecondaryObject({ bucket: 'b', key }, src, store);
      expect(r.write).toMatchObject({ items: 0, refs: 0, stale: 0, writeRequests: 0 });
      expect(r.write.unchanged).toBe(r.keys);
    }
    expect(await scanAll(store.tableName)).toEqual(before);
  });

  it('an older file after a newer one writes nothing', async () => {
    const store = await freshStore();
    const src = source({ [K_OLD]: gz([OLD]), [K_NEW]: gz([NEW]) });
    await syncSecondaryObject({ bucket: 'b', key: K_NEW }, src, store);
    const before = await scanAll(store.tableName);
    const r = await syncSecondaryObject({ bucket: 'b', key: K_OLD }, src, store);
    expect(r.write).toMatchObject({ items: 0, refs: 0, unchanged: 1, writeRequests: 0 });
    expect(await scanAll(store.tableName)).toEqual(before);
  });

  it('concurrent syncs of two versions of a host: the conditional write keeps the newer one', async () => {
    const store = await freshStore();
    const mk = (rec: object) => {
      const c = new FdrCollector();
      c.add('aidmaster', rec as Record<string, unknown>);
      return c.drain();
    };
    await Promise.all([store.applyFdr(mk(OLD)), store.applyFdr(mk(NEW)), store.applyFdr(mk(OLD))]);
    expect((await store.lookup({ hosts: [{ aid: AID }], users: [] })).host({ aid: AID })?.computerName).toBe('WKS-SYNC01');
  });

  it('a corrupt line is skipped and counted; the rest syncs', async () => {
    const store = await freshStore();
    const body = gz([NEW], '{"aid": "broken", \n[1,2]\n' + JSON.stringify(aidmaster({ aid: AID2, ComputerName: 'WKS-TWO' })) + '\n');
    const r = await syncSecondaryObject({ bucket: 'b', key: K_NEW }, source({ [K_NEW]: body }), store);
    expect(r).toMatchObject({ status: 'synced', records: 2, linesSkipped: 2, skipped: { 'invalid-json': 1, 'not-object': 1 } });
    expect(r.error).toBeUndefined();
    const snap = await store.lookup({ hosts: [{ aid: AID }, { aid: AID2 }], users: [] });
    expect(snap.host({ aid: AID2 })?.computerName).toBe('WKS-TWO');
  });

  it('a truncated gzip is a permanent error; the readable part is synced', async () => {
    const store = await freshStore();
    const many = Array.from({ length: 600 }, (_, i) => aidmaster({ aid: `aid-${i}`, ComputerName: `H${i}`, Junk: Math.random().toString(36).repeat(40) }));
    const full = gz(many);
    const r = await syncSecondaryObject({ bucket: 'b', key: K_NEW }, source({ [K_NEW]: full.subarray(0, Math.floor(full.length / 2)) }), store);
    expect(r.error).toMatchObject({ kind: 'permanent', stage: 'gzip' });
    expect(r.status).toBe('synced');
    expect(r.write.items).toBeGreaterThan(0);
    expect(r.write.items).toBe(r.records);
  });

  it('a missing object is a permanent open error; a store outage is transient', async () => {
    const store = await freshStore();
    const missing = await syncSecondaryObject({ bucket: 'b', key: K_NEW }, source({}), store);
    expect(missing.error).toMatchObject({ kind: 'permanent', stage: 'open' });
    const broken = { applyFdr: async () => Promise.reject(Object.assign(new Error('boom'), { name: 'ServiceUnavailable' })) };
    const r = await syncSecondaryObject({ bucket: 'b', key: K_NEW }, source({ [K_NEW]: gz([NEW]) }), broken);
    expect(r).toMatchObject({ status: 'error', error: { kind: 'transient', stage: 'write' } });
  });

  it('an aborted sync (time budget) is transient; what it wrote stays and the retry skips it', async () => {
    const store = await freshStore();
    const recs = Array.from({ length: 30 }, (_, i) => aidmaster({ aid: `aid-${i}`, ComputerName: `H${i}` }));
    const ac = new AbortController();
    ac.abort(new Error('time budget exhausted'));
    const src = source({ [K_NEW]: gz(recs) });
    const r = await syncSecondaryObject({ bucket: 'b', key: K_NEW }, src, store, { signal: ac.signal });
    expect(r).toMatchObject({ status: 'error', error: { kind: 'transient' } });
    const c = new FdrCollector();
    recs.forEach((x) => c.add('aidmaster', x));
    await expect(store.applyFdr(c.drain(), { signal: ac.signal })).rejects.toThrow(/sync stopped after 0 of 30 keys/);
    const retry = await syncSecondaryObject({ bucket: 'b', key: K_NEW }, src, store);
    expect(retry.write).toMatchObject({ items: 30, unchanged: 0 });
  });

  it('flushes every maxPendingKeys distinct keys (bounded memory)', async () => {
    const store = await freshStore();
    const recs = Array.from({ length: 25 }, (_, i) => aidmaster({ aid: `aid-${i}`, ComputerName: `H${i}` }));
    const calls: number[] = [];
    const spy = { applyFdr: async (b: Parameters<typeof store.applyFdr>[0]) => (calls.push(b.hosts.length), store.applyFdr(b)) };
    // One chunk per line: the decoder hands over records as they arrive.
    const lines = ndjson(recs).toString().split(/(?<=\n)/).map((l) => Buffer.from(l));
    const chunked = { open: async () => (async function* () { yield* lines; })() };
    const r = await syncSecondaryObject({ bucket: 'b', key: K_NEW }, chunked, spy, { maxPendingKeys: 10 });
    expect(r.write.items).toBe(25);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(25);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...calls)).toBeLessThan(25);
  });

  it('notmanaged, appinfo, unknown subtypes and non-fdrv2 keys are skipped', async () => {
    const store = await freshStore();
    const src = source({});
    for (const key of ['fdrv2/notmanaged/p.gz', 'fdrv2/appinfo/p.gz', 'fdrv2/newthing/p.gz', 'data/x/p.gz']) {
      expect((await syncSecondaryObject({ bucket: 'b', key }, src, store)).status).toBe('skipped');
    }
  });
});

describe('context sync: managedassets and userinfo', () => {
  it('managedassets gives the host its IPs and MACs (host-by-IP works) and unions them', async () => {
    const store = await freshStore();
    const src = source({
      [K_NEW]: gz([NEW]),
      'fdrv2/managedassets/a.gz': gz([{ aid: AID, LocalAddressIP4: '10.1.2.3', MAC: '00-11-22-33-44-55' }]),
      'fdrv2/managedassets/b.gz': gz([{ aid: AID, LocalAddressIP4: '10.1.2.4' }, { aid: 'no-ips-here' }]),
    });
    for (const key of ['fdrv2/managedassets/a.gz', K_NEW, 'fdrv2/managedassets/b.gz']) await syncSecondaryObject({ bucket: 'b', key }, src, store);
    const q = { ips: ['10.1.2.4'] };
    expect((await store.lookup({ hosts: [q], users: [] })).host(q)).toMatchObject({
      aid: AID,
      computerName: 'WKS-SYNC01',
      ips: ['10.1.2.3', '10.1.2.4'],
      macs: ['00-11-22-33-44-55'],
    });
  });

  it('a host known only through managedassets is found by IP', async () => {
    const store = await freshStore();
    const key = 'fdrv2/managedassets/a.gz';
    await syncSecondaryObject({ bucket: 'b', key }, source({ [key]: gz([{ aid: AID2, LocalAddressIP4: '10.9.9.9' }]) }), store);
    const q = { ips: ['10.9.9.9'] };
    expect((await store.lookup({ hosts: [q], users: [] })).host(q)).toMatchObject({ aid: AID2, source: 'fdr:managedassets' });
  });

  it('userinfo: user by SID and by name; operator tags on the same SID survive and merge', async () => {
    const store = await freshStore();
    await store.putEntries({ users: [{ userSid: SID, tags: ['psexec-sanctioned'], owner: 'it-ops' }] });
    const key = 'fdrv2/userinfo/batch=20261119/year=2026/month=11/day=19/platform=Win/part-00000.c000.txt.gz';
    const r = await syncSecondaryObject({ bucket: 'b', key }, source({ [key]: gz([userinfo()]) }), store);
    expect(r.write).toMatchObject({ items: 1, refs: 2 }); // USER#NAME#corp\mallory, USER#BARE#mallory
    const snap = await store.lookup({ hosts: [], users: [{ userSid: SID.toLowerCase() }, { userName: 'corp\\MALLORY' }, { userName: 'mallory' }] });
    for (const q of [{ userSid: SID }, { userName: 'corp\\MALLORY' }, { userName: 'mallory' }]) {
      expect(snap.user(q)).toMatchObject({
        userSid: SID,
        userName: 'CORP\\mallory',
        accountType: 'Domain User',
        localAdminAccess: 'No',
        lastLoggedOnHost: 'WKS-SYNC01',
        tags: ['psexec-sanctioned'],
        owner: 'it-ops',
      });
    }
  });

  it('userinfo without a Time is ordered by the partition date of its key', async () => {
    const store = await freshStore();
    const k1 = 'fdrv2/userinfo/batch=20261118/year=2026/month=11/day=18/platform=Win/part-00000.c000.txt.gz';
    const k2 = 'fdrv2/userinfo/batch=20261119/year=2026/month=11/day=19/platform=Win/part-00000.c000.txt.gz';
    const src = source({ [k1]: gz([userinfo({ LocalAdminAccess: 'Yes' })]), [k2]: gz([userinfo({ LocalAdminAccess: 'No' })]) });
    await syncSecondaryObject({ bucket: 'b', key: k2 }, src, store);
    await syncSecondaryObject({ bucket: 'b', key: k1 }, src, store);
    expect((await store.lookup({ hosts: [], users: [{ userSid: SID }] })).user({ userSid: SID })?.localAdminAccess).toBe('No');
  });
});

describe('context sync helpers', () => {
  it('keyTimeMs reads year/month/day[/hour] and batch=YYYYMMDD…', () => {
    expect(keyTimeMs('t/fdrv2/userinfo/batch=x/year=2026/month=11/day=19/hour=07/platform=Win/p.gz')).toBe(Date.UTC(2026, 10, 19, 7));
    expect(keyTimeMs('fdrv2/userinfo/batch=20261119/platform=Win/p.gz')).toBe(Date.UTC(2026, 10, 19));
    expect(keyTimeMs('fdrv2/userinfo/batch=202611191230/p.gz')).toBe(Date.UTC(2026, 10, 19, 12, 30));
    expect(keyTimeMs('fdrv2/aidmaster/part-00000.gz')).toBeNull();
    expect(keyTimeMs('fdrv2/aidmaster/batch=1795046400/p.gz')).toBeNull();
  });

  it('entryHash ignores key order', () => {
    expect(entryHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(entryHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(entryHash({ a: 1 })).not.toBe(entryHash({ a: 2 }));
  });
});
