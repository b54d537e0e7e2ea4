import { describe, expect, it } from 'vitest';
import { emitted, ok, passes, status } from './helpers';

const PR2 = { '#event_simpleName': 'ProcessRollup2', FileName: 'PsExec.exe', CommandLine: 'psexec \\\\h -s cmd' };

describe('field filters', () => {
  it('= compares exactly and case-sensitively', () => {
    expect(passes('FileName = "PsExec.exe"', PR2)).toBe(true);
    expect(passes('FileName = "psexec.exe"', PR2)).toBe(false);
    expect(passes('FileName = "PsExec"', PR2)).toBe(false);
    expect(passes('FileName = "PsExec.exe"', {})).toBe(false);
  });

  it('accepts unquoted values and special field names', () => {
    expect(passes('RemotePort = 445', { RemotePort: '445' })).toBe(true);
    expect(passes('RemotePort=445', { RemotePort: '4450' })).toBe(false);
    expect(passes('#event_simpleName = ProcessRollup2', PR2)).toBe(true);
    expect(passes('@timestamp = "1700000000000"', { '@timestamp': '1700000000000' })).toBe(true);
    expect(passes('event.action = "x"', { 'event.action': 'x' })).toBe(true);
    expect(passes('event.action = "x"', { event: 'x' })).toBe(false);
  });

  it('a quoted field name before the operator', () => {
    expect(passes('"#event_simpleName" = ProcessRollup2', PR2)).toBe(true);
    expect(passes('"Agent ID" != "x"', { 'Agent ID': 'y' })).toBe(true);
    expect(ok('"#event_simpleName" = ProcessRollup2').eventTypes).toEqual(['ProcessRollup2']);
  });

  it('!= passes when the field is absent or different', () => {
    const q = ok('FileName != "svchost.exe"');
    expect(status(q, { FileName: 'svchost.exe' })).toBe('nomatch');
    expect(status(q, { FileName: 'evil.exe' })).toBe('match');
    expect(status(q, {})).toBe('match');
  });

  it('* globs, \\* literal stars', () => {
    const q = ok('FileName = "*.exe"');
    expect(status(q, { FileName: 'a.exe' })).toBe('match');
    expect(status(q, { FileName: '.exe' })).toBe('match');
    expect(status(q, { FileName: 'a.exe.txt' })).toBe('nomatch');
    expect(passes('FileName = "ps*"', { FileName: 'psexec.exe' })).toBe(true);
    expect(passes('FileName = "ps*"', { FileName: 'xps' })).toBe(false);
    expect(passes('CommandLine = "*ADMIN$*"', { CommandLine: 'net use \\\\h\\ADMIN$ /u' })).toBe(true);
    expect(passes('CommandLine = "*ADMIN$*"', { CommandLine: 'net use \\\\h\\admin$' })).toBe(false);
    expect(passes('FileName = "p*x*.exe"', { FileName: 'psexec.exe' })).toBe(true);
    expect(passes('FileName = "p*x*.exe"', { FileName: 'psec.exe' })).toBe(false);
    expect(passes('FileName = *.exe', { FileName: 'net.exe' })).toBe(true);
    expect(passes('FileName = "a\\*b"', { FileName: 'a*b' })).toBe(true);
    expect(passes('FileName = "a\\*b"', { FileName: 'axb' })).toBe(false);
    expect(passes('FileName = "*"', { FileName: 'line1\nline2' })).toBe(true);
    expect(passes('CommandLine = "*b*"', { CommandLine: 'a\nb\nc' })).toBe(true);
    expect(passes('CommandLine = "a*c"', { CommandLine: 'a\nb\nc' })).toBe(true);
    expect(passes('CommandLine = "a*b*c"', { CommandLine: 'a\nb\nc' })).toBe(true);
    expect(passes('CommandLine = "a*b*c"', { CommandLine: 'a\nb\nd' })).toBe(false);
    expect(passes('in(field=CommandLine, values=["A*B"], ignoreCase=true)', { CommandLine: 'a\nb' })).toBe(true);
  });

  it('field = * is presence, field != * is absence', () => {
    expect(passes('FileName = *', { FileName: '' })).toBe(true);
    expect(passes('FileName = *', {})).toBe(false);
    expect(passes('FileName != *', {})).toBe(true);
    expect(passes('FileName != *', { FileName: 'x' })).toBe(false);
  });

  it('string escapes', () => {
    expect(passes('CommandLine = "say \\"hi\\""', { CommandLine: 'say "hi"' })).toBe(true);
    expect(passes('FilePath = "C:\\\\Windows"', { FilePath: 'C:\\Windows' })).toBe(true);
    // Unknown escapes keep their backslash: "\W" is backslash + W.
    expect(passes('FilePath = "C:\\Windows"', { FilePath: 'C:\\Windows' })).toBe(true);
  });

  it('numeric comparisons', () => {
    expect(passes('RemotePort < 1024', { RemotePort: '445' })).toBe(true);
    expect(passes('RemotePort < 445', { RemotePort: '445' })).toBe(false);
    expect(passes('RemotePort <= 445', { RemotePort: '445' })).toBe(true);
    expect(passes('RemotePort > 445', { RemotePort: '445' })).toBe(false);
    expect(passes('RemotePort >= 445', { RemotePort: '445' })).toBe(true);
    expect(passes('RemotePort > 10', { RemotePort: 'abc' })).toBe(false);
    expect(passes('RemotePort > -1', { RemotePort: '' })).toBe(false);
    expect(passes('RemotePort > 10', {})).toBe(false);
    expect(passes('x > 1.5', { x: '2' })).toBe(true);
  });

  it('ignores inherited object members', () => {
    expect(passes('constructor = *', {})).toBe(false);
    expect(passes('toString != *', {})).toBe(true);
  });
});

