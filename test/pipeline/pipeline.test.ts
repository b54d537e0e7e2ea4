import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { StaticContextStore } from '../../lambda/context/file';
import type { ContextStore } from '../../lambda/ports';
import { processObject } from '../../lambda/pipeline';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { loadRulePacks } from '../../lambda/packs/loader';
import { ALERT_SCHEMA } from '../../lambda/alerts/types';
import { ruleOf } from '../support/rules';

const rules = loadRulePacks();
const A1 = '7c1e4b2a9d3f4e6a8b0c1d2e3f4a5b6c';
const A2 = '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6';
const SID = 'S-1-5-21-1111111111-2222222222-3333333333-1187';
const S32 = '\\Device\\HarddiskVolume2\\Windows\\System32\\';
let ts = 1763630000000;
const t = () => String((ts += 1000));

const pr2 = (image: string, cmd: string, extra: Record<string, unknown> = {}) => ({
  event_simpleName: 'ProcessRollup2', aid: A1, cid: 'c1', aip: '10.0.12.37', timestamp: t(), ImageFileName: image, CommandLine: cmd,
  UserSid: SID, AuthenticationId: '101187', TargetProcessId: '4200000000000000001', ...extra,
});
const nc = (extra: Record<string, unknown> = {}) => ({
  event_simpleName: 'NetworkConnectIP4', aid: A1, cid: 'c1', aip: '10.0.12.37', timestamp: t(), LocalAddressIP4: '10.0.12.37',
  RemoteAddressIP4: '10.0.7.40', RemotePort: '445', ContextProcessId: '4200000000000000009', ...extra,
});
const logon = (extra: Record<string, unknown> = {}) => ({
  event_simpleName: 'UserLogon', aid: A1, timestamp: t(), UserSid: SID, UserName: 'mallory', LogonDomain: 'CORP', AuthenticationId: '101187', ...extra,
});
const online = (name: string, aid = A1) => ({ event_simpleName: 'AgentOnline', aid, timestamp: t(), ComputerName: name });

async function run(events: object[], context: ContextStore = new StaticContextStore(), raw?: Buffer) {
  const key = 'data/x/part-00000.gz';
  const source = raw ? new MemoryObjectSource(new Map([[key, raw]])) : MemoryObjectSource.ndjson(key, events);
  return processObject({ bucket: 'b', key }, { source, rules, context });
}

