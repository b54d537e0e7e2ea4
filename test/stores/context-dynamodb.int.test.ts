// DynamoContextStore against dynalite: item layout, lookups by every key kind, precedence, batching, cache, outage.
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ContextTable } from '../support/context-table';
import { TtlLruCache } from '../../lambda/stores/context-dynamodb/cache';
import { documentClient } from '../../lambda/aws/clients';
import type { ContextFile } from '../../lambda/context/types';
import { createTable, uniq } from '../support/aws';

const doc = () => documentClient(new DynamoDBClient({}));
const SID = 'S-1-5-21-1111111111-2222222222-3333333333-1104';
const AID = '0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5';

const FILE: ContextFile = {
  users: [
    { userSid: SID, userName: 'CORP\\svc_deploy', tags: ['psexec-sanctioned'], owner: 'it-ops', reason: 'deployment', expiresAt: '2027-06-30T00:00:00Z' },
    { userName: 'CORP\\alice', tags: ['admin'] },
    { userName: 'LAB\\alice', tags: ['lab'] },
    { userName: 'bob', tags: ['bare'] },
    { userName: 'LAB\\carol', tags: ['lab-carol'] },
  ],
  hosts: [
    { aid: AID, computerName: 'IT-JUMP01', ips: ['10.0.5.10'], tags: ['it-admin'], owner: 'it-ops', reason: 'jump host' },
    { computerName: 'MON01', ips: ['10.0.9.5'], tags: ['monitoring'] },
    { ips: ['10.0.7.7'], tags: ['backup'] },
  ],
};

async function freshStore(): Promise<ContextTable> {
  const t = uniq('ctx');
  await createTable(t);
  return new ContextTable({ tableName: t, client: doc(), cache: new TtlLruCache(1000, 60_000) });
}

let store: ContextTable;
beforeAll(async () => {
  store = await freshStore();
  await store.putEntries(FILE);
});

describe('DynamoContextStore layout and writes', () => {
  it('writes canonical entries and index references', async () => {
    const get = async (pk: string, sk: string) => (await doc().send(new GetCommand({ TableName: store.tableName, Key: { pk, sk } }))).Item;
    expect(await get(`USER#SID#${SID}`, 'ENTRY')).toMatchObject({ kind: 'user', entry: { userName: 'CORP\\svc_deploy', owner: 'it-ops' } });
    expect([...(await get('USER#NAME#corp\\svc_deploy', 'REF'))!.refs]).toEqual([`USER#SID#${SID}`]);
    expect([...(await get('USER#BARE#alice', 'REF'))!.refs].sort()).toEqual(['USER#NAME#corp\\alice', 'USER#NAME#lab\\alice']);
    expect(await get('USER#NAME#bob', 'ENTRY')).toMatchObject({ entry: { userName: 'bob' } });
    expect(await get(`HOST#AID#${AID}`, 'ENTRY')).toMatchObject({ kind: 'host', entry: { computerName: 'IT-JUMP01' } });
    expect([...(await get('HOST#NAME#it-jump01', 'REF'))!.refs]).toEqual([`HOST#AID#${AID}`]);
    expect([...(await get('HOST#IP#10.0.5.10', 'REF'))!.refs]).toEqual([`HOST#AID#${AID}`]);
    expect(await get('HOST#NAME#mon01', 'ENTRY')).toBeDefined();
    expect(await get('HOST#IP#10.0.7.7', 'ENTRY')).toMatchObject({ entry: { tags: ['backup'] } });
  });

  it('putEntries is idempotent and exportAll round-trips', async () => {
    const s = await freshStore();
    await s.putEntries(FILE);
    await s.putEntries(FILE);
    const exported = await s.exportAll();
    expect(exported.users).toHaveLength(5);
    expect(exported.hosts).toHaveLength(3);
    expect(exported.users).toEqual(expect.arrayContaining(FILE.users!));
    expect(exported.hosts).toEqual(expect.arrayContaining(FILE.hosts!));
    const again = await freshStore();
    await again.putEntries(exported);
    expect(await again.exportAll()).toEqual(exported);
  });

  it('re-importing an entry with other keys drops its stale references', async () => {
    const s = await freshStore();
    await s.putEntries({ hosts: [{ aid: 'abc', computerName: 'OLDNAME', ips: ['10.1.1.1'], tags: ['it-admin'] }] });
    await s.putEntries({ hosts: [{ aid: 'abc', computerName: 'NEWNAME', ips: ['10.2.2.2'], tags: ['it-admin'] }] });
    const snap = await s.lookup({ hosts: [{ computerName: 'oldname' }, { ips: ['10.1.1.1'] }, { computerName: 'newname' }], users: [] });
    expect(snap.host({ computerName: 'oldname' })).toBeNull();
    expect(snap.host({ ips: ['10.1.1.1'] })).toBeNull();
    expect(snap.host({ computerName: 'NEWNAME' })?.aid).toBe('abc');
  });

  it('deleteEntry removes the entry and its references, idempotently', async () => {
    const s = await freshStore();
    await s.putEntries(FILE);
    expect(await s.deleteEntry({ kind: 'host', computerName: 'it-jump01' })).toMatchObject({ aid: AID });
    expect(await s.deleteEntry({ kind: 'host', computerName: 'it-jump01' })).toBeNull();
    expect(await s.deleteEntry({ kind: 'user', userSid: SID })).toMatchObject({ userName: 'CORP\\svc_deploy' });
    const snap = await s.lookup({ hosts: [{ aid: AID }, { ips: ['10.0.5.10'] }], users: [{ userName: 'CORP\\svc_deploy' }] });
    expect(snap.host({ aid: AID })).toBeNull();
    expect(snap.host({ ips: ['10.0.5.10'] })).toBeNull();
    expect(snap.user({ userName: 'CORP\\svc_deploy' })).toBeNull();
    const exported = await s.exportAll();
    expect(exported.hosts).toHaveLength(2);
    expect(exported.users).toHaveLength(4);
    const raw = await doc().send(new GetCommand({ TableName: s.tableName, Key: { pk: 'HOST#IP#10.0.5.10', sk: 'REF' } }));
    expect(raw.Item).toBeUndefined();
  });

  it('rejects an invalid context file without writing', async () => {
    const s = await freshStore();
    await expect(s.putEntries({ users: [{ userSid: 42 as unknown as string }] })).rejects.toThrow(/invalid/);
    expect(await s.exportAll()).toEqual({ users: [], hosts: [] });
  });
});