describe('regex filters', () => {
  it('searches (unanchored), case-sensitively by default', () => {
    expect(passes('CommandLine = /use/', { CommandLine: 'net use x' })).toBe(true);
    expect(passes('CommandLine = /USE/', { CommandLine: 'net use x' })).toBe(false);
    expect(passes('CommandLine = /^use/', { CommandLine: 'net use x' })).toBe(false);
    expect(passes('CommandLine = /use/', {})).toBe(false);
  });

  it('!= regex passes on absent and non-matching', () => {
    const q = ok('FileName != /^svchost/i');
    expect(status(q, { FileName: 'SvcHost.exe' })).toBe('nomatch');
    expect(status(q, { FileName: 'cmd.exe' })).toBe('match');
    expect(status(q, {})).toBe('match');
  });

  it('flags i, m, d (dotall), g', () => {
    expect(passes('f = /abc/i', { f: 'xABCx' })).toBe(true);
    expect(passes('f = /^b$/', { f: 'a\nb' })).toBe(false);
    expect(passes('f = /^b$/m', { f: 'a\nb' })).toBe(true);
    expect(passes('f = /a.b/', { f: 'a\nb' })).toBe(false);
    expect(passes('f = /a.b/d', { f: 'a\nb' })).toBe(true);
    // g is accepted and harmless: no lastIndex state leaks between events.
    const q = ok('f = /a/g');
    for (let i = 0; i < 3; i++) expect(status(q, { f: 'a' })).toBe('match');
  });

  it('inline flags at the start become JS flags', () => {
    expect(passes('f = /(?i)abc/', { f: 'ABC' })).toBe(true);
    expect(passes('f = /(?s)a.b/', { f: 'a\nb' })).toBe(true);
    expect(passes('f = /(?m)^b/', { f: 'a\nb' })).toBe(true);
    expect(passes('f = /(?is)a.B/', { f: 'A\nb' })).toBe(true);
    expect(passes('f = /(?i)(?s)a.B/', { f: 'A\nb' })).toBe(true);
    expect(passes('f = /(?s)a.B/', { f: 'A\nb' })).toBe(false);
  });

  it('escaped slash inside the literal', () => {
    expect(passes('FilePath = /\\/tmp\\//', { FilePath: '/tmp/x' })).toBe(true);
    expect(passes('FilePath = /\\/tmp\\//', { FilePath: '\\tmp\\x' })).toBe(false);
  });

  it('named groups assign fields on a match', () => {
    const q = ok('CommandLine = /\\\\\\\\(?<target>[^\\\\]+)\\\\(?<share>\\w+\\$)/');
    expect(emitted(q, { CommandLine: 'net use \\\\srv01\\ADMIN$' })).toMatchObject({ target: 'srv01', share: 'ADMIN$' });
    expect(status(q, { CommandLine: 'net use x' })).toBe('nomatch');
    const opt = ok('f = /a(?<b>b)?/');
    expect(emitted(opt, { f: 'a' })).not.toHaveProperty('b');
    // A group that did not take part leaves an existing field alone.
    expect(emitted(opt, { f: 'a', b: 'orig' }).b).toBe('orig');
    expect(emitted(opt, { f: 'ab', b: 'orig' }).b).toBe('b');
  });
});

