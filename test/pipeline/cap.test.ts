// The per-object alert cap: the first matches whole, the rest folded into one summary alert per object, with counts
// per alert type and host; suppression applies to folded matches too; nothing vanishes from the counts.
import { describe, expect, it } from 'vitest';
import { OVERFLOW_ALERT_TYPE } from '../../lambda/alerts/overflow';
import { StaticContextStore } from '../../lambda/context/file';
import { processObject } from '../../lambda/pipeline';
import { loadRulePacks } from '../../lambda/packs/loader';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { alertSchemaErrors } from '../support/alert-schema';

const rules = loadRulePacks();
const HOSTS = ['aaaa0000aaaa0000aaaa0000aaaa0001', 'aaaa0000aaaa0000aaaa0000aaaa0002', 'aaaa0000aaaa0000aaaa0000aaaa0003'];
const smb = (i: number, aid: string) => ({
  event_simpleName: 'NetworkConnectIP4',
  id: `nc-${i}`,
  aid,
  aip: '10.0.0.9',
  timestamp: String(1795000000000 + i),
  RemoteAddressIP4: `10.1.${i >> 8 & 255}.${i & 255}`,
  RemotePort: '445',
  ContextProcessId: `${1000 + (i % 7)}`,
  ContextBaseFileName: 'scanner.exe',
});
const psexec = (i: number, aid: string) => ({
  event_simpleName: 'ProcessRollup2',
  id: `pr-${i}`,
  aid,
  timestamp: String(1795000000000 + i),
  ImageFileName: '\\Device\\HarddiskVolume2\\Tools\\PsExec.exe',
  CommandLine: `PsExec.exe \\\\h${i} cmd`,
  TargetProcessId: `${9000 + i}`,
});

async function run(events: object[], cap: number, context = new StaticContextStore()) {
  const key = 'data/many/part-00000.gz';
  return processObject({ bucket: 'b', key }, { source: MemoryObjectSource.ndjson(key, events), rules, context, maxAlertsPerObject: cap });
}