describe('DynamoContextStore lookups', () => {
  it('hosts by aid, computerName (case-insensitive) and any IP, in that order of precedence', async () => {
    const snap = await store.lookup({
      hosts: [{ aid: AID }, { computerName: 'mon01' }, { ips: [null, '10.0.5.10'] }, { ips: ['10.0.9.5'] }, { ips: ['10.0.7.7'] }],
      users: [],
    });
    expect(snap.degraded).toBeUndefined();
    expect(snap.host({ aid: AID })?.computerName).toBe('IT-JUMP01');
    expect(snap.host({ computerName: 'mon01' })?.tags).toEqual(['monitoring']);
    expect(snap.host({ ips: [null, '10.0.5.10'] })?.aid).toBe(AID);
    expect(snap.host({ ips: ['10.0.9.5'] })?.computerName).toBe('MON01');
    expect(snap.host({ ips: ['10.0.7.7'] })?.tags).toEqual(['backup']);
    // precedence: aid beats name and IP
    const mixed = { aid: AID, computerName: 'MON01', ips: ['10.0.7.7'] };
    expect((await store.lookup({ hosts: [mixed], users: [] })).host(mixed)?.computerName).toBe('IT-JUMP01');
    // unknown aid falls back to the name, then to an IP
    const byName = { aid: 'ffff', computerName: 'MON01', ips: ['10.0.5.10'] };
    expect((await store.lookup({ hosts: [byName], users: [] })).host(byName)?.computerName).toBe('MON01');
    const byIp = { aid: 'ffff', computerName: 'NOPE', ips: ['10.0.7.7'] };
    expect((await store.lookup({ hosts: [byIp], users: [] })).host(byIp)?.tags).toEqual(['backup']);
  });

  it('users by SID, else name (DOMAIN\\user or bare user, case-insensitive)', async () => {
    const qs = [
      { userSid: SID.toLowerCase() },
      { userSid: 'S-1-5-21-9-9-9-9', userName: 'corp\\SVC_DEPLOY' }, // same name, another SID: another account
      { userName: 'corp\\SVC_DEPLOY' }, // name only
      { userName: 'CORP\\alice' },
      { userName: 'lab\\ALICE' },
      { userName: 'alice' }, // ambiguous across domains
      { userName: 'CORP\\bob' }, // qualified query matches a bare entry
      { userName: 'BOB' },
      { userName: 'carol' }, // bare query matches a unique qualified entry
      { userName: 'CORP\\carol' }, // …but a qualified query never matches another domain
      { userName: 'nobody' },
    ];
    const snap = await store.lookup({ hosts: [], users: qs });
    const tags = qs.map((q) => snap.user(q)?.tags?.[0] ?? null);
    expect(tags).toEqual(['psexec-sanctioned', null, 'psexec-sanctioned', 'admin', 'lab', null, 'bare', 'bare', 'lab-carol', null, null]);
  });

  it('batches more than 100 keys and follows references', async () => {
    const s = await freshStore();
    const hosts = Array.from({ length: 180 }, (_, i) => ({ aid: `aid-${i}`, computerName: `H${i}`, ips: [`10.9.${Math.floor(i / 250)}.${i % 250}`], tags: [`t${i}`] }));
    await s.putEntries({ hosts });
    const qs = hosts.map((h, i) => (i % 3 === 0 ? { aid: h.aid } : i % 3 === 1 ? { computerName: h.computerName } : { ips: h.ips }));
    const before = s.stats();
    const snap = await s.lookup({ hosts: qs, users: [] });
    qs.forEach((q, i) => expect(snap.host(q)?.tags).toEqual([`t${i}`]));
    // 60×2 aid keys (ENTRY + FDR) + 60×2 name keys + 60×2 ip keys = 360 keys → 4 calls, then 120 references to
    // aid partitions (ENTRY + FDR each) = 240 keys → 3 calls
    expect(s.stats().requests - before.requests).toBe(7);
    expect(s.stats().fetched - before.fetched).toBe(600);
  });

  it('caches positive and negative results across lookups (and counts the hits)', async () => {
    const s = await freshStore();
    await s.putEntries(FILE);
    const q = { hosts: [{ aid: AID }, { aid: 'missing-aid' }], users: [{ userSid: 'S-1-5-21-0-0-0-0' }] };
    const first = await s.lookup(q);
    const afterFirst = s.stats();
    expect(afterFirst.cacheHits).toBe(0);
    const second = await s.lookup(q);
    // ENTRY + FDR for each of the 2 aids and the SID
    expect(s.stats().cacheHits - afterFirst.cacheHits).toBe(6);
    expect(s.stats().requests).toBe(afterFirst.requests);
    expect(second.host({ aid: AID })).toEqual(first.host({ aid: AID }));
    expect(second.host({ aid: 'missing-aid' })).toBeNull();
    // writes invalidate the cache
    await s.putEntries({ hosts: [{ aid: 'missing-aid', tags: ['new'] }] });
    expect((await s.lookup(q)).host({ aid: 'missing-aid' })?.tags).toEqual(['new']);
  });

  it('the cache is bounded and entries expire', () => {
    let now = 0;
    const c = new TtlLruCache<number | null>(3, 1000, () => now);
    c.set('a', 1);
    c.set('b', null);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a is now most recent
    c.set('d', 4); // evicts b
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    now = 1001;
    expect(c.get('a')).toBeUndefined();
    expect(c.stats()).toMatchObject({ evictions: 1 });
  });

  it('an outage yields a degraded snapshot with no answers, never an exception', async () => {
    const dead = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 2 });
    const s = new ContextTable({ tableName: 'whatever', client: dead, cache: new TtlLruCache() });
    const snap = await s.lookup({ hosts: [{ aid: AID }], users: [{ userSid: SID }] });
    expect(snap.degraded).toMatch(/context store unavailable/);
    expect(snap.host({ aid: AID })).toBeNull();
    expect(snap.user({ userSid: SID })).toBeNull();
    expect(s.stats().degraded).toBe(1);
  });

  it('a missing table is an outage too', async () => {
    const s = new ContextTable({ tableName: uniq('nope'), client: doc(), cache: new TtlLruCache() });
    const snap = await s.lookup({ hosts: [{ aid: AID }], users: [] });
    expect(snap.degraded).toMatch(/ResourceNotFound/);
  });
});