describe('boolean logic', () => {
  const ev = { a: '1', b: '2' };
  it('juxtaposition and AND', () => {
    expect(passes('a = 1 b = 2', ev)).toBe(true);
    expect(passes('a = 1 b = 3', ev)).toBe(false);
    expect(passes('a = 1 AND b = 2', ev)).toBe(true);
    expect(passes('a = 1 and b = 3', ev)).toBe(false);
  });
  it('OR binds looser than AND', () => {
    expect(passes('a = 9 OR b = 2', ev)).toBe(true);
    expect(passes('a = 9 or b = 9', ev)).toBe(false);
    // (a=9 AND b=9) OR a=1
    expect(passes('a = 9 b = 9 OR a = 1', ev)).toBe(true);
    // a=1 AND (b=9 OR ...) would differ: a=1 AND b=9 OR a=9 → false
    expect(passes('a = 1 b = 9 OR a = 9', ev)).toBe(false);
  });
  it('NOT, ! and parentheses', () => {
    expect(passes('NOT a = 1', ev)).toBe(false);
    expect(passes('not a = 9', ev)).toBe(true);
    expect(passes('!a = 9', ev)).toBe(true);
    expect(passes('!(a = 1 OR b = 9)', ev)).toBe(false);
    expect(passes('a = 1 (b = 9 OR b = 2)', ev)).toBe(true);
    expect(passes('(a = 1 b = 9) OR b = 2', ev)).toBe(true);
    expect(passes('NOT (a = 1) OR b = 2', ev)).toBe(true);
    expect(passes('NOT NOT a = 1', ev)).toBe(true);
  });
  it('a field called "not" still compares', () => {
    expect(passes('not = 1', { not: '1' })).toBe(true);
  });
  it('true, false, *', () => {
    expect(passes('true', {})).toBe(true);
    expect(passes('false', {})).toBe(false);
    expect(passes('false()', {})).toBe(false);
    expect(passes('true()', {})).toBe(true);
    expect(passes('*', {})).toBe(true);
    expect(passes('a = 1 | false', ev)).toBe(false);
    expect(passes('false OR a = 1', ev)).toBe(true);
  });
});

describe('in()', () => {
  it('exact values, case-sensitive by default', () => {
    const q = ok('in(field="FileName", values=["net.exe", "net1.exe"])');
    expect(status(q, { FileName: 'net.exe' })).toBe('match');
    expect(status(q, { FileName: 'NET.exe' })).toBe('nomatch');
    expect(status(q, {})).toBe('nomatch');
  });
  it('ignoreCase=true', () => {
    const q = ok('in(field=FileName, values=["net.exe"], ignoreCase=true)');
    expect(status(q, { FileName: 'NET.EXE' })).toBe('match');
    expect(status(q, { FileName: 'net.ex' })).toBe('nomatch');
    expect(passes('in(field=FileName, values=["net.exe"], ignoreCase=false)', { FileName: 'NET.EXE' })).toBe(false);
  });
  it('glob values, with and without ignoreCase', () => {
    const q = ok('in(field=FileName, values=["ps*.exe", "*exec*"])');
    expect(status(q, { FileName: 'psexec64.exe' })).toBe('match');
    expect(status(q, { FileName: 'paexec' })).toBe('match');
    expect(status(q, { FileName: 'Psfoo.exe' })).toBe('nomatch');
    expect(passes('in(field=FileName, values=["ps*.exe"], ignoreCase=true)', { FileName: 'PsExec.EXE' })).toBe(true);
  });
  it('positional field and unquoted values', () => {
    expect(passes('in(RemotePort, values=[139, 445])', { RemotePort: '445' })).toBe(true);
    expect(passes('in(RemotePort, values=[139, 445])', { RemotePort: '80' })).toBe(false);
  });
  it('!in() and NOT in() pass on absent fields', () => {
    for (const src of ['!in(field="FileName", values=["System"])', 'NOT in(field="FileName", values=["System"])']) {
      const q = ok(src);
      expect(status(q, { FileName: 'System' })).toBe('nomatch');
      expect(status(q, { FileName: 'cmd.exe' })).toBe('match');
      expect(status(q, {})).toBe('match');
    }
  });
  it('combines with boolean operators', () => {
    expect(passes('in(field=a, values=[1]) OR in(field=b, values=[2])', { b: '2' })).toBe(true);
    expect(passes('in(field=a, values=[1]) in(field=b, values=[2])', { b: '2' })).toBe(false);
  });
});

