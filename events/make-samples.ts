/**
 * Regenerates the bundled sample FDR batches under events/fdr (run: `npx tsx events/make-samples.ts`).
 * Realistic Windows sensor shapes (docs/fdr.md): ProcessRollup2 with device paths and no FileName/ComputerName/
 * UserName; NetworkConnectIP4 with and without ContextBaseFileName; identity events; benign noise. The first two
 * batches cover Atomic Red Team T1021.002 test 1 (net use to C$) and test 3 (PsExec via ADMIN$), sanctioned admin
 * use, monitoring SMB. The later ones (real key sets and HTML-safe escapes, from events/fdr-shapes.ts) cover the
 * target side of a PsExec run, Impacket smbexec, wmiexec and psexec.py, Atomic T1021.002 #2 and #4, a 12-target
 * SMB fan-out split across two batches, and benign look-alikes: PDQ- and SCCM-style deployment, `net use \\fs\share`,
 * `net use \\srv\C$ /delete`, loopback and inbound 445, a monitoring agent sweeping servers, kernel SMB to a DC.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FdrEvents, fdrNdjson, SYSTEM_AUTH, SYSTEM_SID, type FdrEvent, type Host as V2Host, type User as V2User } from './fdr-shapes';

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
  const rows = [...Object.values(HOSTS), ...Object.values(V2_HOSTS)].map((h, i) => ({
    aid: h.aid, cid: CID, ComputerName: h.name, MachineDomain: 'corp.example', OU: 'Computers', SiteName: 'HQ',
    ProductType: h.name.startsWith('SRV') || h.name === 'MON01' ? '3.0' : '1.0', AgentVersion: '7.18.18902.0',
    Time: (t0 + i * 60).toFixed(3), event_platform: 'Win', aip: h.ip,
  }));
  // Written later in the file but older: must not win.
  rows.push({ ...rows[1], ComputerName: 'OLD-HR-NAME', Time: (t0 - 86400 * 30).toFixed(3) });
  return rows;
}

function userinfo(): Record<string, unknown>[] {
  return [...Object.values(USERS), ...Object.values(V2_USERS)].map((u) => ({
    cid: CID, UserSid_readable: u.sid, UserName: u.name, User: `${u.domain}\\${u.name}`, AccountType: 'Domain User',
    LocalAdminAccess: u.name === 'svc_deploy' ? 'Yes' : 'No', LastLoggedOnHost: 'WKS-HR03', PasswordLastSet: '1760000000.000',
  }));
}

// ------------------------------------------------------------------------------------------------------------------
// Later batches: real key sets (events/fdr-shapes.ts), lines written as FDR writes them (\u003d \u003c \u003e \u0026).

const v2 = (h: Host, sensor: V2Host['sensor']): V2Host => ({ ...h, sensor });
export const V2_HOSTS = {
  db01: { aid: '2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7', name: 'SRV-DB01', ip: '10.0.7.41', sensor: 'mid' },
  web03: { aid: '9b0c1d2e3f4a45b6c7d8e9f0a1b2c3d4', name: 'SRV-WEB03', ip: '10.0.7.42', sensor: 'mid' },
  eng14: { aid: '3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8', name: 'WKS-ENG14', ip: '10.0.12.74', sensor: 'new' },
  acc11: { aid: '4d5e6f7a8b9c40d1e2f3a4b5c6d7e8f9', name: 'WKS-ACC11', ip: '10.0.12.61', sensor: 'new' },
  pdq01: { aid: '6e7f8a9b0c1d42e3f4a5b6c7d8e9f0a1', name: 'SRV-PDQ01', ip: '10.0.5.20', sensor: 'new' },
  sccm01: { aid: '7f8a9b0c1d2e43f4a5b6c7d8e9f0a1b2', name: 'SRV-SCCM01', ip: '10.0.5.30', sensor: 'mid' },
  fs01: { aid: '8a9b0c1d2e3f44a5b6c7d8e9f0a1b2c3', name: 'SRV-FS01', ip: '10.0.7.20', sensor: 'new' },
} satisfies Record<string, V2Host>;
export const V2_USERS = {
  admin: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-500', name: 'Administrator', domain: 'CORP' },
  dave: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-1244', name: 'dave', domain: 'CORP' },
  pdq: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-1310', name: 'svc_pdq', domain: 'CORP' },
  sccm: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-1311', name: 'svc_sccmpush', domain: 'CORP' },
} satisfies Record<string, V2User>;
/** A host without Falcon (the attacker's box): seen only through its address on the targets. */
const ATTACKER = { ip: '10.0.66.6', name: 'WIN-3KQ9T2' };
const DC = '10.0.1.10';
const VOL = '\\Device\\HarddiskVolume2';
const WIN = `${VOL}\\Windows\\`;
const SYS = `${VOL}\\Windows\\System32\\`;
const auth = (u: V2User) => String(3_000_000 + Number(u.sid.slice(u.sid.lastIndexOf('-') + 1)));

