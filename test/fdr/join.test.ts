import { describe, expect, it } from 'vitest';
import { processInfo, str } from '../../lambda/fdr/fieldview';
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

describe('ProcessIndex.addLine (a process start read from its text)', () => {
  const viaParse = (text: string) => {
    const p = new ProcessIndex();
    const ev = JSON.parse(text) as Record<string, unknown>;
    const info = processInfo(ev);
    if (info) p.add(str(ev.aid), str(ev.TargetProcessId), info);
    return p;
  };
  const viaText = (text: string) => {
    const p = new ProcessIndex();
    p.addLine(text);
    return p;
  };
  const aid = 'b'.repeat(32);
  const lines = [
    { aid, TargetProcessId: '4034937235773123', ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\System32\\cmd.exe', CommandLine: 'cmd.exe /c "echo \\\\srv\\C$" 2>&1 <in >out', UserSid: 'S-1-5-21-1-2-3-1001' },
    { aid, TargetProcessId: '7', FileName: 'sh', FilePath: '/bin/', CommandLine: 'x'.repeat(5000) },
    { aid, TargetProcessId: '8', ImageFileName: 'notepad.exe' },
    { aid, TargetProcessId: '9', ImageFileName: '', UserSid: 'S-1-5-18' },
    { aid, TargetProcessId: '10', CommandLine: 'no image, no name: nothing to join' },
    { aid: '', TargetProcessId: '11', ImageFileName: 'x.exe' },
    { aid, TargetProcessId: 12, ImageFileName: 'numeric-pid.exe', CommandLine: null },
  ];
  it('gives what add(processInfo(JSON.parse(line))) gives', () => {
    for (const ev of lines) {
      const text = JSON.stringify(ev);
      const pid = String(ev.TargetProcessId);
      expect([text, viaText(text).get(ev.aid, pid)]).toEqual([text, viaParse(text).get(ev.aid, pid)]);
      expect(viaText(text).size).toBe(viaParse(text).size);
    }
    expect(viaText(JSON.stringify(lines[0])).get(aid, '4034937235773123')).toEqual({
      FileName: 'cmd.exe', FilePath: '\\Windows\\System32\\', CommandLine: 'cmd.exe /c "echo \\\\srv\\C$" 2>&1 <in >out', UserSid: 'S-1-5-21-1-2-3-1001',
    });
    expect(viaText(JSON.stringify(lines[1])).get(aid, '7')!.CommandLine).toHaveLength(MAX_JOINED_COMMANDLINE);
  });

  it('a key given twice: the last wins, as in JSON.parse', () => {
    const text = `{"aid":"${aid}","TargetProcessId":"1","ImageFileName":"first.exe","ImageFileName":"second.exe","TargetProcessId":"2"}`;
    expect(viaText(text).get(aid, '2')).toEqual(viaParse(text).get(aid, '2'));
    expect(viaText(text).get(aid, '2')!.FileName).toBe('second.exe');
  });

  it('a repeated image name and SID read again give the same entry; re-adding a pid makes it young again', () => {
    const p = new ProcessIndex(2);
    const line = (pid: string, image: string) => JSON.stringify({ aid, TargetProcessId: pid, ImageFileName: image, UserSid: 'S-1-5-18' });
    p.addLine(line('1', '\\Device\\HarddiskVolume2\\a.exe'));
    p.addLine(line('2', '\\Device\\HarddiskVolume2\\b.exe'));
    p.addLine(line('1', '\\Device\\HarddiskVolume2\\c.exe'));
    p.addLine(line('3', '\\Device\\HarddiskVolume2\\a.exe'));
    expect(p.get(aid, '2')).toBeUndefined();
    expect(p.get(aid, '1')!.FileName).toBe('c.exe');
    expect(p.get(aid, '3')).toEqual({ FileName: 'a.exe', FilePath: '\\', UserSid: 'S-1-5-18' });
    expect(p.evicted).toBe(1);
  });
});

describe('ProcessIndex keys: a process id is the string the field view reads, whatever its JSON form', () => {
  const aid = 'c'.repeat(32);
  const text = (pid: string) => `{"aid":"${aid}","TargetProcessId":${pid},"ImageFileName":"p${pid.replace(/\W/g, '_')}.exe"}`;
  it('joins a start written as a bare number, an exponent, an escaped string or a long id to the string that names it', () => {
    for (const [raw, asRead] of [
      ['12', '12'],
      ['"12"', '12'],
      ['1e3', '1000'],
      ['12.0', '12'],
      ['"\\u0031\\u0032"', '12'],
      ['"4034937235773123"', '4034937235773123'],
      ['"012"', '012'],
      ['"abc"', 'abc'],
    ]) {
      const p = new ProcessIndex();
      p.addLine(text(raw));
      expect([raw, p.get(aid, asRead)?.FileName]).toEqual([raw, `p${raw.replace(/\W/g, '_')}.exe`]);
    }
  });

  it('keeps ids that differ as strings apart ("012" is not "12") and the same id in two forms together', () => {
    const p = new ProcessIndex();
    p.addLine(text('"012"'));
    p.addLine(text('12'));
    expect(p.get(aid, '012')!.FileName).toBe('p_012_.exe');
    expect(p.get(aid, '12')!.FileName).toBe('p12.exe');
    expect(p.get(aid, '0012')).toBeUndefined();
    p.addLine(text('"1000"'));
    p.addLine(text('1e3')); // the same process id: replaces, not a second entry
    expect(p.size).toBe(3);
    expect(p.get(aid, '1000')!.FileName).toBe('p1e3.exe');
    p.add(aid, '1000', { FileName: 'added.exe' });
    expect(p.size).toBe(3);
    expect(p.get(aid, '1000')!.FileName).toBe('added.exe');
  });
});

describe('ProcessIndex storage (names as ids of shared strings, command lines as bytes outside the heap)', () => {
  const aid = 'd'.repeat(32);
  const start = (pid: number, image: string, cmd: string, sid = 'S-1-5-18') => JSON.stringify({ aid, TargetProcessId: String(pid), ImageFileName: image, CommandLine: cmd, UserSid: sid });

  it('gives back command lines exactly as read: escapes, non-ASCII, surrogate pairs, lone surrogates, a pair cut at the bound', () => {
    const long = 'x'.repeat(MAX_JOINED_COMMANDLINE - 1) + '😀 tail'; // the cut falls inside the pair
    const cmds = [
      'plain ascii',
      'C:\\Windows\\system32\\cmd.exe /c "echo \\\\srv\\C$"',
      'naïve café \u00e9\u00ff',
      '日本語 \u2603 😀',
      'lone \ud800 surrogate',
      '\u0000\u001f\u007f controls',
      long,
      'é'.repeat(MAX_JOINED_COMMANDLINE + 3),
    ];
    const p = new ProcessIndex();
    cmds.forEach((cmd, i) => p.addLine(start(i, `x${i}.exe`, cmd)));
    // Written with \uXXXX escapes for every non-ASCII character, as some writers do.
    const escaped = (s: string) => JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    cmds.forEach((cmd, i) => p.addLine(start(100 + i, `x${i}.exe`, '').replace('"CommandLine":""', `"CommandLine":${escaped(cmd)}`)));
    cmds.forEach((cmd, i) => {
      const viaParse = new ProcessIndex();
      const ev = JSON.parse(start(i, `x${i}.exe`, cmd)) as Record<string, unknown>;
      viaParse.add(aid, String(i), processInfo(ev)!);
      const want = viaParse.get(aid, String(i))!.CommandLine;
      expect([i, p.get(aid, String(i))!.CommandLine]).toEqual([i, want]);
      expect([i, p.get(aid, String(100 + i))!.CommandLine]).toEqual([i, want]);
    });
    expect(p.get(aid, '0')!.CommandLine).toBe('plain ascii');
    expect(p.get(aid, '4')!.CommandLine).toBe('lone \ud800 surrogate'); // not U+FFFD: kept as UTF-16
    expect(p.get(aid, '6')!.CommandLine).toBe(`${'x'.repeat(MAX_JOINED_COMMANDLINE - 1)}\ufffd`);
    expect(p.get(aid, '7')!.CommandLine).toBe('é'.repeat(MAX_JOINED_COMMANDLINE));
  });

  it('a name the cache of raw forms gives stays right after every start that held it was forgotten', () => {
    const p = new ProcessIndex(2);
    const image = (n: string) => `\\Device\\HarddiskVolume2\\${n}.exe`;
    p.addLine(start(1, image('first'), 'a'));
    for (let pid = 2; pid < 6; pid++) p.addLine(start(pid, image(`other${pid}`), 'b')); // start 1 and its name's slots are gone
    p.addLine(start(9, image('first'), 'c')); // the cached raw form of "first" again
    expect(p.get(aid, '9')).toEqual({ FileName: 'first.exe', FilePath: '\\', CommandLine: 'c', UserSid: 'S-1-5-18' });
    expect(p.get(aid, '5')!.FileName).toBe('other5.exe');
  });

  it('never gives a live start another start\'s name or command line, however many distinct names and lines pass through', () => {
    const capacity = 40;
    const p = new ProcessIndex(capacity);
    const want = new Map<string, { FileName: string; CommandLine: string; UserSid: string }>();
    const order: string[] = [];
    for (let i = 0; i < 5000; i++) {
      // Names mostly unique (their ids are freed and reused as starts are forgotten), some shared; pids repeat.
      const pid = String(i % 7 === 0 ? i % 50 : 1000 + i);
      const name = i % 3 === 0 ? `shared${i % 4}.exe` : `unique${i}.exe`;
      const cmd = `${name} ${'é'.repeat(i % 5)} ${'-'.repeat((i * 37) % 300)}`.slice(0, MAX_JOINED_COMMANDLINE);
      const sid = `S-1-5-21-${i % 11}`;
      p.addLine(start(Number(pid), `\\Device\\HarddiskVolume2\\${name}`, cmd, sid));
      want.set(pid, { FileName: name, CommandLine: cmd, UserSid: sid });
      order.push(pid);
      if (i % 53 === 0 || i === 4999) {
        // The last `capacity` starts are held (a pid started again holds its newest start).
        for (const k of new Set(order.slice(-capacity))) expect([k, p.get(aid, k)]).toEqual([k, { ...want.get(k)!, FilePath: '\\' }]);
      }
    }
    expect(p.size).toBeLessThanOrEqual(capacity);
    // Names are held per slot (image and SID: at most two per slot) and by the cache of raw forms (at most `capacity`).
    expect(p.names).toBeLessThanOrEqual(3 * capacity);
  });
});
