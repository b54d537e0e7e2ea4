/**
 * Writes the sample cases of the T1021.002 pack (lambda/packs/t1021-002/*.samples.json; run:
 * `npx tsx events/make-pack-samples.ts`). Every case is built from real FDR key sets (events/fdr-shapes.ts): values
 * are strings, process ids UPIDs above 2^53, IPv6 written in full, ContextBaseFileName absent on older sensors and
 * sometimes present but empty on newer ones. Each alert type gets positive and negative cases; the negative ones are
 * the traps the detection must not fall for (look-alike names, loopback, inbound, machine accounts, removed mappings).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FdrEvents, SYSTEM_AUTH, SYSTEM_SID, type FdrEvent, type Host, type Sensor, type User } from './fdr-shapes';

export const PACK_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'lambda', 'packs', 't1021-002');
const CID = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const T0 = Date.parse('2026-11-16T10:00:00Z');

const host = (sensor: Sensor, over: Partial<Host> = {}): Host => ({ aid: '6f1c2a9e4b7d4c0e9a1b2c3d4e5f6a7b', name: 'WKS-FIN07', ip: '10.0.5.23', sensor, ip6: 'fd00::5:23', ...over });
const WKS = host('mid');
const WKS_NEW = host('new');
const WKS_OLD = host('old');
const SRV = host('mid', { aid: '5e6f7a8b9c0d41e2f3a4b5c6d7e8f9a0', name: 'SRV-APP02', ip: '10.0.7.40', ip6: 'fd00::7:40' });
const SRV_NEW = { ...SRV, sensor: 'new' as Sensor };
const OTHER = host('mid', { aid: '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6', name: 'WKS-HR03', ip: '10.0.5.52' });
const ALICE: User = { sid: 'S-1-5-21-1111111111-2222222222-3333333333-1105', name: 'alice', domain: 'CORP' };
const ADMIN: User = { sid: 'S-1-5-21-1111111111-2222222222-3333333333-500', name: 'Administrator', domain: 'CORP' };
const ALICE_AUTH = '3735001';
const ATTACKER = '10.0.66.6';

const VOL = '\\Device\\HarddiskVolume3';
const WIN = `${VOL}\\Windows\\`;
const S32 = `${VOL}\\Windows\\System32\\`;
const PS = `${S32}WindowsPowerShell\\v1.0\\powershell.exe`;
const PWSH = `${VOL}\\Program Files\\PowerShell\\7\\pwsh.exe`;
const B64 = 'SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA';

interface Case {
  name: string;
  about: string;
  expect: string[];
  throttled?: string[];
  attribution?: 'event' | 'joined' | 'unresolved';
  events?: FdrEvent[];
  objects?: FdrEvent[][];
}

let caseNo = 0;
/** A builder whose clock starts an hour after the previous case's (cases never share a throttle period). */
function fdr(step = 1000): FdrEvents {
  caseNo++;
  return new FdrEvents(CID, T0 + caseNo * 3_600_000, step, BigInt(caseNo));
}

/** A user's process start on `h`. */
function proc(b: FdrEvents, h: Host, image: string, cmd: string, parent: string, o: { user?: User | 'system'; pid?: string; synthetic?: boolean } = {}): FdrEvent {
  const system = o.user === 'system';
  const u = system ? undefined : ((o.user as User | undefined) ?? ALICE);
  return b.process(h, { sid: system ? SYSTEM_SID : u!.sid, auth: system ? SYSTEM_AUTH : ALICE_AUTH, image, cmd, parent, pid: o.pid, synthetic: o.synthetic });
}

/** A case of one process start. */
const one = (name: string, about: string, expect: string[], image: string, cmd: string, parent: string, o: Parameters<typeof proc>[5] & { h?: Host } = {}): Case => {
  const b = fdr();
  return { name, about, expect, events: [proc(b, o.h ?? WKS, image, cmd, parent, o)] };
};

const doc = (rule: string, cases: Case[]): string => JSON.stringify({ rule, cases }, null, 1) + '\n';

// ------------------------------------------------------------------------------------------------------------------
// Process starts (t1021-002): first match wins.

