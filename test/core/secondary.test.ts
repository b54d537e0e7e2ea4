import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';
import { LayeredContextStore } from '../../lambda/context/layered';
import { StaticContextStore } from '../../lambda/context/file';
import { hostFromAidmaster, routeSecondaryKey, SecondaryAccumulator, userFromUserinfo } from '../../lambda/fdr/secondary';

describe('secondary data routing', () => {
  it('finds fdrv2/<kind>/ wherever it sits in the key', () => {
    expect(routeSecondaryKey('fdrv2/aidmaster/part-00000.gz')).toEqual({ kind: 'secondary', subtype: 'aidmaster' });
    expect(routeSecondaryKey('tenant-a/fdrv2/userinfo/part-00000.gz')).toEqual({ kind: 'secondary', subtype: 'userinfo' });
    expect(routeSecondaryKey('x/fdrv2/managedassets/batch=1/year=2026/platform=Win/part-00000.c000.txt.gz')).toEqual({ kind: 'secondary', subtype: 'managedassets' });
    expect(routeSecondaryKey('fdrv2/appinfo/part-00000.gz')).toEqual({ kind: 'secondary', subtype: 'appinfo' });
    expect(routeSecondaryKey('fdrv2/somethingnew/part-00000.gz')).toEqual({ kind: 'secondary-unknown', subtype: 'somethingnew' });
    expect(routeSecondaryKey('data/1234/part-00000.gz')).toBeNull();
  });
});

describe('secondary records', () => {
  it('maps aidmaster rows, normalising ProductType and Time', () => {
    expect(hostFromAidmaster({ aid: 'a1', ComputerName: 'H1', ProductType: '1.0', Time: '1763510400.250', MachineDomain: 'corp' })).toEqual({
      aid: 'a1', computerName: 'H1', productType: 'workstation', fdrTime: 1763510400250, machineDomain: 'corp', source: 'fdr:aidmaster',
      lastSeen: '2025-11-19T00:00:00.250Z',
    });
    expect(hostFromAidmaster({ ComputerName: 'no aid' })).toBeNull();
  });

  it('keeps the record with the latest Time per aid, whatever the order', () => {
    const newer = { aid: 'a1', ComputerName: 'NEW', Time: '1763510400' };
    const older = { aid: 'a1', ComputerName: 'OLD', Time: '1760000000' };
    for (const order of [[newer, older], [older, newer]]) {
      const acc = new SecondaryAccumulator();
      for (const r of order) acc.add('aidmaster', r);
      expect(acc.hosts().map((h) => h.computerName)).toEqual(['NEW']);
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
    const store = new LayeredContextStore(operator, { hosts: [{ aid: 'a9', computerName: 'MON01', source: 'fdr:aidmaster' }] });
    const snap = await store.lookup({ hosts: [{ aid: 'a9' }], users: [] });
    expect(snap.host({ aid: 'a9' })).toMatchObject({ aid: 'a9', computerName: 'mon01', tags: ['monitoring'], owner: 'noc', source: 'operator+fdr:aidmaster' });
  });
});

describe('replay of an FDR export on disk', () => {
  it('loads fdrv2/ first so every sample alert has ComputerName and UserName', async () => {
    const { code, out: text, err: log } = await runCli(['replay', '--format', 'ndjson']);
    expect(code).toBe(0);
    const alerts = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(alerts.length).toBeGreaterThan(5);
    for (const a of alerts) {
      expect(a.ComputerName, a.alert_id).toBeTruthy();
      expect(a.UserName, a.alert_id).toBeTruthy();
    }
    // Some names come from FDR's own secondary data (not from the batch itself), and the stale aidmaster row lost.
    expect(alerts.some((a) => a.ComputerName === 'WKS-HR03' && a.context.names.ComputerName === 'context' && a.context.host.source === 'fdr:aidmaster')).toBe(true);
    expect(alerts.some((a) => a.UserName === 'CORP\\alice' && a.context.names.UserName === 'context')).toBe(true);
    expect(text).not.toContain('OLD-HR-NAME');
    expect(log).toMatch(/secondary=2/);
  });
});
