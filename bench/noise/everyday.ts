/**
 * What every host does all day, none of it lateral movement: identity events as FDR sends them (AgentOnline on
 * sensor connects, UserLogon + UserIdentity on logons), ordinary process starts with their image hashes, DNS and
 * HTTPS, registry and local file writes; kernel and svchost SMB to domain controllers and file servers (the server
 * side: inbound accepts, share opens of SYSVOL, NETLOGON, IPC$, user shares); `net use` to user shares and home
 * drives (`\\fs\home$` is hidden, not an admin share) and `net use \\srv\C$ /delete`; copies to user shares;
 * ordinary service installs; Falcon RTR reaching a file share.
 */
import { SYSTEM_AUTH, SYSTEM_SID } from '../../events/fdr-shapes';
import type { Account, FleetHost } from './fleet';
import type { Sim } from './sim';

export const VOL = '\\Device\\HarddiskVolume2';
export const WIN = `${VOL}\\Windows\\`;
export const S32 = `${VOL}\\Windows\\System32\\`;
const PUBLIC = ['142.250.74.100', '13.107.42.14', '52.113.194.132', '20.190.159.2', '151.101.1.140', '104.18.32.7', '23.35.70.12', '40.126.31.67'];
const DOMAINS = ['www.google.com', 'outlook.office365.com', 'teams.microsoft.com', 'login.microsoftonline.com', 'cdn.jsdelivr.net', 'github.com', 'settings-win.data.microsoft.com', 'ctldl.windowsupdate.com'];

interface App {
  image: string;
  cmd: (u: Account) => string;
  parent: string;
  /** Talks HTTPS. */
  web?: boolean;
}

const base = (path: string): string => path.slice(path.lastIndexOf('\\') + 1);

/** A user's applications. explorer.exe and HelpPane.exe are 8 letters directly in C:\Windows (not under services.exe). */
const USER_APPS: App[] = [
  { image: `${VOL}\\Program Files\\Google\\Chrome\\Application\\chrome.exe`, cmd: () => '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --field-trial-handle=1864,i,4491866183432384620', parent: 'chrome.exe', web: true },
  { image: `${VOL}\\Program Files\\Google\\Chrome\\Application\\chrome.exe`, cmd: () => '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"', parent: 'explorer.exe', web: true },
  { image: `${VOL}\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe`, cmd: () => '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --profile-directory=Default', parent: 'explorer.exe', web: true },
  { image: `${VOL}\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE`, cmd: () => '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" /recycle', parent: 'explorer.exe', web: true },
  { image: `${VOL}\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE`, cmd: (u) => `"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE" "\\\\SRV-FS01\\share\\finance\\${u.name}-q4.xlsx"`, parent: 'explorer.exe' },
  { image: `${VOL}\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE`, cmd: () => '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n', parent: 'explorer.exe' },
  { image: `${VOL}\\Users\\USER\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe`, cmd: () => '"C:\\Users\\USER\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --process-start-time', parent: 'explorer.exe', web: true },
  { image: `${S32}notepad.exe`, cmd: (u) => `"C:\\Windows\\system32\\NOTEPAD.EXE" C:\\Users\\${u.name}\\Documents\\notes.txt`, parent: 'explorer.exe' },
  { image: `${WIN}explorer.exe`, cmd: () => 'C:\\Windows\\Explorer.EXE', parent: 'userinit.exe' },
  { image: `${WIN}HelpPane.exe`, cmd: () => 'C:\\Windows\\HelpPane.exe -Embedding', parent: 'svchost.exe' },
  { image: `${S32}cmd.exe`, cmd: (u) => `"C:\\Windows\\system32\\cmd.exe" /c dir C:\\Users\\${u.name}\\Documents > C:\\Users\\${u.name}\\dir.txt`, parent: 'explorer.exe' },
  { image: `${S32}WindowsPowerShell\\v1.0\\powershell.exe`, cmd: () => 'powershell.exe -NoProfile -Command "Get-ChildItem \\\\SRV-FS01\\share\\reports | Select-Object Name,Length"', parent: 'explorer.exe' },
  { image: `${VOL}\\Program Files\\Microsoft VS Code\\Code.exe`, cmd: () => '"C:\\Program Files\\Microsoft VS Code\\Code.exe" --type=utility --utility-sub-type=network.mojom.NetworkService', parent: 'Code.exe', web: true },
  { image: `${VOL}\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe`, cmd: (u) => `"C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe" "C:\\Users\\${u.name}\\Downloads\\invoice.pdf"`, parent: 'explorer.exe' },
];