function processCases(): Case[] {
  const c: Case[] = [];
  const svc = (name: string, expect: string[], image: string, cmd = image.replace(VOL, 'C:'), parent = 'services.exe') =>
    one(name, 'RemoteExecService', expect, image, cmd, parent, { h: SRV, user: 'system' });
  // RemoteExecService
  c.push(svc('PsExec service: PSEXESVC.exe started by services.exe', ['RemoteExecService'], `${WIN}PSEXESVC.exe`));
  c.push(svc('PsExec service in lower case, parent in upper case', ['RemoteExecService'], `${WIN}psexesvc.exe`, 'C:\\Windows\\psexesvc.exe', 'SERVICES.EXE'));
  c.push(svc('RemCom service RemComSvc.exe', ['RemoteExecService'], `${WIN}RemComSvc.exe`));
  c.push(svc('CSExec service csexecsvc.exe', ['RemoteExecService'], `${WIN}csexecsvc.exe`));
  c.push(svc('PAExec service PAExec-4528-WKS-FIN07.exe', ['RemoteExecService'], `${WIN}PAExec-4528-WKS-FIN07.exe`));
  c.push(svc('Impacket psexec.py: a random 8-letter binary directly in C:\\Windows', ['RemoteExecService'], `${WIN}QwErTyUi.exe`));
  c.push(svc('PSEXESVC.exe not started by services.exe', [], `${WIN}PSEXESVC.exe`, 'C:\\Windows\\PSEXESVC.exe', 'cmd.exe'));
  c.push(svc('SCCM ccmsetup.exe: 8 letters, but in a folder of C:\\Windows', [], `${WIN}ccmsetup\\ccmsetup.exe`, '"C:\\Windows\\ccmsetup\\ccmsetup.exe" /runservice'));
  c.push(svc('8 letters in System32 (WUDFHost.exe) is not directly in C:\\Windows', [], `${S32}WUDFHost.exe`));
  c.push(svc('8 characters with digits (splwow64.exe)', [], `${WIN}splwow64.exe`));
  c.push(svc('7 letters directly in C:\\Windows', [], `${WIN}regedit.exe`));
  c.push(svc('a Windows folder deeper in the volume is not the Windows directory', [], `${VOL}\\Program Files\\Agent\\Windows\\AgentSvc.exe`));
  c.push(svc('explorer.exe: 8 letters in C:\\Windows, started by userinit.exe', [], `${WIN}explorer.exe`, 'C:\\Windows\\Explorer.EXE', 'userinit.exe'));
  c.push(svc('svchost.exe started by services.exe', [], `${S32}svchost.exe`, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule'));

  // RemoteExecChild
  const child = (name: string, expect: string[], image: string, cmd: string, parent: string) => one(name, 'RemoteExecChild', expect, image, cmd, parent, { h: SRV, user: 'system' });
  c.push(child('cmd.exe started by PSEXESVC.exe', ['RemoteExecChild'], `${S32}cmd.exe`, '"cmd" /c whoami', 'PSEXESVC.exe'));
  c.push(child('whoami.exe started by psexesvc.exe (lower case)', ['RemoteExecChild'], `${S32}whoami.exe`, 'whoami /all', 'psexesvc.exe'));
  c.push(child('a child of RemComSvc.exe', ['RemoteExecChild'], `${S32}cmd.exe`, 'cmd.exe /c ipconfig', 'RemComSvc.exe'));
  c.push(child('a child of csexecsvc.exe', ['RemoteExecChild'], `${S32}cmd.exe`, 'cmd.exe /c hostname', 'csexecsvc.exe'));
  c.push(child('a child of PAExec-4528-WKS-FIN07.exe', ['RemoteExecChild'], `${S32}ipconfig.exe`, 'ipconfig /all', 'PAExec-4528-WKS-FIN07.exe'));
  c.push(child('net.exe started by PSEXESVC.exe: RemoteExecChild comes before NetUseAdminShare', ['RemoteExecChild'], `${S32}net.exe`, 'net use \\\\SRV-DB01\\C$', 'PSEXESVC.exe'));
  c.push(
    child(
      'Impacket smbexec.py (current): services.exe runs cmd.exe /Q /c echo … ^> \\\\HOST\\C$\\__output_<8> … & del <8>.bat',
      ['RemoteExecChild'],
      `${S32}cmd.exe`,
      'C:\\Windows\\system32\\cmd.exe /Q /c echo cd  ^> \\\\SRV-APP02\\C$\\__output_lMbNqTrS 2^>^&1 > C:\\Windows\\hGfDsAzX.bat & C:\\Windows\\system32\\cmd.exe /Q /c C:\\Windows\\hGfDsAzX.bat & del C:\\Windows\\hGfDsAzX.bat',
      'services.exe',
    ),
  );
  c.push(
    child(
      'Impacket smbexec.py (older): output to \\\\127.0.0.1\\C$\\__output',
      ['RemoteExecChild'],
      `${S32}cmd.exe`,
      'C:\\Windows\\system32\\cmd.exe /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > C:\\Windows\\TEMP\\execute.bat & C:\\Windows\\system32\\cmd.exe /Q /c C:\\Windows\\TEMP\\execute.bat & del C:\\Windows\\TEMP\\execute.bat',
      'services.exe',
    ),
  );
  c.push(
    child(
      'smbexec-style batch with output elsewhere: ".bat & del " alone',
      ['RemoteExecChild'],
      `${S32}cmd.exe`,
      'C:\\Windows\\system32\\cmd.exe /q /c echo ipconfig ^> C:\\Windows\\Temp\\o.txt > C:\\Windows\\KjHgFdSa.bat & C:\\Windows\\system32\\cmd.exe /Q /c C:\\Windows\\KjHgFdSa.bat & del C:\\Windows\\KjHgFdSa.bat',
      'services.exe',
    ),
  );
  c.push(
    child(
      'Invoke-SMBExec: services.exe runs cmd.exe starting encoded PowerShell',
      ['RemoteExecChild'],
      `${S32}cmd.exe`,
      `C:\\Windows\\system32\\cmd.exe /C "C:\\Windows\\system32\\cmd.exe /C start /b C:\\Windows\\System32\\WindowsPowershell\\v1.0\\powershell.exe -noP -sta -w 1 -enc ${B64}"`,
      'services.exe',
    ),
  );
  c.push(child('a service running powershell.exe -EncodedCommand', ['RemoteExecChild'], PS, `powershell.exe -NoProfile -NonInteractive -EncodedCommand ${B64}`, 'services.exe'));
  c.push(child('a service running pwsh.exe /ec (slash form)', ['RemoteExecChild'], PWSH, `"C:\\Program Files\\PowerShell\\7\\pwsh.exe" -NoLogo /ec ${B64}`, 'services.exe'));
  c.push(child('a service running powershell.exe -e (shortest prefix)', ['RemoteExecChild'], PS, `powershell -w hidden -e ${B64}`, 'services.exe'));
  c.push(child('a service wrapper running a batch file: not remote execution', [], `${S32}cmd.exe`, 'C:\\Windows\\system32\\cmd.exe /c "C:\\Program Files\\Agent\\start.bat"', 'services.exe'));
  c.push(
    child(
      'smbexec-like echo without /Q: not the Impacket shape',
      [],
      `${S32}cmd.exe`,
      'C:\\Windows\\system32\\cmd.exe /c echo cd ^> C:\\Windows\\Temp\\__output_x',
      'services.exe',
    ),
  );
  c.push(
    child(
      'the smbexec command line under cmd.exe (not services.exe) is an admin-share redirect, not RemoteExecChild',
      ['AdminShareCommand'],
      `${S32}cmd.exe`,
      'C:\\Windows\\system32\\cmd.exe /Q /c echo cd  ^> \\\\SRV-APP02\\C$\\__output_lMbNqTrS 2^>^&1 > C:\\Windows\\hGfDsAzX.bat',
      'cmd.exe',
    ),
  );
  c.push(child('a service running a PowerShell script file', [], PS, 'powershell.exe -ExecutionPolicy Bypass -File C:\\ProgramData\\Agent\\health.ps1', 'services.exe'));
  c.push(child('a service running powershell -ep bypass -c (no encoded command)', [], PS, 'powershell.exe -ep bypass -nop -c "Get-Service | Out-File C:\\Temp\\s.txt"', 'services.exe'));
  c.push(
    child(
      'robocopy /e inside PowerShell started by a service: /e is not -EncodedCommand',
      [],
      `${S32}cmd.exe`,
      'C:\\Windows\\system32\\cmd.exe /c powershell -command "robocopy C:\\Data D:\\Backup /e /purge /r:1"',
      'services.exe',
    ),
  );
  c.push(one('encoded PowerShell from an interactive shell is not service-launched', 'RemoteExecChild', [], PS, `powershell.exe -enc ${B64}`, 'explorer.exe'));
  c.push(child('a child of the random psexec.py binary is out of scope', [], `${S32}cmd.exe`, 'cmd.exe /c whoami', 'QwErTyUi.exe'));

  // ImpacketExecRedirect
  const wmi = (name: string, expect: string[], cmd: string, parent: string, about = 'ImpacketExecRedirect') => one(name, about, expect, `${S32}cmd.exe`, cmd, parent, { h: SRV, user: ADMIN });
  c.push(wmi('Impacket wmiexec.py: cmd.exe /Q /c … 1> \\\\127.0.0.1\\ADMIN$\\__<time> 2>&1 under WmiPrvSE.exe', ['ImpacketExecRedirect'], 'cmd.exe /Q /c cd \\ 1> \\\\127.0.0.1\\ADMIN$\\__1795170123.4567 2>&1', 'WmiPrvSE.exe'));
  c.push(wmi('wmiexec.py with -share C$', ['ImpacketExecRedirect'], 'cmd.exe /Q /c whoami /all 1> \\\\127.0.0.1\\C$\\__1795170123.4567 2>&1', 'WmiPrvSE.exe'));
  c.push(wmi('Impacket dcomexec.py (MMC20): under mmc.exe, 5-digit output name', ['ImpacketExecRedirect'], 'cmd.exe /Q /c ipconfig 1> \\\\127.0.0.1\\ADMIN$\\__17951 2>&1', 'mmc.exe'));
  c.push(wmi('dcomexec.py (ShellWindows): under explorer.exe', ['ImpacketExecRedirect'], 'cmd.exe /Q /c tasklist 1> \\\\127.0.0.1\\ADMIN$\\__17951 2>&1', 'explorer.exe'));
  c.push(wmi('upper case CMD.EXE /q /C, admin$ in lower case, parent WMIPRVSE.EXE', ['ImpacketExecRedirect'], 'CMD.EXE /q /C hostname 1> \\\\127.0.0.1\\admin$\\__1795170123.45 2>&1', 'WMIPRVSE.EXE'));
  c.push(wmi('the wmiexec line under cmd.exe is an admin-share redirect, not Impacket', ['AdminShareCommand'], 'cmd.exe /Q /c cd \\ 1> \\\\127.0.0.1\\ADMIN$\\__1795170123.4567 2>&1', 'cmd.exe'));
  c.push(wmi('under WmiPrvSE.exe, output to output.txt (not __<digits>) is an admin-share redirect', ['AdminShareCommand'], 'cmd.exe /Q /c hostname 1> \\\\127.0.0.1\\ADMIN$\\output.txt 2>&1', 'WmiPrvSE.exe'));
  c.push(wmi('cmd.exe under WmiPrvSE.exe without a redirect (SCCM, WMI event consumers)', [], 'cmd.exe /c "C:\\Windows\\CCM\\SystemTemp\\install.cmd"', 'WmiPrvSE.exe'));

  // PsExecExecution
  const tool = (name: string, expect: string[], image: string, cmd: string, o: { synthetic?: boolean } = {}) => one(name, 'PsExecExecution', expect, image, cmd, 'cmd.exe', o);
  c.push(tool('PsExec.exe launched', ['PsExecExecution'], `${VOL}\\Tools\\PsExec.exe`, 'PsExec.exe \\\\10.0.7.40 -accepteula -s cmd.exe'));
  c.push(tool('PsExec64.exe launched', ['PsExecExecution'], `${VOL}\\Tools\\PsExec64.exe`, 'PsExec64.exe \\\\10.0.7.40 -s cmd.exe'));
  c.push(tool('PsExec64a.exe (ARM64) launched', ['PsExecExecution'], `${VOL}\\Tools\\PsExec64a.exe`, 'PsExec64a.exe \\\\10.0.7.40 -s cmd.exe'));
  c.push(tool('psexec.exe in lower case', ['PsExecExecution'], `${VOL}\\Users\\Public\\psexec.exe`, 'psexec.exe  -accepteula  \\\\10.0.7.40 cmd.exe  /c echo "--access-token"'));
  c.push(tool('PAExec.exe launched', ['PsExecExecution'], `${VOL}\\Tools\\PAExec.exe`, 'PAExec.exe \\\\SRV-APP02 -s ipconfig'));
  c.push(tool('RemCom.exe launched', ['PsExecExecution'], `${VOL}\\Tools\\RemCom.exe`, 'remcom.exe \\\\10.0.7.40 /user:CORP\\alice cmd.exe'));
  c.push(tool('PsExec from a forward-slash path', ['PsExecExecution'], 'C:/Tools/PsExec.exe', 'PsExec.exe \\\\10.0.7.40 cmd'));
  c.push(tool('PsExec seen by SyntheticProcessRollup2 (already running)', ['PsExecExecution'], `${VOL}\\Tools\\PsExec.exe`, 'PsExec.exe \\\\10.0.7.40 cmd', { synthetic: true }));
  c.push(tool('mypsexec.exe: a different binary whose name contains psexec', [], `${VOL}\\Tools\\mypsexec.exe`, 'mypsexec.exe'));
  c.push(tool('psexec6.exe: the seed regex psexec64? matched this; the real names are psexec, psexec64, psexec64a', [], `${VOL}\\Tools\\psexec6.exe`, 'psexec6.exe'));
  c.push(tool('PsExec.exe.bak: not an .exe name', [], `${VOL}\\Tools\\PsExec.exe.bak`, 'PsExec.exe.bak'));
  c.push(tool('psexec64b.exe: not a Sysinternals name', [], `${VOL}\\Tools\\psexec64b.exe`, 'psexec64b.exe'));
  c.push(tool('PsExec only in the command line of another process', [], `${S32}notepad.exe`, 'notepad.exe C:\\Tools\\PsExec.exe'));
  {
    const b = fdr();
    const pid = b.upid();
    c.push({ name: 'PsExec.exe named by a connection (not a process start)', about: 'PsExecExecution', expect: [], events: [b.connect(WKS_NEW, { remote: '10.0.7.40', port: '135', pid, process: 'PsExec.exe' })] });
  }
  {
    const b = fdr(60_000);
    const cmd = 'PsExec.exe \\\\10.0.7.40 -s cmd.exe';
    const image = `${VOL}\\Tools\\PsExec.exe`;
    c.push({
      name: 'the same PsExec command three times within the hour on one host: one alert',
      about: 'PsExecExecution',
      expect: ['PsExecExecution'],
      throttled: ['PsExecExecution', 'PsExecExecution'],
      events: [proc(b, WKS, image, cmd, 'cmd.exe'), proc(b, WKS, image, cmd, 'cmd.exe'), proc(b, WKS, image, cmd, 'cmd.exe')],
    });
    c.push({
      name: 'different PsExec commands, or another host: one alert each',
      about: 'PsExecExecution',
      expect: ['PsExecExecution', 'PsExecExecution', 'PsExecExecution'],
      throttled: [],
      events: [proc(b, WKS, image, cmd, 'cmd.exe'), proc(b, WKS, image, 'PsExec.exe \\\\10.0.7.41 -s cmd.exe', 'cmd.exe'), proc(b, OTHER, image, cmd, 'cmd.exe')],
    });
  }

  // NetUseAdminShare
  const net = (name: string, expect: string[], image: string, cmd: string, parent = 'cmd.exe') => one(name, 'NetUseAdminShare', expect, image, cmd, parent);
  c.push(net('Atomic T1021.002 #1: net use to C$ with credentials', ['NetUseAdminShare'], `${S32}net.exe`, 'net  use \\\\Target\\C$ P@ssw0rd1 /u:DOMAIN\\Administrator'));
  c.push(net('net use to ADMIN$', ['NetUseAdminShare'], `${S32}net.exe`, 'net use \\\\10.0.7.40\\ADMIN$ /user:CORP\\alice'));
  c.push(net('net1.exe use to IPC$ null session (started by cmd.exe)', ['NetUseAdminShare'], `${S32}net1.exe`, 'C:\\Windows\\system32\\net1  use \\\\10.0.7.40\\IPC$ "" /u:""'));
  c.push(net('upper case NET.EXE USE with a drive letter and a subfolder', ['NetUseAdminShare'], `${S32}NET.EXE`, 'NET USE Z: \\\\SRV-APP02\\E$\\Backups'));
  c.push(net('net use to D$ (any drive letter)', ['NetUseAdminShare'], `${S32}net.exe`, 'net use \\\\10.0.7.40\\d$'));
  c.push(net('net use to a quoted UNC path', ['NetUseAdminShare'], `${S32}net.exe`, 'net use "\\\\SRV-APP02\\C$" /persistent:no'));
  c.push(net('/user:CORP\\dave is not /d', ['NetUseAdminShare'], `${S32}net.exe`, 'net use \\\\10.0.7.40\\C$ /user:CORP\\dave'));
  {
    const b = fdr();
    const netPid = b.upid();
    c.push({
      name: 'net.exe and the net1.exe it starts for the same command: one alert',
      about: 'NetUseAdminShare',
      expect: ['NetUseAdminShare'],
      events: [
        proc(b, WKS, `${S32}net.exe`, 'net use \\\\SRV-APP02\\ADMIN$ /user:CORP\\Administrator', 'cmd.exe', { pid: netPid }),
        b.process(WKS, { sid: ALICE.sid, auth: ALICE_AUTH, image: `${S32}net1.exe`, cmd: 'C:\\Windows\\system32\\net1 use \\\\SRV-APP02\\ADMIN$ /user:CORP\\Administrator', parent: 'net.exe', parentPid: netPid }),
      ],
    });
  }
  c.push(net('net1.exe started by net.exe alone: its parent line alerts', [], `${S32}net1.exe`, 'C:\\Windows\\system32\\net1 use \\\\SRV-APP02\\C$', 'net.exe'));
  c.push(net('net use \\\\srv\\C$ /delete removes a mapping', [], `${S32}net.exe`, 'net use \\\\SRV-APP02\\C$ /delete'));
  c.push(net('net use \\\\srv\\ADMIN$ /d /y', [], `${S32}net.exe`, 'net use \\\\SRV-APP02\\ADMIN$ /d /y'));
  c.push(net('NET USE … /DELETE in upper case', [], `${S32}net.exe`, 'NET USE \\\\10.0.7.40\\IPC$ /DELETE'));
  c.push(net('net user (not use)', [], `${S32}net.exe`, 'net user alice /domain'));
  c.push(net('net use to a share named proc$ (not an admin share)', [], `${S32}net.exe`, 'net use \\\\SRV-APP02\\proc$'));
  c.push(net('net use to an ordinary share', [], `${S32}net.exe`, 'net use \\\\SRV-FS01\\share'));
  c.push(net('net view (T1135 #4) is enumeration, not a share mapping', [], `${S32}net.exe`, 'net view \\\\localhost'));
  c.push(net('cmd.exe running net use: the net.exe child is the event (and it is not AdminShareCommand)', [], `${S32}cmd.exe`, 'cmd.exe /c "net use \\\\Target\\C$ P@ssw0rd1 /u:DOMAIN\\Administrator"'));
  c.push(net('net use listing (no UNC path)', [], `${S32}net.exe`, 'net use'));
  c.push(net('netsh.exe is not net.exe', [], `${S32}netsh.exe`, 'netsh use \\\\SRV-APP02\\C$'));
  c.push(net('a share named admin$x is not ADMIN$', [], `${S32}net.exe`, 'net use \\\\SRV-APP02\\admin$x'));

  // AdminShareCommand
  const cmdc = (name: string, expect: string[], image: string, cmd: string, parent = 'cmd.exe') => one(name, 'AdminShareCommand', expect, image, cmd, parent);
  c.push(cmdc('Atomic T1021.002 #4: output written to the local ADMIN$', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe  /Q /c hostname 1> \\\\127.0.0.1\\ADMIN$\\output.txt 2>&1'));
  c.push(cmdc('Atomic T1021.002 #2: New-PSDrive -root \\\\Target\\C$', ['AdminShareCommand'], PS, '"powershell.exe" & {New-PSDrive -name g -psprovider filesystem -root \\\\Target\\C$}', 'powershell.exe'));
  c.push(cmdc('T1135: dir \\\\127.0.0.1\\c$', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe /c dir \\\\127.0.0.1\\c$'));
  c.push(cmdc('copy a tool to C$', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe /c copy C:\\Users\\Public\\svc.exe \\\\10.0.7.40\\C$\\Windows\\Temp\\'));
  c.push(cmdc('copy from an admin share', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe /c copy \\\\10.0.7.40\\C$\\Windows\\NTDS\\ntds.dit C:\\Temp\\'));
  c.push(cmdc('cmd escaped redirect ^> to ADMIN$', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe /c echo whoami ^> \\\\10.0.7.40\\ADMIN$\\Temp\\o.txt'));
  c.push(cmdc('stderr 2> to an admin share', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe /c whoami 2> \\\\10.0.7.40\\C$\\err.log'));
  c.push(cmdc('append >> to a quoted admin-share path', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe /c ipconfig >> "\\\\10.0.7.40\\C$\\Users\\Public\\ip.txt"'));
  c.push(cmdc('PowerShell Copy-Item to ADMIN$', ['AdminShareCommand'], PS, 'powershell.exe -c "Copy-Item -Path .\\a.exe -Destination \\\\SRV-APP02\\ADMIN$\\Temp\\a.exe"', 'explorer.exe'));
  c.push(cmdc('PowerShell cpi alias', ['AdminShareCommand'], PS, 'powershell -nop -c cpi C:\\Temp\\b.dll \\\\SRV-APP02\\c$\\ProgramData\\', 'explorer.exe'));
  c.push(cmdc('pwsh Move-Item', ['AdminShareCommand'], PWSH, 'pwsh -c Move-Item C:\\Temp\\x.ps1 \\\\SRV-APP02\\C$\\Temp\\x.ps1', 'explorer.exe'));
  c.push(cmdc('PowerShell gci listing of C$\\Users', ['AdminShareCommand'], PS, 'powershell.exe -c "gci \\\\SRV-APP02\\C$\\Users"', 'explorer.exe'));
  c.push(cmdc('PowerShell ls of ADMIN$', ['AdminShareCommand'], PS, 'powershell.exe -c ls \\\\10.0.7.40\\admin$', 'explorer.exe'));
  c.push(cmdc('robocopy.exe to C$', ['AdminShareCommand'], `${S32}Robocopy.exe`, 'robocopy C:\\Tools \\\\10.0.7.41\\C$\\ProgramData\\t /e'));
  c.push(cmdc('xcopy.exe to ADMIN$', ['AdminShareCommand'], `${S32}xcopy.exe`, 'xcopy /y C:\\Tools\\a.exe \\\\10.0.7.41\\ADMIN$\\Temp\\'));
  c.push(cmdc('cmd switches glued to the verb: copy/y, dir/s', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe /c copy/y a.exe \\\\h2\\c$\\a.exe'));
  c.push(cmdc('dir/s of an admin share', ['AdminShareCommand'], `${S32}cmd.exe`, 'cmd.exe /c dir/s \\\\10.0.7.40\\C$\\Users'));
  c.push(cmdc('a tool whose name only starts like a verb (copyfiles.exe) is no copy', [], `${S32}cmd.exe`, 'cmd.exe /c copyfiles/y \\\\h2\\c$\\a.exe'));
  c.push(cmdc('copy to an ordinary share', [], `${S32}cmd.exe`, 'cmd.exe /c copy report.xlsx \\\\SRV-FS01\\finance\\'));
  c.push(cmdc('copy to a hidden share that is not an admin share (deploy$)', [], `${S32}cmd.exe`, 'cmd.exe /c copy setup.exe \\\\SRV-FS01\\deploy$\\'));
  c.push(cmdc('a path to C$ with no copy, listing, mapping or redirect', [], PS, 'powershell.exe -c "Test-Path \\\\SRV-APP02\\C$\\Windows"', 'explorer.exe'));
  c.push(cmdc('reading from C$ with type, output redirected to a local file', [], `${S32}cmd.exe`, 'cmd.exe /c type \\\\SRV-APP02\\C$\\log.txt > C:\\Temp\\log.txt'));
  c.push(cmdc('copy to c$x (not an admin share)', [], `${S32}cmd.exe`, 'cmd.exe /c copy a.exe \\\\SRV-APP02\\c$x\\'));
  c.push(cmdc('notepad.exe opening a file on C$ (not a shell or copy tool)', [], `${S32}notepad.exe`, 'notepad.exe \\\\SRV-APP02\\C$\\Temp\\notes.txt'));
  return c;
}

// ------------------------------------------------------------------------------------------------------------------
// AdminShareFileWrite (t1021-002-share-write)

function shareWriteCases(): Case[] {
  const c: Case[] = [];
  const A = 'AdminShareFileWrite';
  {
    const b = fdr();
    const pid = b.upid();
    c.push({
      name: 'PsExec64.exe copies PSEXESVC.exe to \\\\SRV-DB01\\ADMIN$ (PeFileWritten names the writer)',
      about: A,
      expect: [A],
      attribution: 'event',
      events: [b.fileWritten(WKS_NEW, { target: '\\Device\\Mup\\SRV-DB01\\ADMIN$\\PSEXESVC.exe', pid, image: `${VOL}\\Tools\\PsExec64.exe`, pe: true, user: 'alice', operatorSid: ALICE.sid })],
    });
  }
  {
    const b = fdr();
    const pid = b.upid();
    c.push({
      name: 'an older sensor: NewExecutableWritten without a name, the writer joined from its earlier process start',
      about: A,
      expect: [A],
      attribution: 'joined',
      events: [proc(b, WKS_OLD, `${VOL}\\Python312\\python.exe`, 'python.exe psexec.py CORP/alice@10.0.7.41', 'cmd.exe', { pid }), b.fileWritten(WKS_OLD, { target: '\\Device\\Mup\\10.0.7.41\\ADMIN$\\QwErTyUi.exe', pid })],
    });
  }
  {
    const b = fdr();
    const pid = b.upid();
    c.push({
      name: 'ContextBaseFileName present but empty: the writer joined from a later process line',
      about: A,
      expect: [A],
      attribution: 'joined',
      events: [
        b.fileWritten(WKS_NEW, { target: '\\Device\\Mup\\10.0.7.40\\C$\\Windows\\Temp\\svc.exe', pid, process: '', pe: true }),
        proc(b, WKS_NEW, `${S32}cmd.exe`, 'cmd.exe /c copy C:\\Users\\Public\\svc.exe \\\\10.0.7.40\\C$\\Windows\\Temp\\', 'explorer.exe', { pid }),
      ],
    });
  }
  {
    const b = fdr();
    c.push({
      name: 'the writer unknown (no name, no process start in the object): alerts, unresolved',
      about: A,
      expect: [A],
      attribution: 'unresolved',
      events: [b.fileWritten(WKS_OLD, { target: '\\Device\\Mup\\SRV-APP02\\D$\\Tools\\nc.exe', pid: b.upid() })],
    });
  }
  {
    const b = fdr();
    c.push({
      name: 'through a mapped drive (;LanmanRedirector) to c$ in lower case',
      about: A,
      expect: [A],
      events: [b.fileWritten(WKS, { target: '\\Device\\Mup\\;LanmanRedirector\\;Z:000000000002c6e6\\srv-app02\\c$\\Temp\\x.exe', pid: b.upid(), image: `${S32}cmd.exe` })],
    });
  }
  {
    const b = fdr();
    c.push({
      name: 'a DLL to ADMIN$\\Temp (NewExecutableWritten covers libraries too)',
      about: A,
      expect: [A],
      events: [b.fileWritten(WKS, { target: '\\Device\\Mup\\10.0.7.40\\ADMIN$\\Temp\\version.dll', pid: b.upid(), image: `${VOL}\\Users\\alice\\AppData\\Local\\Temp\\rundll.exe` })],
    });
    c.push({
      name: 'an IPv6 literal host name in the UNC path',
      about: A,
      expect: [A],
      events: [b.fileWritten(WKS, { target: '\\Device\\Mup\\fd00--7-40.ipv6-literal.net\\C$\\ProgramData\\u.exe', pid: b.upid(), image: `${S32}cmd.exe` })],
    });
  }
  const neg = (name: string, target: string, type: 'pe' | 'exe' = 'exe') => {
    const b = fdr();
    return { name, about: A, expect: [], events: [b.fileWritten(SRV, { target, pid: b.upid(), image: `${S32}svchost.exe`, pe: type === 'pe' })] };
  };
  c.push(neg('the target writes PSEXESVC.exe locally (not through an admin share)', '\\Device\\HarddiskVolume3\\Windows\\PSEXESVC.exe'));
  c.push(neg('an ordinary share', '\\Device\\Mup\\SRV-FS01\\deploy\\setup.exe', 'pe'));
  c.push(neg('a hidden share that is not an admin share (deploy$)', '\\Device\\Mup\\SRV-FS01\\deploy$\\setup.exe'));
  c.push(neg('a share named ADMIN$x', '\\Device\\Mup\\SRV-APP02\\ADMIN$x\\a.exe'));
  c.push(neg('IPC$ holds no files to run', '\\Device\\Mup\\SRV-APP02\\IPC$\\a.exe'));
  {
    const b = fdr();
    const ev = b.fileWritten(WKS, { target: '\\Device\\Mup\\SRV-APP02\\C$\\Users\\Public\\report.docx', pid: b.upid(), image: `${VOL}\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE` });
    ev.event_simpleName = 'OoxmlFileWritten';
    ev.name = 'OoxmlFileWrittenV11';
    c.push({ name: 'a document (OoxmlFileWritten) written to C$ is not an executable', about: A, expect: [], events: [ev] });
  }
  return c;
}

// ------------------------------------------------------------------------------------------------------------------
// SuspiciousServiceCreated (t1021-002-service)

function serviceCases(): Case[] {
  const A = 'SuspiciousServiceCreated';
  const svc = (name: string, expect: string[], display: string, imagePath: string, modify = false): Case => {
    const b = fdr();
    return { name, about: A, expect, events: [b.service(SRV, { display, imagePath, pid: b.upid(), modify })] };
  };
  const smbexec =
    '%COMSPEC% /Q /c echo cd  ^> \\\\%COMPUTERNAME%\\C$\\__output_lMbNqTrS 2^>^&1 > %SYSTEMROOT%\\hGfDsAzX.bat & %COMSPEC% /Q /c %SYSTEMROOT%\\hGfDsAzX.bat & del %SYSTEMROOT%\\hGfDsAzX.bat';
  const c = [
    svc('PsExec: %SystemRoot%\\PSEXESVC.exe', [A], 'PSEXESVC', '%SystemRoot%\\PSEXESVC.exe'),
    svc('PsExec, quoted full path', [A], 'PSEXESVC', '"C:\\Windows\\PSEXESVC.exe"'),
    svc('RemCom: RemComSvc.exe', [A], 'RemCom Service', '%SystemRoot%\\RemComSvc.exe'),
    svc('CSExec: csexecsvc.exe', [A], 'csexecsvc', 'C:\\Windows\\csexecsvc.exe'),
    svc('PAExec: %SystemRoot%\\PAExec-…', [A], 'PAExec-4528-WKS-FIN07', '%SystemRoot%\\PAExec-4528-WKS-FIN07.exe'),
    svc('PAExec: C:\\WINDOWS\\PAExec-…', [A], 'PAExec-912-IT-JUMP01', 'C:\\WINDOWS\\PAExec-912-IT-JUMP01.exe -service'),
    svc('Impacket psexec.py: %systemroot%\\<8 letters>.exe, 4-letter service name', [A], 'WxYz', '%systemroot%\\QwErTyUi.exe'),
    svc('Impacket smbexec.py (current): the command is the binPath', [A], 'kRtWbQzP', smbexec),
    svc(
      'Impacket smbexec.py (older): \\\\127.0.0.1\\C$\\__output',
      [A],
      'BTOBTO',
      '%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & %COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat',
    ),
    svc('Invoke-SMBExec: %COMSPEC% /C "powershell … -enc …"', [A], 'vqbdrokefimyhxnastwj', `%COMSPEC% /C "powershell.exe -noP -sta -w 1 -enc ${B64}"`),
    svc('ModifyServiceBinary repointing a service to PSEXESVC.exe', [A], 'Spooler', '%SystemRoot%\\PSEXESVC.exe', true),
    svc('%systemroot%\\<8 letters>.exe with arguments is not the whole path', [], 'AgentSvc', '%systemroot%\\AgentSvc.exe -service'),
    svc('svchost service', [], 'Schedule', '%SystemRoot%\\system32\\svchost.exe -k netsvcs -p'),
    svc('SCCM ccmsetup: 8 letters in a folder of %SystemRoot%', [], 'ccmsetup', '"C:\\Windows\\ccmsetup\\ccmsetup.exe" /runservice'),
    svc('PDQ Deploy runner service', [], 'PDQDeployRunner-1', 'C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\exec\\PDQDeployRunner-1.exe'),
    svc('7 letters in %systemroot%', [], 'abcdefg', '%systemroot%\\abcdefg.exe'),
    svc('9 letters in %systemroot%', [], 'abcdefghi', '%systemroot%\\abcdefghi.exe'),
    svc('Veeam guest helper', [], 'VeeamGuestHelper', 'C:\\Windows\\VeeamVssSupport\\VeeamGuestHelper.exe'),
    svc('PowerShell service running a script, no encoded command', [], 'HealthCheck', 'powershell.exe -ExecutionPolicy Bypass -File C:\\Scripts\\svc.ps1'),
    svc('PSEXESVC.exe.old is not PSEXESVC.exe', [], 'PSEXESVC', 'C:\\Windows\\PSEXESVC.exe.old'),
  ];
  {
    const b = fdr();
    const started = b.other(SRV, 'ServiceStarted', {
      ServiceDisplayName: 'PSEXESVC',
      ImageFileName: `${WIN}PSEXESVC.exe`,
      CommandLine: 'C:\\Windows\\PSEXESVC.exe',
      TargetProcessId: b.upid(),
      RpcClientProcessId: b.upid(),
      UserName: 'SRV-APP02$',
      AuthenticationId: SYSTEM_AUTH,
    });
    started.name = 'ServiceStartedV2';
    c.push({ name: 'ServiceStarted of PSEXESVC is not a service creation', about: A, expect: [], events: [started] });
  }
  return c;
}

// ------------------------------------------------------------------------------------------------------------------
// AdminShareOpened (t1021-002-share-opened)

function shareOpenedCases(): Case[] {
  const A = 'AdminShareOpened';
  const open = (name: string, expect: string[], share: string, remote: string, user = 'Administrator', domain = 'CORP', h: Host = SRV): Case => {
    const b = fdr();
    return { name, about: A, expect, events: [b.shareOpened(h, { share, remote, user, domain })] };
  };
  const c = [
    open('ADMIN$ opened from a host without Falcon', [A], 'ADMIN$', ATTACKER),
    open('C$ opened from a workstation', [A], 'C$', '10.0.5.23', 'alice'),
    open('d$ in lower case', [A], 'd$', '10.0.5.23', 'alice'),
    open('C$ from a remote IPv6 address', [A], 'C$', 'fd00::5:23', 'alice'),
    open('a UPN user name (Entra ID) from a remote address', [A], 'C$', '10.0.5.23', 'person@dom1.com', 'AzureAD'),
    open('the real 2025 line: C$ from 0:0:0:0:0:0:0:1 (loopback)', [], 'C$', '0:0:0:0:0:0:0:1', 'person@dom1.com', 'AzureAD'),
    open('ADMIN$ from 127.0.0.1 (wmiexec writing its output on the target itself)', [], 'ADMIN$', '127.0.0.1'),
    open('C$ from another loopback address, 127.0.1.1', [], 'C$', '127.0.1.1'),
    open('C$ from ::ffff:127.0.0.1 (IPv4-mapped loopback)', [], 'C$', '::ffff:127.0.0.1'),
    open('a machine account (…$) opening C$', [], 'C$', '10.0.5.23', 'WKS-FIN07$'),
    open('IPC$ (every SMB RPC opens it)', [], 'IPC$', ATTACKER),
    open('SYSVOL', [], 'SYSVOL', '10.0.5.23', 'alice'),
    open('print$ is not an admin share', [], 'print$', '10.0.5.23', 'alice'),
    open('a share named C$x', [], 'C$x', '10.0.5.23', 'alice'),
  ];
  {
    const b = fdr();
    const ev = b.shareOpened(SRV, { share: 'ADMIN$', remote: ATTACKER, user: 'Administrator', domain: 'CORP' });
    delete ev.RemoteAddressIP4;
    c.push({ name: 'no remote address on the event', about: A, expect: [], events: [ev] });
  }
  {
    const b = fdr();
    const ev = b.shareOpened(WKS, { share: 'ADMIN$', remote: ATTACKER, user: 'alice', domain: 'CORP' });
    ev.event_simpleName = 'SmbClientShareOpenedEtw';
    ev.name = 'SmbClientShareOpenedEtwV1';
    c.push({ name: 'the client side (SmbClientShareOpenedEtw) is not a share opened on this host', about: A, expect: [], events: [ev] });
  }
  {
    const b = fdr(5 * 60_000);
    const o = (share: string, remote = ATTACKER) => b.shareOpened(SRV, { share, remote, user: 'Administrator', domain: 'CORP' });
    c.push({
      name: 'ADMIN$ opened three times from one address within the hour: one alert; c$ and C$ are one share',
      about: A,
      expect: [A, A],
      throttled: [A, A, A],
      events: [o('ADMIN$'), o('ADMIN$'), o('C$'), o('ADMIN$'), o('c$')],
    });
    c.push({ name: 'the same share from two addresses: one alert each', about: A, expect: [A, A], throttled: [], events: [o('ADMIN$'), o('ADMIN$', '10.0.66.7')] });
  }
  return c;
}

// ------------------------------------------------------------------------------------------------------------------
// ExecOfSmbWrittenFile (t1021-002-exec-smb-file)

function execSmbCases(): Case[] {
  const A = 'ExecOfSmbWrittenFile';
  const c: Case[] = [];
  {
    const b = fdr();
    const pid = b.upid();
    c.push({
      name: 'PSEXESVC.exe written over SMB and executed (the process joined from its later process start)',
      about: A,
      expect: [A],
      attribution: 'joined',
      events: [
        b.execOnSmb(SRV, { pid, remote: ATTACKER, client: 'WIN-3KQ9T2', user: ADMIN, auth: '30409004030' }),
        proc(b, SRV, `${WIN}PSEXESVC.exe`, 'C:\\Windows\\PSEXESVC.exe', 'services.exe', { user: 'system', pid }),
      ],
    });
  }
  {
    const b = fdr();
    c.push({
      name: 'a program written by a machine account (SCCM client push) and executed: alerts (medium)',
      about: A,
      expect: [A],
      events: [b.execOnSmb(SRV, { pid: b.upid(), remote: '10.0.5.30', client: 'SRV-SCCM01', user: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-2201', name: 'SRV-SCCM01$', domain: 'CORP' }, auth: '996' })],
    });
  }
  {
    const b = fdr();
    const pid = b.upid();
    c.push({
      name: 'Impacket psexec.py: its random binary executed, named from the process start',
      about: A,
      expect: [A],
      attribution: 'joined',
      events: [
        proc(b, SRV, `${WIN}QwErTyUi.exe`, 'C:\\Windows\\QwErTyUi.exe', 'services.exe', { user: 'system', pid }),
        b.execOnSmb(SRV, { pid, remote: ATTACKER, client: 'KALI', user: ADMIN, auth: '30409004031' }),
      ],
    });
  }
  {
    const b = fdr();
    c.push({
      name: 'a payload run from C$, its process start not in the object: alerts, unresolved',
      about: A,
      expect: [A],
      attribution: 'unresolved',
      events: [b.execOnSmb(SRV_NEW, { pid: b.upid(), remote: '10.0.5.23', client: 'WKS-FIN07', user: ALICE, auth: ALICE_AUTH })],
    });
  }
  {
    const b = fdr();
    const ev = b.execOnSmb(SRV, { pid: b.upid(), remote: '10.0.5.23', client: 'WKS-FIN07', user: ALICE, auth: ALICE_AUTH });
    delete ev.LogonDomain;
    ev.UserName = 'alice@corp.example';
    c.push({ name: 'a UPN user name', about: A, expect: [A], events: [ev] });
  }
  {
    const b = fdr();
    c.push({
      name: 'a machine account in lower case (wks-hr03$): alerts (medium)',
      about: A,
      expect: [A],
      events: [b.execOnSmb(SRV, { pid: b.upid(), remote: '10.0.5.52', client: 'wks-hr03', user: { sid: 'S-1-5-21-1111111111-2222222222-3333333333-3105', name: 'wks-hr03$', domain: 'CORP' }, auth: '996' })],
    });
  }
  {
    const b = fdr();
    c.push({
      name: 'an executable written locally on the target, not executed',
      about: A,
      expect: [],
      events: [b.fileWritten(SRV, { target: '\\Device\\HarddiskVolume3\\Windows\\PSEXESVC.exe', pid: b.upid(), image: `${S32}ntoskrnl.exe`, process: 'System' })],
    });
    const start = b.other(SRV, 'ServiceStarted', { ServiceDisplayName: 'PSEXESVC', ImageFileName: `${WIN}PSEXESVC.exe`, CommandLine: 'C:\\Windows\\PSEXESVC.exe', TargetProcessId: b.upid(), UserName: 'SRV-APP02$' });
    start.name = 'ServiceStartedV2';
    c.push({ name: 'ServiceStarted of a service binary copied over SMB is another event', about: A, expect: [], events: [start] });
    const logon = b.logon(SRV, ADMIN, { auth: '30409004032', type: '3', remote: ATTACKER });
    c.push({ name: 'a network logon from the same client is not an execution', about: A, expect: [], events: [logon] });
  }
  {
    const b = fdr();
    c.push({
      name: 'a process start from C:\\Windows is not an execution of an SMB-written file',
      about: A,
      expect: [],
      events: [proc(b, SRV, `${WIN}PSEXESVC.exe`, 'C:\\Windows\\PSEXESVC.exe', 'cmd.exe', { user: 'system' })],
    });
    const w = b.other(SRV, 'WroteExeAndGeneratedServiceEvent', { ContextProcessId: b.upid() });
    c.push({ name: 'WroteExeAndGeneratedServiceEvent is another event', about: A, expect: [], events: [w] });
  }
  return c;
}

// ------------------------------------------------------------------------------------------------------------------
// SMB445Connection (t1021-002-smb445)

function smb445Cases(): Case[] {
  const A = 'SMB445Connection';
  const c: Case[] = [];
  const conn = (b: FdrEvents, h: Host, o: Partial<Parameters<FdrEvents['connect']>[1]> = {}) => b.connect(h, { remote: '10.0.7.40', port: '445', pid: b.upid(), ...o });
  {
    const b = fdr();
    c.push({ name: 'powershell.exe (Invoke-SMBExec) on 445, named by ContextBaseFileName', about: A, expect: [A], attribution: 'event', events: [conn(b, WKS_NEW, { process: 'powershell.exe' })] });
  }
  {
    const b = fdr();
    const pid = b.upid();
    c.push({
      name: 'python.exe (Impacket) on 445, joined to its earlier ProcessRollup2 (older sensor)',
      about: A,
      expect: [A],
      attribution: 'joined',
      events: [proc(b, WKS_OLD, `${VOL}\\Python312\\python.exe`, 'python.exe smbexec.py CORP/alice@10.0.7.40', 'cmd.exe', { pid }), conn(b, WKS_OLD, { pid })],
    });
    const pid2 = b.upid();
    c.push({
      name: 'connection before its process line: joined anyway',
      about: A,
      expect: [A],
      attribution: 'joined',
      events: [conn(b, WKS, { pid: pid2 }), proc(b, WKS, `${VOL}\\Python312\\python.exe`, 'python.exe wmiexec.py CORP/alice@10.0.7.40', 'cmd.exe', { pid: pid2 })],
    });
    const pid3 = b.upid();
    c.push({
      name: 'ContextBaseFileName present but empty: joined to its process start',
      about: A,
      expect: [A],
      attribution: 'joined',
      events: [conn(b, WKS_NEW, { pid: pid3, process: '' }), proc(b, WKS_NEW, `${VOL}\\Tools\\nxc.exe`, 'nxc.exe smb 10.0.7.0/24 --shares', 'cmd.exe', { pid: pid3 })],
    });
  }
  {
    const b = fdr();
    c.push({ name: 'process unknown (older sensor, no process start): alerts low, attribution unresolved', about: A, expect: [A], attribution: 'unresolved', events: [conn(b, WKS_OLD)] });
    c.push({ name: 'ContextBaseFileName empty and no process start: alerts low, unresolved', about: A, expect: [A], attribution: 'unresolved', events: [conn(b, WKS_NEW, { process: '' })] });
  }
  {
    const b = fdr();
    const ev = conn(b, WKS_NEW, { process: 'python.exe' }) as Record<string, unknown>;
    ev.RemotePort = 445;
    c.push({ name: 'RemotePort as a JSON number', about: A, expect: [A], events: [ev as FdrEvent] });
  }
  {
    const b = fdr();
    c.push({ name: 'python.exe over IPv6 (NetworkConnectIP6)', about: A, expect: [A], attribution: 'event', events: [conn(b, WKS_NEW, { remote: 'fd00::7:40', process: 'python.exe' })] });
    const ev = conn(b, WKS, {});
    delete ev.ConnectionDirection;
    c.push({ name: 'ConnectionDirection absent: outbound', about: A, expect: [A], events: [ev] });
  }
  {
    const b = fdr();
    const pid = b.upid();
    c.push({
      name: 'same pid is svchost.exe on ANOTHER host: never joined across aids',
      about: A,
      expect: [A],
      attribution: 'unresolved',
      events: [proc(b, OTHER, `${S32}svchost.exe`, 'svchost.exe -k netsvcs', 'services.exe', { pid, user: 'system' }), conn(b, WKS, { pid })],
    });
  }
  {
    const b = fdr(60_000);
    const pid = b.upid();
    const py = { pid, process: 'python.exe' };
    c.push({
      name: 'one process to three hosts within the hour: one alert (per host and process name)',
      about: A,
      expect: [A],
      throttled: [A, A],
      events: [conn(b, WKS_NEW, { ...py, remote: '10.0.7.40' }), conn(b, WKS_NEW, { ...py, remote: '10.0.7.41' }), conn(b, WKS_NEW, { ...py, remote: '10.0.7.42' })],
    });
    c.push({
      name: 'two process names: one alert each',
      about: A,
      expect: [A, A],
      throttled: [],
      events: [conn(b, WKS_NEW, { process: 'python.exe' }), conn(b, WKS_NEW, { process: 'nxc.exe' })],
    });
  }
  const excluded = (name: string, process: string) => {
    const b = fdr();
    return { name, about: A, expect: [], events: [conn(b, WKS_NEW, { process })] };
  };
  c.push(excluded('System (kernel SMB) on 445 is excluded', 'System'));
  c.push(excluded('svchost.exe on 445 is excluded', 'svchost.exe'));
  c.push(excluded('CSFalconService.exe on 445 is excluded', 'CSFalconService.exe'));
  c.push(excluded('SVCHOST.EXE on 445 is excluded', 'SVCHOST.EXE'));
  c.push(excluded('system on 445 is excluded', 'system'));
  {
    const b = fdr();
    const pid = b.upid();
    c.push({
      name: 'svchost.exe joined from a later ProcessRollup2',
      about: A,
      expect: [],
      events: [conn(b, WKS, { pid }), proc(b, WKS, `${S32}svchost.exe`, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', 'services.exe', { pid, user: 'system' })],
    });
    const pid2 = b.upid();
    c.push({
      name: 'CSFalconService.exe joined from an earlier SyntheticProcessRollup2',
      about: A,
      expect: [],
      events: [proc(b, WKS, `${VOL}\\Program Files\\CrowdStrike\\CSFalconService.exe`, '"C:\\Program Files\\CrowdStrike\\CSFalconService.exe"', 'services.exe', { pid: pid2, user: 'system', synthetic: true }), conn(b, WKS, { pid: pid2 })],
    });
  }
  const other = (name: string, o: Partial<Parameters<FdrEvents['connect']>[1]>) => {
    const b = fdr();
    return { name, about: A, expect: [], events: [conn(b, WKS_NEW, { process: 'python.exe', ...o })] };
  };
  c.push(other('RemotePort 4450 is not SMB', { port: '4450' }));
  c.push(other('RemotePort 139 (NetBIOS) is not 445', { port: '139' }));
  c.push(other('inbound (ConnectionDirection 1) with RemotePort 445', { direction: '1' }));
  c.push(other('ConnectionDirection 2 (neither)', { direction: '2' }));
  c.push(other('loopback 127.0.0.1', { remote: '127.0.0.1' }));
  c.push(other('loopback 127.5.5.5', { remote: '127.5.5.5' }));
  c.push(other('IPv6 loopback 0:0:0:0:0:0:0:1', { remote: '::1' }));
  c.push(other('IPv4-mapped loopback ::ffff:127.0.0.1', { remote: '::ffff:127.0.0.1' }));
  {
    const b = fdr();
    c.push({ name: 'an inbound accept on local port 445 (NetworkReceiveAcceptIP4)', about: A, expect: [], events: [b.accept(SRV_NEW, { remote: '10.0.5.23', localPort: '445', pid: b.upid(), process: 'System' })] });
    const listen = b.other(SRV, 'NetworkListenIP4', { LocalAddressIP4: '0.0.0.0', LocalPort: '445', RemotePort: '0', ConnectionDirection: '2', ContextProcessId: b.upid(), Protocol: '6' });
    c.push({ name: 'a listen on 445 (NetworkListenIP4)', about: A, expect: [], events: [listen] });
  }
  return c;
}

// ------------------------------------------------------------------------------------------------------------------
// SMB445FanOut (t1021-002-smb445-fanout-process, t1021-002-smb445-fanout-host)

const targets = (n: number, from = 10, net = '10.0.7') => Array.from({ length: n }, (_, i) => `${net}.${from + i}`);

function fanoutProcessCases(): Case[] {
  const A = 'SMB445FanOut';
  const c: Case[] = [];
  const sweep = (b: FdrEvents, h: Host, remotes: string[], o: { pid?: string; process?: string } = {}) => {
    const pid = o.pid ?? b.upid();
    return remotes.map((remote) => b.connect(h, { remote, port: '445', pid, process: o.process ?? 'nxc.exe' }));
  };
  {
    const b = fdr(20_000);
    c.push({ name: '12 distinct targets within 4 minutes from one process', about: A, expect: [A], events: sweep(b, WKS_NEW, targets(12)) });
  }
  {
    const b = fdr(20_000);
    const pid = b.upid();
    c.push({ name: '12 targets split over two objects (6 + 6)', about: A, expect: [A], objects: [sweep(b, WKS_NEW, targets(6), { pid }), sweep(b, WKS_NEW, targets(6, 16), { pid })] });
  }
  {
    const b = fdr(20_000);
    const pid = b.upid();
    c.push({ name: '5 IPv4 and 5 IPv6 targets: 10 distinct', about: A, expect: [A], events: [...sweep(b, WKS_NEW, targets(5), { pid }), ...sweep(b, WKS_NEW, ['fd00::7:10', 'fd00::7:11', 'fd00::7:12', 'fd00::7:13', 'fd00::7:14'], { pid })] });
  }
  {
    const b = fdr(20_000);
    const pid = b.upid();
    c.push({
      name: 'an older sensor: the process joined from its process start in the same object',
      about: A,
      expect: [A],
      events: [...sweep(b, WKS_OLD, targets(10), { pid }), proc(b, WKS_OLD, `${VOL}\\Python312\\python.exe`, 'python.exe smbmap.py -H 10.0.7.0/24', 'cmd.exe', { pid })],
    });
  }
  {
    const b = fdr(10_000);
    c.push({ name: '25 targets within 5 minutes: one alert (the group is quiet for the rest of its window)', about: A, expect: [A], events: sweep(b, WKS_NEW, targets(25)) });
  }
  {
    const b = fdr(20_000);
    const pid = b.upid();
    const first = sweep(b, WKS_NEW, targets(10), { pid });
    b.wait(30 * 60_000);
    c.push({ name: 'two bursts 30 minutes apart (two objects): two alerts', about: A, expect: [A, A], objects: [first, sweep(b, WKS_NEW, targets(10, 100), { pid })] });
  }
  {
    const b = fdr(20_000);
    c.push({ name: '9 distinct targets', about: A, expect: [], events: sweep(b, WKS_NEW, targets(9)) });
  }
  {
    const b = fdr(20_000);
    c.push({ name: 'the same target 20 times', about: A, expect: [], events: sweep(b, WKS_NEW, Array(20).fill('10.0.7.40')) });
  }
  {
    const b = fdr(12 * 60_000);
    c.push({ name: '10 targets spread over 2 hours', about: A, expect: [], events: sweep(b, WKS_NEW, targets(10)) });
  }
  {
    const b = fdr(20_000);
    c.push({ name: '10 targets from 10 different processes', about: A, expect: [], events: targets(10).flatMap((t) => sweep(b, WKS_NEW, [t])) });
  }
  {
    const b = fdr(20_000);
    c.push({ name: '10 targets from System (kernel SMB) do not count per process', about: A, expect: [], events: sweep(b, WKS_NEW, targets(10), { process: 'System' }) });
  }
  {
    const b = fdr(20_000);
    c.push({ name: '10 targets from an unresolved process do not count per process', about: A, expect: [], events: sweep(b, WKS_OLD, targets(10)) });
  }
  {
    const b = fdr(20_000);
    const pid = b.upid();
    const ev = sweep(b, WKS_NEW, [...targets(5), '127.0.0.1', '127.0.0.2', '::1'], { pid });
    ev.push(...targets(2, 50).map((remote) => b.connect(WKS_NEW, { remote, port: '445', pid, process: 'nxc.exe', direction: '1' })));
    c.push({ name: '5 targets, 3 loopback and 2 inbound: 5 distinct', about: A, expect: [], events: ev });
  }
  return c;
}

function fanoutHostCases(): Case[] {
  const A = 'SMB445FanOut';
  const c: Case[] = [];
  const each = (b: FdrEvents, h: Host, remotes: string[], process?: string) => remotes.map((remote) => b.connect(h, { remote, port: '445', pid: b.upid(), process }));
  {
    const b = fdr(10_000);
    c.push({ name: '20 targets from 20 processes within 4 minutes', about: A, expect: [A], events: each(b, WKS_NEW, targets(20), 'cmd.exe') });
  }
  {
    const b = fdr(10_000);
    const pid = b.upid();
    c.push({
      name: '20 targets from System (kernel SMB: PsExec against a host list)',
      about: A,
      expect: [A],
      events: targets(20).map((remote) => b.connect(WKS_NEW, { remote, port: '445', pid, process: 'System' })),
    });
  }
  {
    const b = fdr(10_000);
    c.push({ name: '20 targets from unresolved processes (older sensor)', about: A, expect: [A], events: each(b, WKS_OLD, targets(20)) });
  }
  {
    const b = fdr(10_000);
    c.push({ name: '20 targets split over two objects (10 + 10)', about: A, expect: [A], objects: [each(b, WKS_NEW, targets(10), 'System'), each(b, WKS_NEW, targets(10, 30), 'System')] });
  }
  {
    const b = fdr(10_000);
    const v6 = Array.from({ length: 10 }, (_, i) => `fd00::7:${(16 + i).toString(16)}`);
    c.push({ name: '10 IPv4 and 10 IPv6 targets', about: A, expect: [A], events: each(b, WKS_NEW, [...targets(10), ...v6], 'System') });
  }
  {
    const b = fdr(10_000);
    const pid = b.upid();
    c.push({ name: '30 targets from one process (alone, this rule fires too)', about: A, expect: [A], events: targets(30).map((remote) => b.connect(WKS_NEW, { remote, port: '445', pid, process: 'nxc.exe' })) });
  }
  {
    const b = fdr(10_000);
    c.push({ name: '19 targets', about: A, expect: [], events: each(b, WKS_NEW, targets(19), 'System') });
  }
  {
    const b = fdr(10_000);
    c.push({ name: '20 inbound connections (ConnectionDirection 1)', about: A, expect: [], events: targets(20).map((remote) => b.connect(SRV_NEW, { remote, port: '445', pid: b.upid(), process: 'System', direction: '1' })) });
  }
  {
    const b = fdr(10_000);
    c.push({ name: '20 targets on port 139', about: A, expect: [], events: targets(20).map((remote) => b.connect(WKS_NEW, { remote, port: '139', pid: b.upid(), process: 'System' })) });
  }
  {
    const b = fdr(10_000);
    c.push({ name: '17 targets and 3 loopback addresses', about: A, expect: [], events: each(b, WKS_NEW, [...targets(17), '127.0.0.1', '127.0.0.2', '::1'], 'System') });
  }
  {
    const b = fdr(3 * 60_000);
    c.push({ name: '20 targets over an hour', about: A, expect: [], events: each(b, WKS_NEW, targets(20), 'System') });
  }
  return c;
}

/** Every samples file of the pack: file name → its text. */
export function packSamples(): Record<string, string> {
  caseNo = 0;
  return {
    't1021-002.samples.json': doc('t1021-002-smb-admin-shares', processCases()),
    't1021-002-share-write.samples.json': doc('t1021-002-admin-share-write', shareWriteCases()),
    't1021-002-service.samples.json': doc('t1021-002-service-created', serviceCases()),
    't1021-002-share-opened.samples.json': doc('t1021-002-admin-share-opened', shareOpenedCases()),
    't1021-002-exec-smb-file.samples.json': doc('t1021-002-exec-smb-file', execSmbCases()),
    't1021-002-smb445.samples.json': doc('t1021-002-smb445', smb445Cases()),
    't1021-002-smb445-fanout-process.samples.json': doc('t1021-002-smb445-fanout-process', fanoutProcessCases()),
    't1021-002-smb445-fanout-host.samples.json': doc('t1021-002-smb445-fanout-host', fanoutHostCases()),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(packSamples())) {
    writeFileSync(join(PACK_DIR, file), text);
    console.log(`${file}: ${(JSON.parse(text) as { cases: unknown[] }).cases.length} cases`);
  }
}
