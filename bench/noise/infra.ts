/**
 * The sanctioned infrastructure whose SMB looks like lateral movement, both sides of each session:
 *   - the IT jump host: svc_deploy maps a server's C$, robocopies a package onto it, runs it over WinRM, unmaps;
 *   - PDQ Deploy: the runner and package copied to ADMIN$ of 20–36 workstations, run as a service;
 *   - SCCM client push: ccmsetup.exe copied to ADMIN$ (by the push account; the site server's machine account
 *     opens ADMIN$ too), run as a service, then the client service;
 *   - a Zabbix poller reaching ~30 servers over SMB (IPC$) every five minutes;
 *   - an hourly Veeam job reaching ~25 servers, whose agents also check their own shares over loopback;
 *   - a SQL cluster's nodes opening each other's ADMIN$ and C$ as machine accounts.
 * The deployment, monitoring and backup servers and the service accounts are tagged in the bench's context
 * (fleet.ts); without those tags the same lines alert (the control run).
 */
import { SYSTEM_AUTH, SYSTEM_SID, type User } from '../../events/fdr-shapes';
import type { Account, FleetHost } from './fleet';
import type { Sim, Task } from './sim';
import { S32, VOL, WIN } from './everyday';

const MINUTE = 60_000;

/** Starts the infrastructure's long-running services and schedules its work (first runs early: short runs see them too). */
export function scheduleInfrastructure(s: Sim): void {
  const { fleet, b } = s;
  const running = (h: FleetHost, image: string, cmd: string, a?: Account): string => {
    const pid = b.upid();
    s.emit(b.process(h, { sid: a?.sid ?? SYSTEM_SID, auth: a?.auth ?? SYSTEM_AUTH, image, cmd, parent: 'services.exe', pid, synthetic: true }));
    return pid;
  };
  const pids = {
    pdq: running(fleet.pdq, `${VOL}\\Program Files (x86)\\Admin Arsenal\\PDQ Deploy\\PDQDeployService.exe`, '"C:\\Program Files (x86)\\Admin Arsenal\\PDQ Deploy\\PDQDeployService.exe"', fleet.accounts.pdq),
    zabbix: running(fleet.monitoring, `${VOL}\\Program Files\\Zabbix Agent\\zabbix_agentd.exe`, '"C:\\Program Files\\Zabbix Agent\\zabbix_agentd.exe" --config "C:\\Program Files\\Zabbix Agent\\zabbix_agentd.conf"', fleet.accounts.monitor),
  };
  for (const [h, a] of [[fleet.pdq, fleet.accounts.pdq], [fleet.sccm, fleet.accounts.sccm], [fleet.backup, fleet.accounts.backup], [fleet.monitoring, fleet.accounts.monitor]] as const) {
    s.emit(b.logon(h, a, { auth: a.auth, type: '5' }));
  }
  const monitored = [...fleet.servers.slice(0, 24), ...fleet.dcs, ...fleet.fileServers];
  const protectedHosts = [...fleet.servers.slice(8), ...fleet.fileServers];
  periodic(s, 10_000, 5 * MINUTE, (x) => pollCycle(x, monitored, pids.zabbix));
  periodic(s, 45_000, 60 * MINUTE, (x) => backupJob(x, protectedHosts));
  s.every(100 * MINUTE, (x) => pdqPush(x, pids.pdq), 1 * MINUTE);
  s.every(45 * MINUTE, jumpSession, 90_000);
  // SMS_EXECUTIVE runs as SYSTEM; before each push its sensor resends its start line (a SyntheticProcessRollup2 in
  // the same object, as after a reconnect). Its writes name the push account (UserName, FileOperatorSid): the
  // account's own SID, not the joined SYSTEM one, is what the context's psexec-sanctioned entry is checked against.
  const smsexec = b.upid();
  const smsImage = `${VOL}\\Program Files\\Microsoft Configuration Manager\\bin\\x64\\smsexec.exe`;
  s.every(150 * MINUTE, (x) => {
    x.emit(b.process(fleet.sccm, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: smsImage, cmd: `"${smsImage.replace(VOL, 'C:')}"`, parent: 'services.exe', pid: smsexec, synthetic: true }));
    sccmPush(x, smsexec);
  }, 2 * MINUTE);
  s.every(20 * MINUTE, clusterCheck, 5 * MINUTE);
}

/** Every `periodMs` (a few seconds of jitter), first at `firstMs`: schedulers, not people. */
function periodic(s: Sim, firstMs: number, periodMs: number, task: Task): void {
  const again: Task = (x) => {
    task(x);
    x.after(periodMs + x.rng.int(-5000, 5000), again);
  };
  s.at(s.t0 + firstMs, again);
}

