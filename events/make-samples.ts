/**
 * Regenerates the bundled sample FDR batches under events/fdr (run: `npx tsx events/make-samples.ts`).
 * Realistic Windows sensor shapes (docs/fdr.md): ProcessRollup2 with device paths and no FileName/ComputerName/
 * UserName; NetworkConnectIP4 with and without ContextBaseFileName; identity events; benign noise. Covers Atomic
 * Red Team T1021.002 test 1 (net use to C$) and test 3 (PsExec via ADMIN$), sanctioned admin use, monitoring SMB.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'fdr');
const CID = '3f9a0c1d2e4b4a6f8c0d1e2f3a4b5c6d';
export const HOSTS = {
  fin07: { aid: '7c1e4b2a9d3f4e6a8b0c1d2e3f4a5b6c', name: 'WKS-FIN07', ip: '10.0.12.37' },
  hr03: { aid: '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6', name: 'WKS-HR03', ip: '10.0.12.52' },
  jump01: { aid: '0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5', name: 'IT-JUMP01', ip: '10.0.5.10' },
  mon01: { aid: '9f8e7d6c5b4a43f2e1d0c9b8a7f6e5d4', name: 'MON01', ip: '10.0.9.5' },
  app02: { aid: '5e6f7a8b9c0d41e2f3a4b5c6d7e8f9a0', name: 'SRV-APP02', ip: '10.0.7.40' },
};
type Host = (typeof HOSTS)[keyof typeof HOSTS];
export const USERS = {
  mallory: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-1187', name: 'mallory', domain: 'CORP' },
  deploy: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-1104', name: 'svc_deploy', domain: 'CORP' },
  oldadm: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-1032', name: 'old_admin', domain: 'CORP' },
  alice: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-1201', name: 'alice', domain: 'CORP' },
};
type User = (typeof USERS)[keyof typeof USERS];

let clock = Date.parse('2026-11-20T09:15:00Z');
let seq = 0;
const tick = (ms = 1500) => String((clock += ms));
const pid = () => String(4_200_000_000_000_000_000n + BigInt(++seq * 7919));
const uuid = () => `${(0x10000000 + seq * 2654435).toString(16).slice(-8)}-${(seq * 97).toString(16).padStart(4, '0').slice(-4)}-4${(seq * 13).toString(16).padStart(3, '0').slice(-3)}-8${(seq * 31).toString(16).padStart(3, '0').slice(-3)}-${(seq * 104729).toString(16).padStart(12, '0').slice(-12)}`;

function base(type: string, h: Host, extra: Record<string, unknown>): Record<string, unknown> {
  seq++;
  return { event_simpleName: type, name: `${type}V7`, event_platform: 'Win', id: uuid(), aid: h.aid, aip: h.ip, cid: CID, timestamp: tick(), ...extra };
}

function proc(h: Host, u: User, image: string, cmd: string, parent = 'explorer.exe', p = pid()): Record<string, unknown> {
  return {
    ...base('ProcessRollup2', h, {}),
    name: 'ProcessRollup2V19',
    ImageFileName: image,
    CommandLine: cmd,
    UserSid: u.sid,
    AuthenticationId: String(100000 + Number(u.sid.slice(-4))),
    TargetProcessId: p,
    ParentProcessId: pid(),
    ParentBaseFileName: parent,
    RawProcessId: String(1000 + (seq % 9000)),
    SHA256HashData: 'a'.repeat(64),
    ProcessStartTime: String(clock / 1000),
  };
}

function net(h: Host, remote: string, port: string, ctxPid: string, ctxName?: string): Record<string, unknown> {
  return {
    ...base('NetworkConnectIP4', h, {}),
    name: 'NetworkConnectIP4V5',
    LocalAddressIP4: h.ip,
    LocalPort: String(49152 + (seq % 16000)),
    RemoteAddressIP4: remote,
    RemotePort: port,
    Protocol: '6',
    ConnectionDirection: '0',
    ContextProcessId: ctxPid,
    ContextTimeStamp: String(clock / 1000),
    ...(ctxName ? { ContextBaseFileName: ctxName } : {}),
  };
}

function logon(h: Host, u: User, type = 'UserLogon'): Record<string, unknown> {
  return { ...base(type, h, {}), UserSid: u.sid, UserName: u.name, LogonDomain: u.domain, AuthenticationId: String(100000 + Number(u.sid.slice(-4))), LogonType: '2' };
}

const S32 = '\\Device\\HarddiskVolume2\\Windows\\System32\\';
const SYSTEM_PID = '4';
function noise(h: Host, u: User): Record<string, unknown>[] {
  const chrome = pid();
  return [
    proc(h, u, '\\Device\\HarddiskVolume2\\Program Files\\Google\\Chrome\\Application\\chrome.exe', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer', 'explorer.exe', chrome),
    net(h, '142.250.74.100', '443', chrome, 'chrome.exe'),
    { ...base('DnsRequest', h, {}), DomainName: 'intranet.corp.example', RequestType: '1', ContextProcessId: chrome },
    { ...base('EndOfProcess', h, {}), TargetProcessId: chrome },
    net(h, '10.0.1.10', '445', SYSTEM_PID, 'System'),
  ];
}

function batch1(): Record<string, unknown>[] {
  const { fin07, app02 } = HOSTS;
  const ev: Record<string, unknown>[] = [
    { ...base('AgentOnline', fin07, {}), ComputerName: fin07.name, AgentVersion: '7.18.18902.0' },
    logon(fin07, USERS.mallory),
    ...noise(fin07, USERS.mallory),
    // ART T1021.002 test 1: map an admin share with net use (kernel SMB: the 445 connection is System's).
    proc(fin07, USERS.mallory, S32 + 'net.exe', 'net  use \\\\10.0.7.40\\C$ P@ssw0rd1 /u:CORP\\Administrator', 'cmd.exe'),
    net(fin07, app02.ip, '445', SYSTEM_PID, 'System'),
    proc(fin07, USERS.mallory, S32 + 'net.exe', 'net user mallory /domain', 'cmd.exe'),
    // ART T1021.002 test 3: PsExec via ADMIN$.
    proc(fin07, USERS.mallory, '\\Device\\HarddiskVolume2\\Users\\mallory\\Downloads\\PsExec.exe', 'PsExec.exe \\\\10.0.7.40 -accepteula -s cmd /c whoami', 'cmd.exe'),
    net(fin07, app02.ip, '445', SYSTEM_PID, 'System'),
    proc(app02, USERS.mallory, '\\Device\\HarddiskVolume2\\Windows\\PSEXESVC.exe', 'C:\\Windows\\PSEXESVC.exe', 'services.exe'),
  ];
  // Invoke-SMBExec from PowerShell: a user-mode SMB client, named by the sensor.
  const ps = pid();
  ev.push(proc(fin07, USERS.mallory, S32 + 'WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -nop -ep bypass -c "Invoke-SMBExec -Target 10.0.7.40 -Username Administrator -Hash F6F38B793DB6A94BA04A52F1D3EE92F0 -Command whoami"', 'cmd.exe', ps));
  ev.push(net(fin07, app02.ip, '445', ps, 'powershell.exe'));
  return ev;
}

function batch2(): Record<string, unknown>[] {
  const { jump01, hr03, mon01, app02 } = HOSTS;
  const ev: Record<string, unknown>[] = [
    { ...base('AgentOnline', jump01, {}), ComputerName: jump01.name, AgentVersion: '7.18.18902.0' },
    logon(jump01, USERS.deploy),
    ...noise(jump01, USERS.deploy),
    // Sanctioned: svc_deploy runs PsExec64 from the IT jump host (suppressed by context).
    proc(jump01, USERS.deploy, '\\Device\\HarddiskVolume3\\Tools\\SysinternalsSuite\\PsExec64.exe', 'PsExec64.exe \\\\SRV-APP02 -accepteula -u CORP\\svc_deploy -p Depl0y!2026 C:\\deploy\\install.cmd', 'cmd.exe'),
    // The same sanctioned account from an HR workstation: still an alert.
    // No AgentOnline for WKS-HR03 in this batch: its name comes from FDR's aidmaster.
    logon(hr03, USERS.deploy),
    proc(hr03, USERS.deploy, '\\Device\\HarddiskVolume2\\Users\\Public\\PsExec.exe', 'PsExec.exe \\\\SRV-APP02 -accepteula -s cmd.exe', 'cmd.exe'),
    // An admin whose sanction expired before this event: alerts.
    logon(jump01, USERS.oldadm),
    proc(jump01, USERS.oldadm, '\\Device\\HarddiskVolume3\\Tools\\PAExec.exe', 'PAExec.exe \\\\SRV-APP02 -s ipconfig', 'cmd.exe'),
  ];
  // Monitoring agent polling shares over SMB (suppressed: MON01 carries the monitoring tag, matched by IP).
  const zbx = pid();
  ev.push(proc(mon01, USERS.alice, '\\Device\\HarddiskVolume2\\Program Files\\Zabbix Agent\\zabbix_agentd.exe', '"C:\\Program Files\\Zabbix Agent\\zabbix_agentd.exe" --config zabbix_agentd.conf', 'services.exe', zbx));
  ev.push(net(mon01, app02.ip, '445', zbx, 'zabbix_agentd.exe'));
  // Older sensor without ContextBaseFileName: the connection precedes its process line; joined by (aid, pid).
  const py = pid();
  ev.push(net(hr03, app02.ip, '445', py));
  ev.push(proc(hr03, USERS.alice, '\\Device\\HarddiskVolume2\\Users\\alice\\AppData\\Local\\Programs\\Python\\Python312\\python.exe', 'python.exe smbexec.py CORP/alice@10.0.7.40', 'cmd.exe', py));
  // No logon event for alice in this batch: her name comes from FDR's userinfo.
  // net1.exe to IPC$ with a null session.
  ev.push(proc(hr03, USERS.alice, S32 + 'net1.exe', 'C:\\Windows\\system32\\net1  use \\\\10.0.7.40\\IPC$ "" /u:""', 'net.exe'));
  ev.push(...noise(hr03, USERS.alice));
  return ev;
}

const ndjson = (events: Record<string, unknown>[]) => Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');

function write(rel: string, data: Buffer): void {
  const p = join(OUT, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
}

/** FDR secondary data: aidmaster (host names; an older record with a stale name shows the latest Time wins), userinfo. */
function aidmaster(): Record<string, unknown>[] {
  const t0 = Date.parse('2026-11-19T00:00:00Z') / 1000;
  const rows = Object.values(HOSTS).map((h, i) => ({
    aid: h.aid, cid: CID, ComputerName: h.name, MachineDomain: 'corp.example', OU: 'Computers', SiteName: 'HQ',
    ProductType: h.name.startsWith('SRV') || h.name === 'MON01' ? '3.0' : '1.0', AgentVersion: '7.18.18902.0',
    Time: (t0 + i * 60).toFixed(3), event_platform: 'Win', aip: h.ip,
  }));
  // Written later in the file but older: must not win.
  rows.push({ ...rows[1], ComputerName: 'OLD-HR-NAME', Time: (t0 - 86400 * 30).toFixed(3) });
  return rows;
}