/** Target side of a Sysinternals PsExec run against SRV-WEB03 from a host without Falcon. */
function psexecTarget(b: FdrEvents): FdrEvent[] {
  const app = V2_HOSTS.web03;
  const { admin } = V2_USERS;
  const services = b.upid();
  const svc = b.upid();
  const child = b.upid();
  return [
    b.online(app),
    b.logon(app, admin, { auth: auth(admin), type: '3', remote: ATTACKER.ip }),
    b.shareOpened(app, { share: 'IPC$', remote: ATTACKER.ip, user: admin.name, domain: admin.domain }),
    b.shareOpened(app, { share: 'ADMIN$', remote: ATTACKER.ip, user: admin.name, domain: admin.domain }),
    b.fileWritten(app, { target: `${WIN}PSEXESVC.exe`, pid: b.upid() }),
    b.service(app, { display: 'PSEXESVC', imagePath: '%SystemRoot%\\PSEXESVC.exe', pid: services, user: admin.name }),
    // The execution of the file written over SMB comes before the service's own process line.
    b.execOnSmb(app, { pid: svc, remote: ATTACKER.ip, client: ATTACKER.name, user: admin, auth: auth(admin) }),
    b.process(app, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${WIN}PSEXESVC.exe`, cmd: 'C:\\Windows\\PSEXESVC.exe', parent: 'services.exe', pid: svc, parentPid: services }),
    b.process(app, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${SYS}cmd.exe`, cmd: '"cmd" /c whoami & net localgroup administrators', parent: 'PSEXESVC.exe', pid: child, parentPid: svc }),
    b.process(app, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${SYS}whoami.exe`, cmd: 'whoami', parent: 'cmd.exe', parentPid: child }),
    b.process(app, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${SYS}net.exe`, cmd: 'net  localgroup administrators', parent: 'cmd.exe', parentPid: child }),
  ];
}