/** `task` for each of `targets`, one after the other, `gapMs` apart on average. */
function oneByOne<T>(s: Sim, targets: readonly T[], gapMs: [number, number], task: (s: Sim, t: T) => void): void {
  let at = 0;
  for (const t of targets) {
    at += s.rng.int(gapMs[0], gapMs[1]);
    s.after(at, (x) => task(x, t));
  }
}

/** The target side of a push: a network logon from the server, IPC$ and ADMIN$ opened, the server's SMB accepted. */
function pushArrives(s: Sim, target: FleetHost, server: FleetHost, a: Account, shares: string[]): void {
  const { b } = s;
  s.emit(b.logon(target, a, { auth: a.auth, type: '3', remote: server.ip }));
  s.emit(b.accept(target, { remote: server.ip, localPort: '445', pid: target.systemPid, process: 'System' }));
  for (const share of shares) s.emit(b.shareOpened(target, { share, remote: server.ip, user: a.name, domain: a.domain }));
}

function pdqPush(s: Sim, servicePid: string): void {
  const { rng, fleet } = s;
  const pkg = rng.pick([
    { file: '7z2408-x64.exe', args: '/S' },
    { file: 'npp.8.7.1.Installer.x64.exe', args: '/S' },
    { file: 'FirefoxSetup133.0.exe', args: '-ms' },
  ]);
  // PDQ runs a handful of targets at a time: a push reaches 20+ hosts within ten minutes (a fan-out, tagged scanner).
  oneByOne(s, rng.sample(fleet.workstations, rng.int(20, 36)), [4_000, 12_000], (x, target) => {
    const { b, fleet: f } = x;
    const pdq = f.pdq;
    const a = f.accounts.pdq;
    const dir = `\\Device\\Mup\\${target.name}\\ADMIN$\\AdminArsenal\\PDQDeployRunner\\service-1`;
    const writer = { pid: servicePid, image: `${VOL}\\Program Files (x86)\\Admin Arsenal\\PDQ Deploy\\PDQDeployService.exe`, pe: true, user: `${a.domain}\\${a.name}`, operatorSid: a.sid };
    x.emit(b.connect(pdq, { remote: target.ip, port: '445', pid: pdq.systemPid, process: 'System' }));
    x.emit(b.fileWritten(pdq, { target: `${dir}\\PDQDeployRunner-1.exe`, ...writer }));
    x.emit(b.fileWritten(pdq, { target: `${dir}\\exec\\${pkg.file}`, ...writer }));
    pushArrives(x, target, pdq, a, ['IPC$', 'ADMIN$']);
    const local = 'C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\exec';
    const runner = b.upid();
    const setup = b.upid();
    x.emit(b.service(target, { display: 'PDQDeployRunner-1', imagePath: `${local}\\PDQDeployRunner-1.exe`, pid: b.upid(), user: a.name }));
    x.emit(b.execOnSmb(target, { pid: runner, remote: pdq.ip, client: pdq.name, user: a, auth: a.auth }));
    x.emit(b.process(target, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${WIN}AdminArsenal\\PDQDeployRunner\\service-1\\exec\\PDQDeployRunner-1.exe`, cmd: `"${local}\\PDQDeployRunner-1.exe"`, parent: 'services.exe', pid: runner }));
    x.emit(b.process(target, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${WIN}AdminArsenal\\PDQDeployRunner\\service-1\\exec\\${pkg.file}`, cmd: `"${local}\\${pkg.file}" ${pkg.args}`, parent: 'PDQDeployRunner-1.exe', pid: setup, parentPid: runner }));
    x.emit(b.other(target, 'EndOfProcess', { TargetProcessId: setup, RawProcessId: String(x.rng.int(1000, 60000)) }));
    x.emit(b.other(target, 'EndOfProcess', { TargetProcessId: runner, RawProcessId: String(x.rng.int(1000, 60000)) }));
  });
}

