import { describe, expect, it } from 'vitest';
import { MAX_JOINED_COMMANDLINE, ProcessIndex } from '../../lambda/fdr/join';

describe('ProcessIndex', () => {
  it('joins by (aid, pid), never across hosts, and keeps what a process start said', () => {
    const p = new ProcessIndex();
    p.add('a', '1', { FileName: 'svchost.exe', FilePath: '\\Windows\\', CommandLine: 'svchost -k x', UserSid: 'S-1-5-18' });
    p.add('b', '1', { FileName: 'cmd.exe' });
    expect(p.get('a', '1')).toEqual({ FileName: 'svchost.exe', FilePath: '\\Windows\\', CommandLine: 'svchost -k x', UserSid: 'S-1-5-18' });
    expect(p.get('b', '1')).toEqual({ FileName: 'cmd.exe' });
    expect(p.get('c', '1')).toBeUndefined();
    expect(p.get(undefined, '1')).toBeUndefined();
    p.add('a', undefined, { FileName: 'x' });
    expect(p.size).toBe(2);
  });

  it('cuts command lines', () => {
    const p = new ProcessIndex();
    p.add('a', '1', { FileName: 'x.exe', CommandLine: 'y'.repeat(MAX_JOINED_COMMANDLINE + 10) });
    expect(p.get('a', '1')!.CommandLine).toHaveLength(MAX_JOINED_COMMANDLINE);
  });

  it('forgets the oldest start past its capacity; a start seen again is young again', () => {
    const p = new ProcessIndex(3);
    for (const pid of ['1', '2', '3']) p.add('a', pid, { FileName: `p${pid}` });
    p.add('a', '1', { FileName: 'again' }); // 1 moves to the young end: 2 is now the oldest
    p.add('a', '4', { FileName: 'p4' });
    expect(p.get('a', '2')).toBeUndefined();
    expect(p.get('a', '1')).toEqual({ FileName: 'again' });
    expect(p.get('a', '3')).toEqual({ FileName: 'p3' });
    expect(p.get('a', '4')).toEqual({ FileName: 'p4' });
    expect(p.size).toBeLessThanOrEqual(3);
    expect(p.evicted).toBe(1);
    for (let i = 10; i < 1000; i++) p.add('a', String(i), { FileName: 'n' });
    expect(p.size).toBe(3);
    expect(p.get('a', '999')).toEqual({ FileName: 'n' });
    expect(p.get('a', '996')).toBeUndefined();
  });
});