/** Impacket smbexec.py, wmiexec.py and psexec.py against SRV-DB01 from the same host. */
function impacketTarget(b: FdrEvents): FdrEvent[] {
  const db = V2_HOSTS.db01;
  const { admin } = V2_USERS;
  const services = b.upid();
  const wmi = b.upid();
  const smbexecShell = b.upid();
  const random = b.upid();
  const open = (share: string, remote = ATTACKER.ip) => b.shareOpened(db, { share, remote, user: admin.name, domain: admin.domain });
  const smbexecCmd = 'C:\\Windows\\system32\\cmd.exe /Q /c echo whoami ^> \\\\SRV-DB01\\C$\\__output_lMbNqTrS 2^>^&1 > C:\\Windows\\hGfDsAzX.bat & C:\\Windows\\system32\\cmd.exe /Q /c C:\\Windows\\hGfDsAzX.bat & del C:\\Windows\\hGfDsAzX.bat';
  const wmiexec = (cmd: string) => `cmd.exe /Q /c ${cmd} 1> \\\\127.0.0.1\\ADMIN$\\__1795170123.4567 2>&1`;
  return [
    b.logon(db, admin, { auth: auth(admin), type: '3', remote: ATTACKER.ip }),
    // smbexec.py: the command is the service's binPath; output read back over C$.
    open('IPC$'),
    open('C$'),
    b.service(db, {
      display: 'kRtWbQzP',
      imagePath: '%COMSPEC% /Q /c echo whoami ^> \\\\%COMPUTERNAME%\\C$\\__output_lMbNqTrS 2^>^&1 > %SYSTEMROOT%\\hGfDsAzX.bat & %COMSPEC% /Q /c %SYSTEMROOT%\\hGfDsAzX.bat & del %SYSTEMROOT%\\hGfDsAzX.bat',
      pid: services,
      user: admin.name,
    }),
    b.process(db, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${SYS}cmd.exe`, cmd: smbexecCmd, parent: 'services.exe', pid: smbexecShell, parentPid: services }),
    b.process(db, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${SYS}cmd.exe`, cmd: 'C:\\Windows\\system32\\cmd.exe  /Q /c C:\\Windows\\hGfDsAzX.bat', parent: 'cmd.exe', parentPid: smbexecShell }),
    b.process(db, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${SYS}whoami.exe`, cmd: 'whoami', parent: 'cmd.exe' }),
    // wmiexec.py: cmd.exe under WmiPrvSE.exe, output to ADMIN$ (a loopback open on the target), read back remotely.
    b.process(db, { sid: 'S-1-5-20', auth: '996', image: `${SYS}wbem\\WmiPrvSE.exe`, cmd: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', parent: 'svchost.exe', pid: wmi }),
    b.process(db, { sid: admin.sid, auth: auth(admin), image: `${SYS}cmd.exe`, cmd: wmiexec('cd \\'), parent: 'WmiPrvSE.exe', parentPid: wmi }),
    b.shareOpened(db, { share: 'ADMIN$', remote: '::1', user: admin.name, domain: admin.domain }),
    open('ADMIN$'),
    b.process(db, { sid: admin.sid, auth: auth(admin), image: `${SYS}cmd.exe`, cmd: wmiexec('ipconfig /all'), parent: 'WmiPrvSE.exe', parentPid: wmi }),
    b.shareOpened(db, { share: 'ADMIN$', remote: '127.0.0.1', user: admin.name, domain: admin.domain }),
    open('ADMIN$'),
    // psexec.py: a random 8-letter binary uploaded to ADMIN$, a 4-letter service, the binary started by services.exe.
    open('ADMIN$'),
    b.fileWritten(db, { target: `${WIN}QwErTyUi.exe`, pid: b.upid() }),
    b.service(db, { display: 'WxYz', imagePath: '%systemroot%\\QwErTyUi.exe', pid: services, user: admin.name }),
    b.process(db, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${WIN}QwErTyUi.exe`, cmd: 'C:\\Windows\\QwErTyUi.exe', parent: 'services.exe', pid: random, parentPid: services }),
    b.execOnSmb(db, { pid: random, remote: ATTACKER.ip, client: ATTACKER.name, user: admin, auth: auth(admin) }),
    // Its child names only the random binary as parent: out of scope.
    b.process(db, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${SYS}cmd.exe`, cmd: 'cmd.exe', parent: 'QwErTyUi.exe', parentPid: random }),
  ];
}

/** Atomic T1021.002 #2 and #4 on WKS-FIN07, T1135's dir, a copy to C$, PsExec copying its service, SMB over IPv6. */
function atomicSource(b: FdrEvents): FdrEvent[] {
  const fin = v2(HOSTS.fin07, 'new');
  const m = USERS.mallory;
  const a = String(100000 + Number(m.sid.slice(-4)));
  const p = (image: string, cmd: string, parent: string, pid?: string, parentPid?: string) => b.process(fin, { sid: m.sid, auth: a, image, cmd, parent, pid, parentPid });
  const copy = b.upid();
  const psexec = b.upid();
  const net = b.upid();
  const py = b.upid();
  return [
    b.logon(fin, { sid: m.sid, name: m.name, domain: m.domain }, { auth: a }),
    // Atomic T1021.002 #2 (PowerShell executor) and #4 (command prompt executor, elevated).
    p(`${SYS}WindowsPowerShell\\v1.0\\powershell.exe`, '"powershell.exe" & {New-PSDrive -name g -psprovider filesystem -root \\\\SRV-APP02\\C$}', 'powershell.exe'),
    p(`${SYS}cmd.exe`, 'cmd.exe  /Q /c hostname 1> \\\\127.0.0.1\\ADMIN$\\output.txt 2>&1', 'cmd.exe'),
    b.shareOpened(fin, { share: 'ADMIN$', remote: '127.0.0.1', user: m.name, domain: m.domain }),
    // T1135 "Network Share Discovery via dir command".
    p(`${SYS}cmd.exe`, 'cmd.exe /c dir \\\\127.0.0.1\\c$', 'cmd.exe'),
    // A tool copied to another host's C$; on this older-style line the writer is joined (its name is empty).
    b.fileWritten(fin, { target: '\\Device\\Mup\\10.0.7.40\\C$\\Windows\\Temp\\svc.exe', pid: copy, process: '', pe: true, user: m.name, operatorSid: m.sid }),
    p(`${SYS}cmd.exe`, 'cmd.exe /c copy C:\\Users\\Public\\svc.exe \\\\10.0.7.40\\C$\\Windows\\Temp\\', 'cmd.exe', copy),
    // PsExec64 to SRV-DB01: it writes PSEXESVC.exe to the target's ADMIN$ (kernel SMB connects as System).
    p(`${VOL}\\Users\\mallory\\Downloads\\PsExec64.exe`, 'PsExec64.exe \\\\SRV-DB01 -accepteula -s cmd.exe /c "ipconfig /all"', 'cmd.exe', psexec),
    b.fileWritten(fin, { target: '\\Device\\Mup\\SRV-DB01\\ADMIN$\\PSEXESVC.exe', pid: psexec, image: `${VOL}\\Users\\mallory\\Downloads\\PsExec64.exe`, pe: true, user: m.name, operatorSid: m.sid }),
    b.connect(fin, { remote: V2_HOSTS.db01.ip, port: '445', pid: b.upid(), process: 'System' }),
    // net.exe hands the command to net1.exe: one alert.
    p(`${SYS}net.exe`, 'net use \\\\SRV-DB01\\ADMIN$ /user:CORP\\Administrator', 'cmd.exe', net),
    p(`${SYS}net1.exe`, 'C:\\Windows\\system32\\net1 use \\\\SRV-DB01\\ADMIN$ /user:CORP\\Administrator', 'net.exe', undefined, net),
    // Impacket's smbclient.py over IPv6.
    p(`${VOL}\\Python312\\python.exe`, 'python.exe smbclient.py CORP/mallory@fd00::7:41', 'cmd.exe', py),
    b.connect({ ...fin, ip6: 'fd00::c:25' }, { remote: 'fd00::7:41', port: '445', pid: py, process: 'python.exe' }),
  ];
}

/** NetExec sweeping 12 hosts' shares from WKS-ENG14: six targets in one batch, six in the next. */
function fanout(b: FdrEvents, part: 1 | 2, pid: string): FdrEvent[] {
  const eng = V2_HOSTS.eng14;
  const { dave } = V2_USERS;
  const ev: FdrEvent[] = [];
  if (part === 1) {
    ev.push(b.online(eng), b.logon(eng, dave, { auth: auth(dave) }));
    ev.push(b.process(eng, { sid: dave.sid, auth: auth(dave), image: `${VOL}\\Users\\dave\\AppData\\Local\\Temp\\nxc.exe`, cmd: 'nxc.exe smb 10.0.7.0/24 -u dave --use-kcache --shares', parent: 'cmd.exe', pid }));
  }
  for (let i = 0; i < 6; i++) {
    const last = 50 + (part - 1) * 6 + i;
    ev.push(b.connect(eng, { remote: `10.0.7.${last}`, port: '445', pid, process: 'nxc.exe' }));
    ev.push(b.other(eng, 'DnsRequest', { DomainName: `srv-${last}.corp.example`, RequestType: '1', ContextProcessId: pid }));
  }
  return ev;
}

/** Benign look-alikes: deployment, share mappings, loopback and inbound SMB, a monitoring sweep, SMB to a DC. */
function benign(b: FdrEvents): FdrEvent[] {
  const { acc11, pdq01, sccm01, fs01 } = V2_HOSTS;
  const { pdq, sccm } = V2_USERS;
  const alice = USERS.alice;
  const hr = v2(HOSTS.hr03, 'mid');
  const mon = v2(HOSTS.mon01, 'new');
  const aliceAuth = String(100000 + Number(alice.sid.slice(-4)));
  const services = b.upid();
  const runner = b.upid();
  const ccm = b.upid();
  const zbx = b.upid();
  const ev: FdrEvent[] = [
    b.online(acc11),
    // PDQ Deploy from SRV-PDQ01 (it-admin, svc_pdq psexec-sanctioned): the runner copied to ADMIN$, run as a service.
    b.fileWritten(pdq01, {
      target: '\\Device\\Mup\\WKS-ACC11\\ADMIN$\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe',
      pid: b.upid(),
      image: `${VOL}\\Program Files (x86)\\Admin Arsenal\\PDQ Deploy\\PDQDeployService.exe`,
      pe: true,
      user: `${pdq.domain}\\${pdq.name}`,
      operatorSid: pdq.sid,
    }),
    b.connect(pdq01, { remote: acc11.ip, port: '445', pid: b.upid(), process: 'System' }),
    b.shareOpened(acc11, { share: 'ADMIN$', remote: pdq01.ip, user: pdq.name, domain: pdq.domain }),
    b.service(acc11, { display: 'PDQDeployRunner-1', imagePath: 'C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\exec\\PDQDeployRunner-1.exe', pid: services, user: pdq.name }),
    b.execOnSmb(acc11, { pid: runner, remote: pdq01.ip, client: pdq01.name, user: pdq, auth: auth(pdq) }),
    b.process(acc11, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${WIN}AdminArsenal\\PDQDeployRunner\\service-1\\exec\\PDQDeployRunner-1.exe`, cmd: '"C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\exec\\PDQDeployRunner-1.exe"', parent: 'services.exe', pid: runner, parentPid: services }),
    // SCCM client push from SRV-SCCM01 (it-admin): ccmsetup.exe, 8 letters but in C:\Windows\ccmsetup\.
    b.shareOpened(acc11, { share: 'ADMIN$', remote: sccm01.ip, user: sccm.name, domain: sccm.domain }),
    b.service(acc11, { display: 'ccmsetup', imagePath: '"C:\\Windows\\ccmsetup\\ccmsetup.exe" /runservice', pid: services, user: sccm.name }),
    b.execOnSmb(acc11, { pid: ccm, remote: sccm01.ip, client: sccm01.name, user: sccm, auth: auth(sccm) }),
    b.process(acc11, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${WIN}ccmsetup\\ccmsetup.exe`, cmd: '"C:\\Windows\\ccmsetup\\ccmsetup.exe" /runservice', parent: 'services.exe', pid: ccm, parentPid: services }),
    // Kernel and service SMB to a domain controller; one connection whose name the sensor left empty (low, unresolved).
    b.connect(acc11, { remote: DC, port: '445', pid: b.upid(), process: 'System' }),
    b.connect(acc11, { remote: DC, port: '445', pid: b.upid(), process: 'svchost.exe' }),
    b.connect(acc11, { remote: DC, port: '445', pid: b.upid(), process: '' }),
    // Share mappings that are not admin shares, or that remove one.
    b.logon(hr, alice, { auth: aliceAuth }),
    b.process(hr, { sid: alice.sid, auth: aliceAuth, image: `${SYS}net.exe`, cmd: 'net use \\\\SRV-FS01\\share', parent: 'cmd.exe' }),
    b.process(hr, { sid: alice.sid, auth: aliceAuth, image: `${SYS}net.exe`, cmd: 'net use \\\\SRV-APP02\\C$ /delete', parent: 'cmd.exe' }),
    // Loopback SMB (a backup agent checking its own shares) and inbound SMB on the file server.
    b.connect(fs01, { remote: '127.0.0.1', port: '445', pid: b.upid(), process: 'VeeamAgent.exe' }),
    b.connect({ ...fs01, ip6: 'fd00::7:20' }, { remote: '::1', port: '445', pid: b.upid(), process: 'VeeamAgent.exe' }),
    b.accept(fs01, { remote: hr.ip, localPort: '445', pid: b.upid(), process: 'System' }),
    b.connect(fs01, { remote: hr.ip, port: '445', pid: b.upid(), process: 'System', direction: '1' }),
    b.shareOpened(fs01, { share: 'share', remote: hr.ip, user: alice.name, domain: alice.domain }),
    // The monitoring agent on MON01 (tagged monitoring) polling twelve servers over SMB.
    b.process(mon, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${VOL}\\Program Files\\Zabbix Agent\\zabbix_agentd.exe`, cmd: '"C:\\Program Files\\Zabbix Agent\\zabbix_agentd.exe" --config zabbix_agentd.conf', parent: 'services.exe', pid: zbx, synthetic: true }),
  ];
  for (let i = 0; i < 12; i++) ev.push(b.connect(mon, { remote: `10.0.7.${100 + i}`, port: '445', pid: zbx, process: 'zabbix_agentd.exe' }));
  return ev;
}