function sccmPush(s: Sim, smsexecPid: string): void {
  const { rng, fleet } = s;
  const machine: User = { sid: 'S-1-5-21-1111111111-2222222222-3333333333-9001', name: `${fleet.sccm.name}$`, domain: 'CORP' };
  oneByOne(s, rng.sample([...fleet.servers, ...fleet.workstations], rng.int(8, 16)), [15_000, 30_000], (x, target) => {
    const { b, fleet: f } = x;
    const sccm = f.sccm;
    const a = f.accounts.sccm;
    // The site server's kernel SMB on a 2023 sensor: unnamed, suppressed by the server's tag.
    x.emit(b.connect(sccm, { remote: target.ip, port: '445', pid: sccm.systemPid }));
    x.emit(b.fileWritten(sccm, { target: `\\Device\\Mup\\${target.name}\\ADMIN$\\ccmsetup\\ccmsetup.exe`, pid: smsexecPid, image: `${VOL}\\Program Files\\Microsoft Configuration Manager\\bin\\x64\\smsexec.exe`, pe: true, user: `${a.domain}\\${a.name}`, operatorSid: a.sid }));
    x.emit(b.shareOpened(target, { share: 'ADMIN$', remote: sccm.ip, user: machine.name, domain: machine.domain }));
    pushArrives(x, target, sccm, a, ['IPC$', 'ADMIN$']);
    const ccmsetup = b.upid();
    x.emit(b.service(target, { display: 'ccmsetup', imagePath: '"C:\\Windows\\ccmsetup\\ccmsetup.exe" /runservice /config:MobileClient.tcf', pid: b.upid(), user: a.name }));
    x.emit(b.execOnSmb(target, { pid: ccmsetup, remote: sccm.ip, client: sccm.name, user: x.rng.chance(0.3) ? machine : a, auth: a.auth }));
    x.emit(b.process(target, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${WIN}ccmsetup\\ccmsetup.exe`, cmd: '"C:\\Windows\\ccmsetup\\ccmsetup.exe" /runservice /config:MobileClient.tcf', parent: 'services.exe', pid: ccmsetup }));
    x.after(x.rng.int(60_000, 120_000), (y) => {
      y.emit(y.b.service(target, { display: 'CcmExec', imagePath: 'C:\\Windows\\CCM\\CcmExec.exe', pid: y.b.upid(), start: '2' }));
      y.emit(y.b.process(target, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: `${WIN}CCM\\CcmExec.exe`, cmd: 'C:\\Windows\\CCM\\CcmExec.exe', parent: 'services.exe' }));
    });
  });
}

/** svc_deploy on the jump host: map C$, robocopy a package onto it, run it over WinRM, unmap. */
function jumpSession(s: Sim): void {
  const { b, rng, fleet } = s;
  const j = fleet.jump;
  const a = fleet.accounts.deploy;
  const target = rng.pick(fleet.servers);
  const pkg = rng.pick(['agent-5.2', 'splunkforwarder-9.3', 'dotnet-8.0.11']);
  const run = (h: FleetHost, image: string, cmd: string, parent: string, pid = b.upid(), parentPid?: string) =>
    s.emit(b.process(h, { sid: a.sid, auth: a.auth, image, cmd, parent, pid, parentPid }));
  const shell = b.upid();
  s.emit(b.logon(j, a, { auth: a.auth, type: '10' }));
  run(j, `${S32}cmd.exe`, '"C:\\Windows\\system32\\cmd.exe"', 'explorer.exe', shell);
  const netUse = (cmd: string): void => {
    const net = b.upid();
    run(j, `${S32}net.exe`, cmd, 'cmd.exe', net, shell);
    run(j, `${S32}net1.exe`, `C:\\Windows\\system32\\net1 ${cmd.slice(4)}`, 'net.exe', undefined, net);
  };
  netUse(`net use \\\\${target.name}\\C$ /user:CORP\\${a.name}`);
  s.emit(b.connect(j, { remote: target.ip, port: '445', pid: j.systemPid, process: 'System' }));
  pushArrives(s, target, j, a, ['IPC$', 'C$']);
  const robocopy = b.upid();
  run(j, `${S32}Robocopy.exe`, `robocopy \\\\${fleet.fileServers[0].name}\\software\\${pkg} \\\\${target.name}\\C$\\Temp\\${pkg} /E /R:1 /W:1`, 'cmd.exe', robocopy, shell);
  s.emit(b.fileWritten(j, { target: `\\Device\\Mup\\${target.name}\\C$\\Temp\\${pkg}\\setup.exe`, pid: robocopy, image: `${S32}Robocopy.exe`, pe: true, user: `${a.domain}\\${a.name}`, operatorSid: a.sid }));
  // A tool fetched from the admin's own machine through the RDP session's drive redirection (\\tsclient\C).
  s.emit(b.fileWritten(j, { target: `\\Device\\Mup\\tsclient\\C\\Tools\\procexp64.exe`, pid: b.upid(), image: `${WIN}explorer.exe`, pe: true, user: `${a.domain}\\${a.name}`, operatorSid: a.sid }));
  s.after(rng.int(20_000, 60_000), (x) => {
    const ps = x.b.upid();
    run(j, `${S32}WindowsPowerShell\\v1.0\\powershell.exe`, `powershell.exe -Command "Invoke-Command -ComputerName ${target.name} -ScriptBlock { Start-Process C:\\Temp\\${pkg}\\setup.exe -ArgumentList '/quiet' -Wait }"`, 'cmd.exe', ps, shell);
    x.emit(x.b.connect(j, { remote: target.ip, port: '5985', pid: ps, process: 'powershell.exe' }));
    const host = x.b.upid();
    const setup = x.b.upid();
    run(target, `${S32}wsmprovhost.exe`, 'C:\\Windows\\system32\\wsmprovhost.exe -Embedding', 'svchost.exe', host);
    // The package was written over SMB: its execution is a ProcessExecOnSMBFile naming the jump host's address.
    x.emit(x.b.execOnSmb(target, { pid: setup, remote: j.ip, client: j.name, user: a, auth: a.auth }));
    run(target, `${VOL}\\Temp\\${pkg}\\setup.exe`, `"C:\\Temp\\${pkg}\\setup.exe" /quiet`, 'wsmprovhost.exe', setup, host);
    netUse(`net use \\\\${target.name}\\C$ /delete`);
  });
}

/** The Zabbix poller reaching each monitored server over SMB (IPC$: performance counters and service state). */
function pollCycle(s: Sim, targets: readonly FleetHost[], zabbixPid: string): void {
  oneByOne(s, targets, [800, 2_000], (x, t) => {
    const { b, fleet } = x;
    const mon = fleet.monitoring;
    x.emit(b.connect(mon, { remote: t.ip, port: '445', pid: zabbixPid, process: 'zabbix_agentd.exe' }));
    x.emit(b.connect(mon, { remote: t.ip, port: '10050', pid: zabbixPid, process: 'zabbix_agentd.exe' }));
    x.emit(b.accept(t, { remote: mon.ip, localPort: '445', pid: t.systemPid, process: 'System' }));
    x.emit(b.shareOpened(t, { share: 'IPC$', remote: mon.ip, user: fleet.accounts.monitor.name, domain: 'CORP' }));
  });
}

/** The hourly Veeam job: the agent's and the kernel's SMB to each protected server (old sensor: joined or unnamed). */
function backupJob(s: Sim, targets: readonly FleetHost[]): void {
  const { b, fleet } = s;
  const bkp = fleet.backup;
  const v = fleet.accounts.backup;
  const agent = b.upid();
  s.emit(b.process(bkp, { sid: v.sid, auth: v.auth, image: `${VOL}\\Program Files (x86)\\Veeam\\Backup Transport\\x64\\VeeamAgent.exe`, cmd: '"C:\\Program Files (x86)\\Veeam\\Backup Transport\\x64\\VeeamAgent.exe" -l Job.Servers-Daily', parent: 'Veeam.Backup.Manager.exe', pid: agent }));
  oneByOne(s, targets, [4_000, 10_000], (x, t) => {
    const { b: xb, rng } = x;
    x.emit(xb.connect(bkp, { remote: t.ip, port: '445', pid: agent }));
    x.emit(xb.connect(bkp, { remote: t.ip, port: '445', pid: bkp.systemPid }));
    x.emit(xb.connect(bkp, { remote: t.ip, port: '6160', pid: agent }));
    x.emit(xb.accept(t, { remote: bkp.ip, localPort: '445', pid: t.systemPid, process: 'System' }));
    x.emit(xb.shareOpened(t, { share: 'IPC$', remote: bkp.ip, user: v.name, domain: v.domain }));
    // The guest agent checks its own shares over loopback (IPv4, IPv6, IPv4-mapped IPv6).
    const local = xb.upid();
    const loop = rng.pick(['127.0.0.1', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
    x.emit(xb.connect(t, { remote: loop, port: '445', pid: local, process: 'VeeamGuestHelper.exe' }));
    x.emit(xb.shareOpened(t, { share: 'C$', remote: loop, user: v.name, domain: v.domain }));
  });
}

/** Failover cluster nodes reading each other's admin shares as machine accounts. */
function clusterCheck(s: Sim): void {
  const { b, rng, fleet } = s;
  const [from, to] = rng.chance(0.5) ? fleet.sql : [fleet.sql[1], fleet.sql[0]];
  s.emit(b.connect(from, { remote: to.ip, port: '445', pid: from.systemPid, process: 'System' }));
  s.emit(b.accept(to, { remote: from.ip, localPort: '445', pid: to.systemPid, process: 'System' }));
  for (const share of ['IPC$', rng.pick(['ADMIN$', 'C$'])]) s.emit(b.shareOpened(to, { share, remote: from.ip, user: `${from.name}$`, domain: 'CORP' }));
}