describe('pipelines, assignments, drop', () => {
  it('every stage must pass', () => {
    expect(passes('a = 1 | b = 2', { a: '1', b: '2' })).toBe(true);
    expect(passes('a = 1 | b = 2 | c = 3', { a: '1', b: '2' })).toBe(false);
  });
  it(':= literal and number', () => {
    const q = ok('a = 1 | t := "x" | n := 5');
    const out = emitted(q, { a: '1' });
    expect(out).toEqual({ a: '1', t: 'x', n: '5' });
  });
  it(':= copies a field; an absent source leaves the target alone', () => {
    const q = ok('copy := FileName');
    expect(emitted(q, { FileName: 'x.exe' }).copy).toBe('x.exe');
    expect(emitted(q, {})).toEqual({});
    expect(emitted(q, { copy: 'old' })).toEqual({ copy: 'old' });
  });
  it('assignments are visible to later stages', () => {
    expect(passes('t := "x" | t = "x"', {})).toBe(true);
    expect(passes('t := "x" | t = "y"', { t: 'y' })).toBe(false);
    expect(passes('t := "x" | t := "y" | t = "y"', {})).toBe(true);
  });
  it('never mutates the input', () => {
    const input = { a: '1', gone: 'g' };
    const out = emitted(ok('a := "2" | drop([gone])'), input);
    expect(out).toEqual({ a: '2' });
    expect(input).toEqual({ a: '1', gone: 'g' });
    const out2 = emitted(ok('*'), input);
    expect(out2).toEqual(input);
    expect(out2).not.toBe(input);
  });
  it('drop([fields]) removes fields; a single field works too', () => {
    expect(emitted(ok('drop([a, b])'), { a: '1', b: '2', c: '3' })).toEqual({ c: '3' });
    expect(emitted(ok('drop(a)'), { a: '1', c: '3' })).toEqual({ c: '3' });
    expect(passes('drop([a]) | a = *', { a: '1' })).toBe(false);
    expect(passes('drop([a]) | a != *', { a: '1' })).toBe(true);
  });
  it('dropEvent() drops', () => {
    expect(passes('dropEvent()', { a: '1' })).toBe(false);
    expect(passes('a = 2 OR dropEvent()', { a: '1' })).toBe(false);
    expect(passes('dropevent()', { a: '1' })).toBe(false);
  });
  it('comments', () => {
    const q = ok('// leading\na = 1 /* inline\n multi-line */ | b = 2 // trailing');
    expect(status(q, { a: '1', b: '2' })).toBe('match');
    expect(status(q, { a: '1' })).toBe('nomatch');
  });
});

describe('case', () => {
  const src = `case {
    FileName = "a.exe" | t := "A" ;
    FileName = /\\.exe$/ | t := "EXE" ;
    * | t := "OTHER"
  }`;
  it('the first passing clause wins and keeps its assignments', () => {
    const q = ok(src);
    expect(emitted(q, { FileName: 'a.exe' }).t).toBe('A');
    expect(emitted(q, { FileName: 'b.exe' }).t).toBe('EXE');
    expect(emitted(q, { FileName: 'b.dll' }).t).toBe('OTHER');
    expect(emitted(q, {}).t).toBe('OTHER');
  });
  it('no passing clause drops the event', () => {
    const q = ok('case { a = 1 | t := "x" ; b = 2 | t := "y" }');
    expect(status(q, { a: '3' })).toBe('nomatch');
    expect(emitted(q, { b: '2' }).t).toBe('y');
  });
  it('a clause failing after an assignment is rolled back', () => {
    const q = ok('case { t := "first" | a = 1 ; b = 2 }');
    expect(emitted(q, { b: '2' })).toEqual({ b: '2' });
    expect(emitted(q, { a: '1' }).t).toBe('first');
  });
  it('nested case, trailing semicolon, following stages', () => {
    const q = ok(`case {
      a = 1 | case { b = 1 | t := "11" ; b = 2 | t := "12" ; } ;
      a = 2 | t := "2" ;
    } | t != "12"`);
    expect(emitted(q, { a: '1', b: '1' }).t).toBe('11');
    expect(status(q, { a: '1', b: '2' })).toBe('nomatch');
    expect(status(q, { a: '1', b: '3' })).toBe('nomatch');
    expect(emitted(q, { a: '2' }).t).toBe('2');
  });
  it('earlier assignments survive into the clauses', () => {
    const q = ok('x := "1" | case { x = 1 | y := x }');
    expect(emitted(q, {})).toEqual({ x: '1', y: '1' });
  });
});

describe('table()', () => {
  it('produces the presentation spec, default order desc, and does not filter', () => {
    const q = ok('a = 1 | table([a, @timestamp], limit=10, sortby=@timestamp, order=asc)');
    expect(q.table).toEqual({ fields: ['a', '@timestamp'], limit: 10, sortby: '@timestamp', order: 'asc' });
    expect(status(q, { a: '1' })).toBe('match');
    expect(ok('table([a])').table).toEqual({ fields: ['a'], order: 'desc' });
    expect(ok('a = 1').table).toBeUndefined();
  });
  it('fieldsRead includes filters, in(), copy sources and table fields, not assignment targets', () => {
    const q = ok('a = 1 | in(field=b, values=[1]) | c := d | table([e], sortby=f)');
    expect([...q.fieldsRead].sort()).toEqual(['a', 'b', 'd', 'e', 'f']);
  });
});