describe('per-object alert cap', () => {
  it('keeps the first matches whole and folds the rest into one summary alert with counts per type and host', async () => {
    const events = [
      ...Array.from({ length: 20_000 }, (_, i) => smb(i, HOSTS[i % 3])),
      ...Array.from({ length: 30 }, (_, i) => psexec(i, HOSTS[0])),
    ];
    const r = await run(events, 100);
    expect(r.matches).toBe(20_030);
    const whole = r.alerts.filter((a) => a.alert_type !== OVERFLOW_ALERT_TYPE);
    const summary = r.alerts.filter((a) => a.alert_type === OVERFLOW_ALERT_TYPE);
    expect(whole).toHaveLength(100);
    expect(summary).toHaveLength(1);
    const s = summary[0];
    expect(alertSchemaErrors(s)).toEqual([]);
    expect(s.overflow).toMatchObject({ folded: 19_930, cap: 100, by_alert_type: { SMB445Connection: 19_900, PsExecExecution: 30 }, hosts_not_listed: 0 });
    expect(s.overflow!.by_host.reduce((n, h) => n + h.count, 0)).toBe(19_930);
    expect(s.overflow!.by_host.map((h) => h.aid).sort()).toEqual([...HOSTS].sort());
    expect(s.severity).toBe('medium'); // the highest of what it folds (SMB445Connection and PsExecExecution are medium)
    expect(s.source).toEqual({ bucket: 'b', key: 'data/many/part-00000.gz', line: 101 });
    expect(r.folded).toEqual({ matches: 19_930, alerts: 19_930, suppressed: 0 });
    // Deterministic: a redelivered object has the same summary id (the dedupe table absorbs it).
    const again = await run(events, 100);
    expect(again.alerts.find((a) => a.alert_type === OVERFLOW_ALERT_TYPE)!.alert_id).toBe(s.alert_id);
  });

  it('suppression applies to folded matches: they are counted as suppressed, not folded into the summary', async () => {
    const monitoring = new StaticContextStore({ hosts: [{ aid: HOSTS[1], tags: ['monitoring'], reason: 'poller' }] });
    const events = Array.from({ length: 600 }, (_, i) => smb(i, HOSTS[i % 2]));
    const r = await run(events, 50, monitoring);
    expect(r.folded.matches).toBe(550);
    expect(r.folded.suppressed + r.folded.alerts).toBe(550);
    expect(r.folded.suppressed).toBe(275);
    const s = r.alerts.find((a) => a.alert_type === OVERFLOW_ALERT_TYPE)!;
    expect(s.overflow!.by_host).toEqual([{ aid: HOSTS[0], ComputerName: null, count: 275 }]);
    expect(s.aid).toBe(HOSTS[0]); // one host: the summary names it
  });

  it("one source repeating a throttled match does not fill the cap: other hosts' detections stay whole", async () => {
    // 1,100 identical ADMIN$ opens from one address on one host (one throttle slot: host, address, share per hour),
    // then a PSEXESVC start and a psexec.py-style service on other hosts.
    const open = (i: number) => ({
      event_simpleName: 'SmbServerShareOpenedEtw', id: `so-${i}`, aid: HOSTS[0], UserName: 'bob', SmbShareName: 'C$',
      RemoteAddressIP4: '10.0.0.5', timestamp: String(1795000000000 + i),
    });
    const events = [
      ...Array.from({ length: 1100 }, (_, i) => open(i)),
      { event_simpleName: 'ProcessRollup2', id: 'svc', aid: HOSTS[1], timestamp: '1795000002000', TargetProcessId: '77',
        ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\PSEXESVC.exe', ParentBaseFileName: 'services.exe', CommandLine: 'C:\\Windows\\PSEXESVC.exe' },
      { event_simpleName: 'CreateService', id: 'cs', aid: HOSTS[2], timestamp: '1795000002001', ServiceImagePath: '%systemroot%\\AbCdEfGh.exe', ServiceDisplayName: 'AbCd' },
    ];
    const r = await run(events, 1000);
    expect(r.matches).toBe(1102);
    expect(r.folded).toEqual({ matches: 0, alerts: 0, suppressed: 0 });
    expect(r.alerts.some((a) => a.alert_type === OVERFLOW_ALERT_TYPE)).toBe(false);
    const types = r.alerts.map((a) => a.alert_type);
    expect(types).toContain('RemoteExecService');
    expect(types).toContain('SuspiciousServiceCreated');
    // 1,000 repeats kept whole besides the cap (for the throttle stage and --include-throttled), 99 only counted.
    expect(types.filter((t) => t === 'AdminShareOpened')).toHaveLength(1001);
    expect(r.repeats).toEqual({ throttled: 99, suppressed: 0 });
    // With a cap of 2: the first open and the first high-severity alert are whole, the second is folded.
    const tight = await run(events, 2);
    expect(tight.alerts.filter((a) => a.alert_type !== 'AdminShareOpened').map((a) => a.alert_type).sort()).toEqual(['AlertsFolded', 'RemoteExecService'].sort());
  });

  it("the summary takes the highest severity of what it folds, as the query assigned it (an unresolved connection is low)", async () => {
    const unresolved = (i: number) => ({ ...smb(i, `aaaa0000aaaa0000aaaa0000aa${String(i).padStart(6, '0')}`), ContextBaseFileName: undefined });
    const r = await run(Array.from({ length: 30 }, (_, i) => unresolved(i)), 10);
    const s = r.alerts.find((a) => a.alert_type === OVERFLOW_ALERT_TYPE)!;
    expect(r.alerts.filter((a) => a.alert_type === 'SMB445Connection').every((a) => a.severity === 'low')).toBe(true);
    expect(s.overflow!.folded).toBe(20);
    expect(s.severity).toBe('low');
  });

  it('below the cap there is no summary alert', async () => {
    const r = await run(Array.from({ length: 10 }, (_, i) => smb(i, HOSTS[0])), 10);
    expect(r.alerts).toHaveLength(10);
    expect(r.alerts.some((a) => a.alert_type === OVERFLOW_ALERT_TYPE)).toBe(false);
    expect(r.folded).toEqual({ matches: 0, alerts: 0, suppressed: 0 });
  });
});
