import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';
import { LayeredContextStore } from '../../lambda/context/layered';
import { StaticContextStore } from '../../lambda/context/file';
import { hostFromAidmaster, userFromUserinfo } from '../../lambda/context/fdr-records';
import { syncSecondaryObject } from '../../lambda/context/sync';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { MemoryFdrStore } from '../../lambda/stores/memory-fdr';

describe('secondary records', () => {
  it('maps aidmaster rows, normalising ProductType and Time', () => {
    expect(hostFromAidmaster({ aid: 'a1', ComputerName: 'H1', ProductType: '1.0', Time: '1763510400.250', MachineDomain: 'corp' })).toEqual({
      aid: 'a1', computerName: 'H1', productType: 'workstation', fdrTime: 1763510400250, machineDomain: 'corp', source: 'fdr:aidmaster',
      lastSeen: '2025-11-19T00:00:00.250Z',
    });
    expect(hostFromAidmaster({ ComputerName: 'no aid' })).toBeNull();
  });

  it('an aidmaster row without Time has no lastSeen (not 1970)', () => {
    const h = hostFromAidmaster({ aid: 'a1', ComputerName: 'H1' });
    expect(h).toMatchObject({ aid: 'a1', fdrTime: null });
    expect(h).not.toHaveProperty('lastSeen');
  });

  it('keeps the record with the latest Time per aid, whatever the order (memory store, through the sync)', async () => {
    const newer = { aid: 'a1', ComputerName: 'NEW', Time: '1763510400' };
    const older = { aid: 'a1', ComputerName: 'OLD', Time: '1760000000' };
    for (const order of [[newer, older], [older, newer]]) {
      const store = new MemoryFdrStore();
      for (const [i, r] of order.entries()) {
        const key = `fdrv2/aidmaster/part-${i}.gz`;
        await syncSecondaryObject({ bucket: null, key }, MemoryObjectSource.ndjson(key, [r]), store);
      }
      expect(store.entries().hosts.map((h) => h.computerName)).toEqual(['NEW']);
    }
  });

  it('maps userinfo to users by SID with DOMAIN\\user names', () => {
    expect(userFromUserinfo({ UserSid_readable: 'S-1-5-21-1-2-3-500', UserName: 'Administrator', User: 'CORP\\Administrator', AccountType: 'Domain Admin' })).toMatchObject({
      userSid: 'S-1-5-21-1-2-3-500', userName: 'CORP\\Administrator', accountType: 'Domain Admin', source: 'fdr:userinfo',
    });
    expect(userFromUserinfo({ UserName: 'no sid' })).toBeNull();
  });
});

describe('context layered over FDR data', () => {
  it('suppresses by an operator host tag for a host known only by name through aidmaster', async () => {
    const operator = new StaticContextStore({ hosts: [{ computerName: 'mon01', tags: ['monitoring'], owner: 'noc' }] });
    const fdr = new MemoryFdrStore();
    await fdr.applyFdr({ hosts: [{ aid: 'a9', entry: { aid: 'a9', computerName: 'MON01', source: 'fdr:aidmaster' }, time: 1, hash: 'h' }], interfaces: [], users: [] });
    const store = new LayeredContextStore(fdr, operator);
    const snap = await store.lookup({ hosts: [{ aid: 'a9' }], users: [] });
    expect(snap.host({ aid: 'a9' })).toMatchObject({ aid: 'a9', computerName: 'mon01', tags: ['monitoring'], owner: 'noc', source: 'operator+fdr:aidmaster' });
  });
});

describe('replay of an FDR export on disk', () => {
  it('syncs fdrv2/ first so every sample alert has ComputerName and UserName', async () => {
    const { code, out: text, err: log } = await runCli(['replay', '--format', 'ndjson']);
    expect(code).toBe(0);
    const alerts = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(alerts.length).toBeGreaterThan(5);
    for (const a of alerts) expect(a.ComputerName, a.alert_id).toBeTruthy();
    // Every alert names its user, except those whose event carries none: connections whose process start is not in
    // their object (the join stays within one object) — the fan-out that crossed its threshold in the second batch
    // of the sweep, and the kernel SMB connection the sensor left unnamed.
    const unnamed = alerts.filter((a) => !a.UserName).map((a) => [a.alert_type, a.ComputerName, a.attribution]);
    expect(unnamed).toEqual([
      ['SMB445FanOut', 'WKS-ENG14', 'event'],
      ['SMB445Connection', 'WKS-ACC11', 'unresolved'],
    ]);
    // Some names come from FDR's own secondary data (not from the batch itself), and the stale aidmaster row lost.
    expect(alerts.some((a) => a.ComputerName === 'WKS-HR03' && a.context.names.ComputerName === 'context' && a.context.host.source === 'fdr:aidmaster')).toBe(true);
    expect(alerts.some((a) => a.UserName === 'CORP\\alice' && a.context.names.UserName === 'context')).toBe(true);
    expect(text).not.toContain('OLD-HR-NAME');
    expect(log).toMatch(/secondary=2/);
  });
});