function userinfo(): Record<string, unknown>[] {
  return Object.values(USERS).map((u) => ({
    cid: CID, UserSid_readable: u.sid, UserName: u.name, User: `${u.domain}\\${u.name}`, AccountType: 'Domain User',
    LocalAdminAccess: u.name === 'svc_deploy' ? 'Yes' : 'No', LastLoggedOnHost: 'WKS-HR03', PasswordLastSet: '1760000000.000',
  }));
}

const b1 = batch1();
const b2 = batch2();
const dir1 = 'data/6a1f0c2e-8a41-4f7e-9d2b-1c3e5a7b9d01';
const dir2 = 'data/b7e2d9c4-31f5-4a8e-b6c0-2d4f6a8c0e12';
// Two gzip members in one part, as FDR sometimes writes.
const half = Math.floor(b1.length / 2);
write(`${dir1}/part-00000.gz`, Buffer.concat([gzipSync(ndjson(b1.slice(0, half))), gzipSync(ndjson(b1.slice(half)))]));
write(`${dir1}/_SUCCESS`, Buffer.alloc(0));
write(`${dir2}/part-00000.gz`, gzipSync(ndjson(b2)));
write(`${dir2}/_SUCCESS`, Buffer.alloc(0));
write('fdrv2/aidmaster/part-00000.gz', gzipSync(ndjson(aidmaster())));
write('fdrv2/userinfo/batch=20261119/year=2026/month=11/day=19/platform=Win/part-00000.c000.txt.gz', gzipSync(ndjson(userinfo())));
console.log(`wrote ${b1.length + b2.length} events to ${OUT}`);