function v2Batches(): [string, FdrEvent[]][] {
  let seed = 7n;
  const b = (start: string, step = 2000) => new FdrEvents(CID, Date.parse(start), step, seed++);
  const nxc = '4611686018427390001';
  return [
    ['data/c41d7a2e-5b93-4c0e-8f16-3a9d2e7b1c54', psexecTarget(b('2026-11-20T09:30:00Z'))],
    ['data/c93a1f6d-2e84-4b7a-9c05-6d1e3f8a2b97', impacketTarget(b('2026-11-20T09:40:00Z'))],
    ['data/d25e8b3c-7f19-4a6d-b2e0-9c4f1a6d3e28', atomicSource(b('2026-11-20T09:50:00Z'))],
    ['data/d86b2c4e-9a37-4f1b-8d62-1e5a7c9b3f40', fanout(b('2026-11-20T10:02:00Z', 10_000), 1, nxc)],
    ['data/e17f5d9a-3c62-4e8b-a4d1-7b2e9f6c0a35', fanout(b('2026-11-20T10:05:00Z', 10_000), 2, nxc)],
    ['data/f3c06e1b-8d45-4a29-9f73-2c8e5b1d7a96', benign(b('2026-11-20T10:20:00Z'))],
  ];
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
let events = b1.length + b2.length;
for (const [dir, ev] of v2Batches()) {
  write(`${dir}/part-00000.gz`, gzipSync(fdrNdjson(ev)));
  write(`${dir}/_SUCCESS`, Buffer.alloc(0));
  events += ev.length;
}
write('fdrv2/aidmaster/part-00000.gz', gzipSync(ndjson(aidmaster())));
write('fdrv2/userinfo/batch=20261119/year=2026/month=11/day=19/platform=Win/part-00000.c000.txt.gz', gzipSync(ndjson(userinfo())));
console.log(`wrote ${events} events to ${OUT}`);