/** What Windows and its services start: SYSTEM processes, several under services.exe (none a remote-execution service). */
const SYSTEM_APPS: { image: string; cmd: string; parent: string }[] = [
  { image: `${S32}svchost.exe`, cmd: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', parent: 'services.exe' },
  { image: `${S32}svchost.exe`, cmd: 'C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p -s wscsvc', parent: 'services.exe' },
  { image: `${S32}svchost.exe`, cmd: 'C:\\Windows\\System32\\svchost.exe -k wsappx -p -s ClipSVC', parent: 'services.exe' },
  { image: `${S32}taskhostw.exe`, cmd: 'taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}', parent: 'svchost.exe' },
  { image: `${S32}conhost.exe`, cmd: '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', parent: 'cmd.exe' },
  { image: `${S32}backgroundTaskHost.exe`, cmd: '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider', parent: 'svchost.exe' },
  { image: `${S32}SearchProtocolHost.exe`, cmd: '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe1_ Global\\UsGthrCtrlFltPipeMssGthrPipe1', parent: 'SearchIndexer.exe' },
  { image: `${S32}wbem\\WmiPrvSE.exe`, cmd: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', parent: 'svchost.exe' },
  { image: `${S32}msiexec.exe`, cmd: 'C:\\Windows\\system32\\msiexec.exe /V', parent: 'services.exe' },
  { image: `${WIN}servicing\\TrustedInstaller.exe`, cmd: 'C:\\Windows\\servicing\\TrustedInstaller.exe', parent: 'services.exe' },
  { image: `${S32}sppsvc.exe`, cmd: 'C:\\Windows\\system32\\sppsvc.exe', parent: 'services.exe' },
  { image: `${S32}gpupdate.exe`, cmd: 'gpupdate.exe /target:computer /force', parent: 'svchost.exe' },
  // Management agents shell out under WMI and the service manager: local redirects, local batch files.
  { image: `${S32}cmd.exe`, cmd: 'C:\\Windows\\system32\\cmd.exe /q /c "C:\\Windows\\CCM\\SystemTemp\\check.cmd" 1> C:\\Windows\\Temp\\ccm_check.log 2>&1', parent: 'WmiPrvSE.exe' },
  { image: `${S32}cmd.exe`, cmd: 'C:\\Windows\\system32\\cmd.exe /c "C:\\Program Files\\Agent\\bin\\rotate.bat"', parent: 'services.exe' },
  // Configuration management running (encoded) PowerShell under its own agent, not the service manager.
  { image: `${S32}WindowsPowerShell\\v1.0\\powershell.exe`, cmd: 'powershell.exe -NoLogo -NonInteractive -ExecutionPolicy Bypass -EncodedCommand JABQAHIAbwBnAHIAZQBzAHMAUAByAGUAZgBlAHIAZQBuAGMAZQA9ACIAUwBpAGwAZQBuAHQAbAB5AEMAbwBuAHQAaQBuAHUAZQAiAA==', parent: 'CcmExec.exe' },
  { image: `${S32}WindowsPowerShell\\v1.0\\powershell.exe`, cmd: 'powershell.exe -NoProfile -executionPolicy bypass -file "C:\\Program Files (x86)\\Microsoft Intune Management Extension\\Policies\\Scripts\\4f2a_91c3.ps1"', parent: 'AgentExecutor.exe' },
];

/** Ordinary services installed or repointed by updaters and drivers. */
const SERVICES: { display: string; imagePath: string; modify?: boolean }[] = [
  { display: 'GoogleUpdaterService131.0.6778.86', imagePath: '"C:\\Program Files (x86)\\Google\\GoogleUpdater\\131.0.6778.86\\updater.exe" --system --windows-service' },
  { display: 'edgeupdate', imagePath: '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /svc' },
  { display: 'MpKslDrv', imagePath: '\\??\\C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{6F1A2B3C-4D5E-4F60-8A9B-0C1D2E3F4A5B}\\MpKslDrv.sys' },
  { display: 'wuauserv', imagePath: '%systemroot%\\system32\\svchost.exe -k netsvcs -p', modify: true },
  { display: 'CSFalconService', imagePath: '"C:\\Program Files\\CrowdStrike\\CSFalconService.exe"', modify: true },
  { display: 'Sense', imagePath: '"%ProgramFiles%\\Windows Defender Advanced Threat Protection\\MsSense.exe"' },
  { display: 'ArcMaintenance', imagePath: 'powershell.exe -NoProfile -ExecutionPolicy Bypass -File "C:\\Program Files\\AzureConnectedMachineAgent\\ExtensionService\\run.ps1"' },
];

/** Per host: the svchost started most recently (old sensors name SMB of a svchost only through its start line). */
const svchostOf = new WeakMap<FleetHost, string>();

/** A user application starting, with its image hash, DNS and HTTPS, a registry write, sometimes a download. */
export function userApp(s: Sim, h: FleetHost): void {
  const { b, rng } = s;
  const u = h.user!;
  const app = rng.pick(USER_APPS);
  const image = app.image.replace('\\USER\\', `\\${u.name}\\`);
  const pid = b.upid();
  s.emit(b.process(h, { sid: u.sid, auth: u.auth, image, cmd: app.cmd(u).replace('\\USER\\', `\\${u.name}\\`), parent: app.parent, pid }));
  s.emit(b.other(h, 'ImageHash', { ContextProcessId: pid, ImageFileName: image, SHA256HashData: rng.hex(64), MD5HashData: rng.hex(32) }));
  if (app.web) {
    for (let i = rng.int(1, 3); i > 0; i--) {
      s.emit(b.other(h, 'DnsRequest', { ContextProcessId: pid, DomainName: rng.pick(DOMAINS), RequestType: '1', DualRequest: '0' }));
      s.emit(b.connect(h, { remote: rng.pick(PUBLIC), port: rng.chance(0.9) ? '443' : '80', pid, process: base(image) }));
    }
  }
  s.emit(b.other(h, 'RegGenericValueUpdate', { ContextProcessId: pid, RegObjectName: `\\REGISTRY\\USER\\${u.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs`, RegValueName: 'MRUListEx', RegOperationType: '1' }));
  if (app.web && rng.chance(0.1)) {
    // A download: an executable written to the local disk by the browser.
    const target = `${VOL}\\Users\\${u.name}\\Downloads\\${rng.pick(['ChromeSetup', 'zoom_installer', 'npp.8.7.Installer.x64', 'vlc-3.0.21-win64'])}.exe`;
    s.emit(b.fileWritten(h, { target, pid, image, pe: rng.chance(0.5), user: `${u.domain}\\${u.name}`, operatorSid: u.sid }));
  }
  if (rng.chance(0.6)) s.emit(b.other(h, 'EndOfProcess', { TargetProcessId: pid, RawProcessId: String(rng.int(1000, 60000)) }));
}

/** Windows itself: a SYSTEM process start, its DNS, an update check, LDAP/Kerberos to a DC, a registry write. */
export function systemActivity(s: Sim, h: FleetHost): void {
  const { b, rng, fleet } = s;
  const app = rng.pick(SYSTEM_APPS);
  const pid = b.upid();
  s.emit(b.process(h, { sid: SYSTEM_SID, auth: SYSTEM_AUTH, image: app.image, cmd: app.cmd, parent: app.parent, pid }));
  if (base(app.image) === 'svchost.exe') svchostOf.set(h, pid);
  s.emit(b.other(h, 'ImageHash', { ContextProcessId: pid, ImageFileName: app.image, SHA256HashData: rng.hex(64), MD5HashData: rng.hex(32) }));
  const dc = rng.pick(fleet.dcs);
  s.emit(b.other(h, 'DnsRequest', { ContextProcessId: pid, DomainName: rng.pick(['_ldap._tcp.dc._msdcs.corp.example', `${dc.name.toLowerCase()}.corp.example`, 'settings-win.data.microsoft.com']), RequestType: rng.pick(['1', '33']), DualRequest: '0' }));
  const dns = b.connect(h, { remote: dc.ip, port: '53', pid, process: 'svchost.exe' });
  dns.Protocol = '17';
  s.emit(dns);
  if (rng.chance(0.4)) s.emit(b.connect(h, { remote: dc.ip, port: rng.pick(['88', '389', '135', '3268']), pid: b.upid(), process: 'lsass.exe' }));
  if (rng.chance(0.3)) s.emit(b.connect(h, { remote: rng.pick(PUBLIC), port: rng.pick(['443', '80']), pid, process: base(app.image) }));
  s.emit(b.other(h, 'RegGenericValueUpdate', { ContextProcessId: pid, RegObjectName: '\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Orchestrator', RegValueName: 'LastScanTime', RegOperationType: '1' }));
  if (rng.chance(0.05)) {
    // Windows Update downloading: executables written locally by the update service's svchost.
    s.emit(b.fileWritten(h, { target: `${WIN}SoftwareDistribution\\Download\\${rng.hex(32)}\\${rng.pick(['MpSigStub', 'am_delta', 'windows10.0-kb5046613-x64'])}.exe`, pid: svchostOf.get(h) ?? b.upid(), image: `${S32}svchost.exe`, pe: rng.chance(0.5) }));
  }
  if (rng.chance(0.5)) s.emit(b.other(h, 'EndOfProcess', { TargetProcessId: pid, RawProcessId: String(rng.int(1000, 60000)) }));
}

/** The sensor (re)connects: AgentOnline names the host. */
export function agentOnline(s: Sim, h: FleetHost): void {
  s.emit(s.b.online(h));
}

/** An interactive logon (or an unlock) of the workstation's user: UserLogon and UserIdentity. */
export function userLogon(s: Sim, h: FleetHost, type: '2' | '7' | '11' = '2'): void {
  const u = h.user!;
  s.emit(s.b.logon(h, u, { auth: u.auth, type }));
  s.emit(s.b.other(h, 'UserIdentity', { UserSid: u.sid, UserName: u.name, LogonDomain: u.domain, UserPrincipal: `${u.name}@corp.example`, AuthenticationId: u.auth, AuthenticationPackage: 'Kerberos' }));
}

/** A service account's logon on its server (LogonType 5). */
export function serviceLogon(s: Sim, h: FleetHost, a: Account): void {
  s.emit(s.b.logon(h, a, { auth: a.auth, type: '5' }));
}

/**
 * Kernel SMB from `h` to `server`, as the sensor reports it: System's connection (newer sensors name it, and
 * sometimes leave the name empty; older ones never name it), or a svchost's; and the server's side.
 */
export function smbTo(s: Sim, h: FleetHost, server: FleetHost, share: { name: string; user: string }): void {
  const { b, rng } = s;
  const svchost = rng.chance(0.25) ? (svchostOf.get(h) ?? b.upid()) : undefined;
  const named = svchost ? 'svchost.exe' : 'System';
  s.emit(b.connect(h, { remote: server.ip, port: '445', pid: svchost ?? h.systemPid, process: rng.chance(0.03) ? '' : named }));
  s.emit(b.accept(server, { remote: h.ip, localPort: '445', pid: server.systemPid, process: 'System' }));
  // An inbound connection line (ConnectionDirection 1) that names 445: outbound-only rules must pass it by.
  if (rng.chance(0.2)) s.emit(b.connect(server, { remote: h.ip, port: '445', pid: server.systemPid, process: 'System', direction: '1' }));
  s.emit(b.shareOpened(server, { share: 'IPC$', remote: h.ip, user: share.user, domain: 'CORP' }));
  if (share.name !== 'IPC$') s.emit(b.shareOpened(server, { share: share.name, remote: h.ip, user: share.user, domain: 'CORP' }));
}

/** Group policy and logon traffic to a domain controller (the machine account reads SYSVOL, users NETLOGON). */
export function smbToDc(s: Sim, h: FleetHost): void {
  const { rng, fleet } = s;
  const machine = rng.chance(0.6) || !h.user;
  smbTo(s, h, rng.pick(fleet.dcs), { name: machine ? 'SYSVOL' : rng.pick(['NETLOGON', 'SYSVOL']), user: machine ? `${h.name}$` : h.user!.name });
}

/** A user reaching a file share (Explorer, Office, a mapped drive: all kernel SMB). */
export function smbToFileServer(s: Sim, h: FleetHost): void {
  const { rng, fleet } = s;
  const u = h.user!;
  // SRV-FS03 is also the print server: clients fetch drivers from print$ (hidden, not an admin share).
  const fs = rng.pick(fleet.fileServers);
  smbTo(s, h, fs, { name: fs === fleet.fileServers[2] && rng.chance(0.3) ? 'print$' : rng.pick(['share', 'share', 'home$', 'software', 'IPC$']), user: u.name });
}

/** `net use` as users and logon scripts run it: net.exe hands the command to net1.exe. None names an admin share to map. */
export function netUse(s: Sim, h: FleetHost, logonScript = false): void {
  const { b, rng, fleet } = s;
  const u = h.user!;
  const fs = rng.pick(fleet.fileServers);
  const srv = rng.pick(fleet.servers);
  const cmds = logonScript
    ? [`net use H: \\\\${fleet.fileServers[0].name}\\home$\\${u.name} /persistent:no`, `net use S: \\\\${fs.name}\\share`]
    : [rng.pick([`net use \\\\${fs.name}\\share`, `net use \\\\${srv.name}\\C$ /delete`, `net use \\\\${srv.name}\\ADMIN$ /d`, 'net use * /delete /y', 'net use', `net view \\\\${fs.name}`, `net use P: \\\\${fs.name}\\projects$ /persistent:yes`])];
  const shell = b.upid();
  // A shell around net use is not an admin-share command (its net.exe child is what NetUseAdminShare judges).
  const shellCmd = logonScript ? 'C:\\Windows\\system32\\cmd.exe /c "\\\\corp.example\\NETLOGON\\logon.cmd"' : cmds[0].includes('/delete') ? `cmd.exe /c "${cmds[0]}"` : '"C:\\Windows\\system32\\cmd.exe"';
  s.emit(b.process(h, { sid: u.sid, auth: u.auth, image: `${S32}cmd.exe`, cmd: shellCmd, parent: logonScript ? 'userinit.exe' : 'explorer.exe', pid: shell }));
  for (const cmd of cmds) {
    const net = b.upid();
    s.emit(b.process(h, { sid: u.sid, auth: u.auth, image: `${S32}net.exe`, cmd, parent: 'cmd.exe', pid: net, parentPid: shell }));
    s.emit(b.process(h, { sid: u.sid, auth: u.auth, image: `${S32}net1.exe`, cmd: `C:\\Windows\\system32\\net1 ${cmd.slice(4)}`, parent: 'net.exe', parentPid: net }));
    const unc = /\\\\([^\\\s]+)\\([^\\\s]+)/.exec(cmd);
    const target = unc ? fleet.hosts.find((x) => x.name === unc[1]) : undefined;
    if (target && !/\s\/d/i.test(cmd)) smbTo(s, h, target, { name: unc![2], user: u.name });
  }
}

/** Copying to and from user shares: shells, robocopy, PowerShell, Explorer writing an installer to a share. */
export function copyToShare(s: Sim, h: FleetHost): void {
  const { b, rng, fleet } = s;
  const u = h.user!;
  const fs = rng.pick(fleet.fileServers).name;
  const copies: [string, string][] = [
    [`${S32}cmd.exe`, `cmd.exe /c copy C:\\Users\\${u.name}\\Documents\\report.xlsx \\\\${fs}\\share\\reports\\`],
    [`${S32}Robocopy.exe`, `robocopy C:\\Users\\${u.name}\\Documents \\\\${fs}\\home$\\${u.name}\\Documents /MIR /R:1 /W:1`],
    [`${S32}xcopy.exe`, `xcopy /y C:\\Temp\\*.csv \\\\${fs}\\share\\exports\\`],
    [`${S32}WindowsPowerShell\\v1.0\\powershell.exe`, `powershell.exe -Command "Copy-Item -Path C:\\Users\\${u.name}\\Downloads\\tool.zip -Destination \\\\${fs}\\software\\tools\\"`],
    [`${S32}cmd.exe`, `cmd.exe /c dir \\\\${fs}\\share\\ > C:\\Users\\${u.name}\\share.txt`],
  ];
  const [image, cmd] = rng.pick(copies);
  const pid = b.upid();
  s.emit(b.process(h, { sid: u.sid, auth: u.auth, image, cmd, parent: 'explorer.exe', pid }));
  if (rng.chance(0.3)) {
    // An installer dropped on a user share: through the UNC provider, or a mapped drive's redirector path.
    const target = rng.pick([
      `\\Device\\Mup\\${fs}\\software\\installers\\setup-${rng.int(1, 9)}.exe`,
      `\\Device\\Mup\\${rng.pick(fleet.fileServers).ip}\\share\\tools\\putty.exe`,
      `\\Device\\Mup\\corp.example\\dfs\\software\\agent.exe`,
      `\\Device\\LanmanRedirector\\;H:00000000000${rng.int(10000, 99999)}\\${fs}\\home$\\${u.name}\\tools\\app.exe`,
    ]);
    s.emit(b.fileWritten(h, { target, pid: b.upid(), image: `${WIN}explorer.exe`, pe: true, user: `${u.domain}\\${u.name}`, operatorSid: u.sid }));
  }
  smbToFileServer(s, h);
}

/** An updater or a driver installing or repointing its service. */
export function serviceInstall(s: Sim, h: FleetHost): void {
  const svc = s.rng.pick(SERVICES);
  s.emit(s.b.service(h, { display: svc.display, imagePath: svc.imagePath, pid: s.b.upid(), modify: svc.modify, start: '2' }));
}

/** Falcon Real Time Response fetching from a file share: CSFalconService.exe's own SMB (newer sensors name it). */
export function falconRtr(s: Sim, h: FleetHost): void {
  const fs = s.rng.pick(s.fleet.fileServers);
  s.emit(s.b.connect(h, { remote: fs.ip, port: '445', pid: s.b.upid(), process: 'CSFalconService.exe' }));
  s.emit(s.b.accept(fs, { remote: h.ip, localPort: '445', pid: fs.systemPid, process: 'System' }));
}