describe('pipeline', () => {
  it('produces complete alert records: every key present, unknown values null', async () => {
    const r = await run([pr2('C:\\Tools\\PsExec.exe', 'PsExec.exe \\\\srv -s cmd')]);
    expect(r.alerts).toHaveLength(1);
    const a = r.alerts[0];
    expect(Object.keys(a).sort()).toEqual(
      ['schema', 'alert_id', 'alert_type', 'rule_id', 'severity', 'technique', 'tactic', '@timestamp', 'event_id', 'event_simpleName', 'aid', 'cid',
        'ComputerName', 'UserName', 'UserSid', 'FileName', 'CommandLine', 'RemoteAddressIP4', 'RemotePort', 'attribution', 'context', 'source', 'redacted', 'fields',
        // The rule throttles its alerts: the record names the slot it would hold.
        'throttle'].sort(),
    );
    expect(a.throttle).toMatchObject({ fields: { aid: A1, CommandLine: 'PsExec.exe \\\\srv -s cmd' }, period: '1h' });
    expect(a).toMatchObject({
      schema: ALERT_SCHEMA, alert_type: 'PsExecExecution', severity: 'medium', technique: 'T1021.002', tactic: 'lateral-movement',
      event_id: null, ComputerName: null, UserName: null, RemoteAddressIP4: null, RemotePort: null, attribution: null,
      FileName: 'PsExec.exe', source: { bucket: 'b', key: 'data/x/part-00000.gz', line: 1 },
    });
    expect(typeof a['@timestamp']).toBe('number');
    expect(a.alert_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives the same alert id to the same event and rule, a different one to another event', async () => {
    const e = pr2(S32 + 'PsExec.exe', 'PsExec.exe \\\\srv cmd', { id: 'evt-1' });
    const [a, b] = [await run([e]), await run([{ ...e, timestamp: '1' }])];
    expect(a.alerts[0].alert_id).toBe(b.alerts[0].alert_id); // FDR id wins when present
    const c = await run([{ ...e, id: 'evt-2' }]);
    expect(c.alerts[0].alert_id).not.toBe(a.alerts[0].alert_id);
  });

  it('redacts credentials in alerts but detects on the original command line', async () => {
    const r = await run([pr2(S32 + 'net.exe', 'net use \\\\10.0.7.40\\C$ P@ssw0rd1 /u:CORP\\Administrator')]);
    expect(r.alerts[0].alert_type).toBe('NetUseAdminShare');
    expect(r.alerts[0].CommandLine).not.toContain('P@ssw0rd1');
    expect(r.alerts[0].CommandLine).toContain('CORP\\Administrator');
    expect(r.alerts[0].redacted).toEqual(['CommandLine']);
  });

  it('joins a connection to its process in either line order, never across aids', async () => {
    const proc = pr2('C:\\Python\\python.exe', 'python.exe smbexec.py', { TargetProcessId: '4200000000000000009' });
    const svc = pr2(S32 + 'svchost.exe', 'svchost.exe -k netsvcs', { TargetProcessId: '4200000000000000009' });
    const before = await run([proc, nc()]);
    const after = await run([nc(), proc]);
    for (const r of [before, after]) {
      expect(r.alerts.map((a) => [a.alert_type, a.FileName, a.attribution, a.CommandLine])).toEqual([
        ['SMB445Connection', 'python.exe', 'joined', 'python.exe smbexec.py'],
      ]);
    }
    // svchost.exe joined in either order is excluded…
    expect((await run([nc(), svc])).alerts).toEqual([]);
    expect((await run([svc, nc()])).alerts).toEqual([]);
    // …but the same pid on another host is a different process: unresolved, fails open.
    const cross = await run([{ ...svc, aid: A2 }, nc()]);
    expect(cross.alerts.map((a) => [a.alert_type, a.FileName, a.attribution])).toEqual([['SMB445Connection', null, 'unresolved']]);
  });

  it('takes names from same-object identity events in either order, never a machine account', async () => {
    const psexec = pr2(S32 + 'PsExec.exe', 'PsExec.exe \\\\srv cmd');
    for (const events of [[logon(), online('WKS-FIN07'), psexec], [psexec, online('WKS-FIN07'), logon()]]) {
      const a = (await run(events)).alerts[0];
      expect([a.ComputerName, a.UserName]).toEqual(['WKS-FIN07', 'CORP\\mallory']);
      expect(a.context.names).toEqual({ ComputerName: 'stream', UserName: 'stream' });
    }
    const machine = await run([logon({ UserName: 'WKS-FIN07$' }), psexec]);
    expect(machine.alerts[0].UserName).toBeNull();
    const dwm = await run([logon({ UserName: 'DWM-3', LogonDomain: 'Window Manager' }), psexec]);
    expect(dwm.alerts[0].UserName).toBeNull();
    const system = await run([pr2(S32 + 'PsExec.exe', 'PsExec.exe -s', { UserSid: 'S-1-5-18' })]);
    expect([system.alerts[0].UserName, system.alerts[0].context.names.UserName]).toEqual(['SYSTEM', 'well-known']);
  });

  it('takes names from context when the object has none, and suppresses sanctioned use with entry and reason', async () => {
    const ctx = new StaticContextStore({
      users: [{ userSid: SID, userName: 'CORP\\mallory', tags: ['psexec-sanctioned'], owner: 'it', reason: 'test' }],
      hosts: [{ aid: A1, computerName: 'IT-JUMP01', tags: ['it-admin'] }],
    });
    // The PsExec service started on the same host: a target-side type, not suppressed by the sanction.
    const service = pr2('\\Device\\HarddiskVolume2\\Windows\\PSEXESVC.exe', 'C:\\Windows\\PSEXESVC.exe', { ParentBaseFileName: 'services.exe' });
    const r = await run([pr2(S32 + 'PsExec.exe', 'PsExec.exe \\\\srv cmd'), service], ctx);
    expect(r.matches).toBe(2);
    expect(r.suppressed).toHaveLength(1);
    expect(r.suppressed[0].suppressed).toMatchObject({ reason: expect.stringMatching(/sanctioned/), entry: { user: { owner: 'it' }, host: { computerName: 'IT-JUMP01' } } });
    expect(r.alerts.map((a) => a.alert_type)).toEqual(['RemoteExecService']);
    expect(r.alerts[0]).toMatchObject({ ComputerName: 'IT-JUMP01', UserName: 'CORP\\mallory', context: { names: { ComputerName: 'context', UserName: 'context' } } });
    expect(r.alerts[0].suppressed).toBeUndefined();
  });

  it('alerts without suppression, and says so, when the context store is down', async () => {
    const down: ContextStore = { lookup: async () => { throw new Error('ECONNREFUSED'); } };
    const r = await run([pr2(S32 + 'PsExec.exe', 'PsExec.exe')], down);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0].context.degraded).toMatch(/ECONNREFUSED/);
    expect(r.contextDegraded).toMatch(/ECONNREFUSED/);
  });

  it('keeps valid events next to bad lines and counts the bad ones', async () => {
    const good = JSON.stringify(pr2(S32 + 'PsExec.exe', 'PsExec.exe'));
    const body = Buffer.from(`${good}\n{"event_simpleName":"ProcessRollup2","ImageFileName":"PsExec.exe", broken\n["ProcessRollup2"]\n${good.replace('"PsExec.exe"', '"x"')}\n`);
    const r = await run([], undefined, body);
    expect(r.alerts).toHaveLength(2);
    expect(r.stats.skipped['invalid-json']).toBe(1);
    expect(r.stats.lines).toBe(4);
    expect(r.error).toBeUndefined();
  });

  it('keeps the alerts before a corrupt gzip tail and reports a permanent error', async () => {
    const events = Array.from({ length: 2000 }, (_, i) => pr2(S32 + (i % 100 === 0 ? 'PsExec.exe' : 'notepad.exe'), `x${i} ${'y'.repeat(200)}`));
    const gz = gzipSync(Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n'));
    const truncated = gz.subarray(0, Math.floor(gz.length * 0.6));
    const r = await run([], undefined, truncated);
    expect(r.alerts.length).toBeGreaterThan(0);
    expect(r.alerts.length).toBeLessThan(20);
    expect(r.error?.kind).toBe('permanent');
  });

  it('keeps what precedes the damage even when zlib would drop the whole chunk (small objects, trailing garbage)', async () => {
    const events = Array.from({ length: 200 }, (_, i) => pr2(S32 + 'PsExec.exe', `PsExec.exe \\\\h${i} cmd`, { id: `e${i}` }));
    const plain = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const gz = gzipSync(plain);
    // A flipped byte inside the deflate data (here: in the CRC trailer, found only after everything inflated).
    const flipped = Buffer.from(gz);
    flipped[flipped.length - 6] ^= 0xff;
    const r1 = await run([], undefined, flipped);
    expect(r1.error?.kind).toBe('permanent');
    expect(r1.alerts.length).toBeGreaterThan(150);
    // A valid member followed by garbage: every event of the member is kept.
    const r2 = await run([], undefined, Buffer.concat([gzipSync(plain.subarray(0, plain.indexOf('\n', 1000) + 1)), Buffer.from('garbage!!')]));
    expect(r2.error?.kind).toBe('permanent');
    expect(r2.alerts.length).toBe(plain.subarray(0, plain.indexOf('\n', 1000) + 1).toString().trim().split('\n').length);
    // Lines are not counted twice by the recovery pass.
    expect(r2.stats.lines).toBe(r2.alerts.length);
  });

  it('bounds the connections waiting for their process: past 20,000 they are decided at once (failing open)', async () => {
    const n = 20_005;
    const conns = Array.from({ length: n }, (_, i) => nc({ ContextProcessId: String(1e6 + i), timestamp: '1' }));
    const procs = Array.from({ length: n }, (_, i) => pr2(S32 + 'svchost.exe', 'svchost.exe -k x', { TargetProcessId: String(1e6 + i) }));
    const r = await run([...conns, ...procs]);
    // The first 20,000 waited and joined to svchost.exe (excluded); the last 5 could not wait.
    expect(r.alerts.map((a) => [a.attribution, a.source.line])).toEqual(Array.from({ length: 5 }, (_, k) => ['unresolved', 20_001 + k]));
  });

  it('a match on an event whose process is not yet known waits for the join: the alert names the process found later', async () => {
    // The rule reads nothing the join fills: it matches at once, but its alert is made at the end of the object.
    const rule = ruleOf('writes', '#event_simpleName = "NewExecutableWritten" | TargetFileName = /\\\\Device\\\\Mup\\\\/i | alert_type := "Write"');
    const write = { event_simpleName: 'NewExecutableWritten', aid: A1, timestamp: t(), ContextProcessId: '4200000000000000077', TargetFileName: '\\Device\\Mup\\srv\\ADMIN$\\x.exe' };
    const writer = pr2('C:\\Tools\\PsExec64.exe', 'PsExec64.exe \\\\srv cmd', { TargetProcessId: '4200000000000000077' });
    const runWith = (events: object[]) => processObject({ bucket: 'b', key: 'k' }, { source: MemoryObjectSource.ndjson('k', events), rules: [rule], context: new StaticContextStore() });
    for (const events of [[write, writer], [writer, write]]) {
      const r = await runWith(events);
      expect(r.alerts.map((a) => [a.alert_type, a.FileName, a.attribution, a.CommandLine, a.UserSid])).toEqual([['Write', 'PsExec64.exe', 'joined', 'PsExec64.exe \\\\srv cmd', SID]]);
    }
    // No process start in the object: still alerts, unresolved.
    expect((await runWith([write])).alerts.map((a) => [a.FileName, a.attribution])).toEqual([[null, 'unresolved']]);
  });

  it('an event several rules wait on counts once towards the bound on waiting events', async () => {
    const twice = [ruleOf('a', '#event_simpleName = "NetworkConnectIP4" | FileName != "x.exe" | alert_type := "A"'), ruleOf('b', '#event_simpleName = "NetworkConnectIP4" | FileName != "y.exe" | alert_type := "B"')];
    const n = 10_001;
    const conns = Array.from({ length: n }, (_, i) => nc({ ContextProcessId: String(1e6 + i), timestamp: '1' }));
    const procs = Array.from({ length: n }, (_, i) => pr2(S32 + 'y.exe', 'y.exe', { TargetProcessId: String(1e6 + i) }));
    const r = await processObject({ bucket: 'b', key: 'k' }, { source: MemoryObjectSource.ndjson('k', [...conns, ...procs]), rules: twice, context: new StaticContextStore() });
    // Every connection waited (10,001 events, 20,002 rule evaluations) and was joined to y.exe: rule b never matched.
    expect(r.join.decidedEarly).toBe(0);
    expect(r.matches).toBe(n);
    const whole = r.alerts.filter((a) => a.alert_type !== 'AlertsFolded');
    expect(whole.length).toBeGreaterThan(0);
    expect(whole.every((a) => a.alert_type === 'A' && a.attribution === 'joined' && a.FileName === 'y.exe')).toBe(true);
  });

  it('reports a missing object as a permanent error', async () => {
    const r = await processObject({ bucket: 'b', key: 'nope' }, { source: new MemoryObjectSource(new Map()), rules, context: new StaticContextStore() });
    expect(r.error?.kind).toBe('permanent');
    expect(r.alerts).toEqual([]);
  });
});
