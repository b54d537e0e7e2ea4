import { describe, expect, it } from 'vitest';
import { baseName, dirPath, viewOf } from '../../lambda/fdr/fieldview';
import { ProcessIndex } from '../../lambda/fdr/join';

const AID = 'aaaa0000aaaa0000aaaa0000aaaa0000';

describe('field view', () => {
  it('derives FileName and FilePath from a device path', () => {
    expect(baseName('\\Device\\HarddiskVolume2\\Windows\\System32\\net.exe')).toBe('net.exe');
    expect(dirPath('\\Device\\HarddiskVolume2\\Windows\\System32\\net.exe')).toBe('\\Windows\\System32\\');
    expect(baseName('/usr/bin/smbclient')).toBe('smbclient');
    expect(dirPath('/usr/bin/smbclient')).toBe('/usr/bin/');
    const v = viewOf(
      { event_simpleName: 'ProcessRollup2', ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\System32\\net.exe', timestamp: '1700000000000', aid: AID },
      new ProcessIndex(),
    );
    expect(v.fields.FileName).toBe('net.exe');
    expect(v.fields.FilePath).toBe('\\Windows\\System32\\');
    expect(v.fields['#event_simpleName']).toBe('ProcessRollup2');
    expect(v.fields['@timestamp']).toBe('1700000000000');
  });

  it('gives numbers as their string form and keeps big process ids exact', () => {
    const raw = JSON.parse('{"event_simpleName":"NetworkConnectIP4","RemotePort":445,"ContextProcessId":"123456789012345678901","aid":"x","ContextBaseFileName":"a.exe"}');
    const v = viewOf(raw, new ProcessIndex());
    expect(v.fields.RemotePort).toBe('445');
    expect(v.fields.ContextProcessId).toBe('123456789012345678901');
  });

  it('names a network event from ContextBaseFileName (attribution event)', () => {
    const v = viewOf({ event_simpleName: 'NetworkConnectIP4', ContextBaseFileName: 'powershell.exe', ContextProcessId: '1', aid: AID }, new ProcessIndex());
    expect(v.fields.FileName).toBe('powershell.exe');
    expect(v.attribution).toBe('event');
    expect(v.pending).toBe(false);
  });

  it('joins a network event to its process by (aid, ContextProcessId) only on the same aid', () => {
    const idx = new ProcessIndex();
    idx.add(AID, '77', { FileName: 'python.exe', CommandLine: 'python.exe x.py', UserSid: 'S-1-5-21-1-2-3-1001' });
    const joined = viewOf({ event_simpleName: 'NetworkConnectIP4', ContextProcessId: '77', aid: AID }, idx);
    expect(joined.fields.FileName).toBe('python.exe');
    expect(joined.fields.CommandLine).toBe('python.exe x.py');
    expect(joined.fields.UserSid).toBe('S-1-5-21-1-2-3-1001');
    expect(joined.attribution).toBe('joined');
    const other = viewOf({ event_simpleName: 'NetworkConnectIP4', ContextProcessId: '77', aid: 'bbbb' }, idx);
    expect(other.fields.FileName).toBeUndefined();
    expect(other.pending).toBe(true);
    expect(viewOf({ event_simpleName: 'NetworkConnectIP4', ContextProcessId: '77', aid: 'bbbb' }, idx, true)).toMatchObject({ attribution: 'unresolved', pending: false });
  });
});

describe('attribution of network events', () => {
  it('is unresolved when a network event has no process reference, and an empty ContextBaseFileName names nothing', () => {
    const bare = viewOf({ event_simpleName: 'NetworkConnectIP4', aid: AID, RemotePort: '445' }, new ProcessIndex());
    expect([bare.attribution, bare.pending, bare.fields.FileName]).toEqual(['unresolved', false, undefined]);
    const idx = new ProcessIndex();
    idx.add(AID, '9', { FileName: 'svchost.exe' });
    const empty = viewOf({ event_simpleName: 'NetworkConnectIP4', aid: AID, ContextBaseFileName: '', ContextProcessId: '9' }, idx);
    expect([empty.attribution, empty.fields.FileName]).toEqual(['joined', 'svchost.exe']);
  });
});

describe('the writing, connecting or executing process of the newer event types', () => {
  const S32 = '\\Device\\HarddiskVolume3\\Windows\\System32\\';
  it('a file write names its writer by ContextBaseFileName, its folder by ContextImageFileName (attribution event)', () => {
    const v = viewOf(
      {
        event_simpleName: 'NewExecutableWritten', aid: AID, ContextProcessId: '262254732252', ContextBaseFileName: 'svchost.exe',
        ContextImageFileName: `${S32}svchost.exe`, TargetFileName: '\\Device\\Mup\\srv01\\ADMIN$\\x.exe',
      },
      new ProcessIndex(),
    );
    expect([v.attribution, v.pending, v.fields.FileName, v.fields.FilePath]).toEqual(['event', false, 'svchost.exe', '\\Windows\\System32\\']);
  });

  it('ContextImageFileName alone names the process too; an empty one names nothing', () => {
    const named = viewOf({ event_simpleName: 'PeFileWritten', aid: AID, ContextProcessId: '5', ContextBaseFileName: '', ContextImageFileName: `${S32}robocopy.exe` }, new ProcessIndex());
    expect([named.attribution, named.fields.FileName, named.fields.FilePath]).toEqual(['event', 'robocopy.exe', '\\Windows\\System32\\']);
    const empty = viewOf({ event_simpleName: 'PeFileWritten', aid: AID, ContextProcessId: '5', ContextBaseFileName: '', ContextImageFileName: '' }, new ProcessIndex());
    expect([empty.attribution, empty.pending, empty.fields.FileName]).toEqual(['unresolved', true, undefined]);
  });

  it('a file write without a process name joins its writer on the same aid (path, command line and user come along)', () => {
    const idx = new ProcessIndex();
    idx.add(AID, '9007199254740993', { FileName: 'PsExec64.exe', FilePath: '\\Tools\\', CommandLine: 'PsExec64.exe \\\\srv01 cmd', UserSid: 'S-1-5-21-1-2-3-1187' });
    const ev = { event_simpleName: 'PeFileWritten', aid: AID, ContextProcessId: '9007199254740993', TargetFileName: '\\Device\\Mup\\srv01\\ADMIN$\\PSEXESVC.exe' };
    const v = viewOf(ev, idx);
    expect([v.attribution, v.fields.FileName, v.fields.FilePath, v.fields.CommandLine, v.fields.UserSid]).toEqual([
      'joined', 'PsExec64.exe', '\\Tools\\', 'PsExec64.exe \\\\srv01 cmd', 'S-1-5-21-1-2-3-1187',
    ]);
    // 2^53 + 1 and 2^53 are different processes: ids stay strings.
    expect(viewOf({ ...ev, ContextProcessId: '9007199254740992' }, idx)).toMatchObject({ attribution: 'unresolved', pending: true });
    expect(viewOf({ ...ev, aid: 'bbbb' }, idx, true)).toMatchObject({ attribution: 'unresolved', pending: false });
  });

  it("a file write's user is its own FileOperatorSid, not the joined writer's (a SYSTEM service writing as the push account)", () => {
    const idx = new ProcessIndex();
    idx.add(AID, '4611686018427390001', { FileName: 'smsexec.exe', FilePath: '\\Program Files\\Microsoft Configuration Manager\\bin\\x64\\', UserSid: 'S-1-5-18' });
    const write = {
      event_simpleName: 'PeFileWritten', aid: AID, ContextProcessId: '4611686018427390001', UserName: 'CORP\\svc_sccmpush',
      FileOperatorSid: 'S-1-5-21-1111111111-2222222222-3333333333-1311', TargetFileName: '\\Device\\Mup\\WKS-0042\\ADMIN$\\ccmsetup\\ccmsetup.exe',
    };
    const v = viewOf(write, idx);
    expect([v.attribution, v.fields.FileName, v.fields.UserSid]).toEqual(['joined', 'smsexec.exe', 'S-1-5-21-1111111111-2222222222-3333333333-1311']);
    // Without FileOperatorSid the writer's user still comes along.
    const { FileOperatorSid: _omit, ...noOperator } = write;
    expect(viewOf(noOperator, idx).fields.UserSid).toBe('S-1-5-18');
    // An event's own UserSid wins over both.
    expect(viewOf({ ...write, UserSid: 'S-1-5-21-1-2-3-500' }, idx).fields.UserSid).toBe('S-1-5-21-1-2-3-500');
  });

  it('file writes and executions of SMB-written files always say how their process was identified', () => {
    expect(viewOf({ event_simpleName: 'NewExecutableWritten', aid: AID, TargetFileName: 'x' }, new ProcessIndex())).toMatchObject({ attribution: 'unresolved', pending: false });
    const idx = new ProcessIndex();
    idx.add(AID, '4611686018427387904', { FileName: 'PSEXESVC.exe', FilePath: '\\Windows\\', UserSid: 'S-1-5-18' });
    const exec = viewOf({ event_simpleName: 'ProcessExecOnSMBFile', aid: AID, ContextProcessId: '4611686018427387904', UserSid: 'S-1-5-21-1-2-3-500', UserName: 'Administrator' }, idx);
    // The event's own user wins over the joined process's.
    expect([exec.attribution, exec.fields.FileName, exec.fields.UserSid, exec.fields.UserName]).toEqual(['joined', 'PSEXESVC.exe', 'S-1-5-21-1-2-3-500', 'Administrator']);
  });

  it('a connection over IPv6 is named and joined as one over IPv4', () => {
    const idx = new ProcessIndex();
    idx.add(AID, '8', { FileName: 'python.exe' });
    const v = viewOf({ event_simpleName: 'NetworkConnectIP6', aid: AID, ContextProcessId: '8', RemoteAddressIP6: 'fd00:0:0:0:0:0:7:40', RemotePort: '445' }, idx);
    expect([v.attribution, v.fields.FileName, v.fields.RemoteAddressIP6]).toEqual(['joined', 'python.exe', 'fd00:0:0:0:0:0:7:40']);
  });

  it('a share opened on a server has no process; its user name (a UPN too) and remote address are kept as written', () => {
    const v = viewOf(
      { event_simpleName: 'SmbServerShareOpenedEtw', aid: AID, UserName: 'person@dom1.com', DomainName: 'AzureAD', RemoteAddressIP6: '0:0:0:0:0:0:0:1', SmbShareName: 'C$' },
      new ProcessIndex(),
    );
    expect([v.attribution, v.pending, v.fields.FileName, v.fields.UserName, v.fields.RemoteAddressIP6]).toEqual([null, false, undefined, 'person@dom1.com', '0:0:0:0:0:0:0:1']);
    // A service event without a process reference neither.
    expect(viewOf({ event_simpleName: 'CreateService', aid: AID, ServiceImagePath: '%SystemRoot%\\PSEXESVC.exe' }, new ProcessIndex()).attribution).toBeNull();
  });
});
