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
