import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../lambda/rules/index';
import { jsonPieces, linePredicate, regexLiterals } from '../../lambda/rules/literals';

const opaqueNone = new Set<string>();

function req(query: string, type: string, opaque: ReadonlySet<string> = opaqueNone) {
  const { query: q, diagnostics } = compileQuery(query);
  expect(diagnostics).toEqual([]);
  return q!.requiredLiterals(type, opaque);
}

describe('regex → required literals', () => {
  it.each([
    ['^(psexec(64a?)?|paexec|remcom)\\.exe$', [['psexec', '.exe'], ['paexec', '.exe'], ['remcom', '.exe']]],
    ['abc', [['abc']]],
    ['a(bc)?d', [['a', 'd']]],
    ['ab*c', [['a', 'c']]],
    ['ab+c', [['ab', 'c']]],
    ['[xyz]def|ghi', [['def'], ['ghi']]],
    ['foo.*bar', [['foo', 'bar']]],
    ['(?<name>foo)bar', [['foo', 'bar']]],
    ['(?=look)x', [['x']]],
    ['a\\/b', [['a', 'b']]],
    ['C:\\\\Windows', [['c:\\\\windows']]],
    ['\\d+\\s', [[]]],
    ['x|.*', [[]]],
  ])('%s', (re, expected) => {
    expect(regexLiterals(re)).toEqual(expected);
  });

  it('is sound: whenever the regex matches a value, the JSON line holding it passes the predicate', () => {
    const regexes = ['^(psexec(64a?)?|paexec|remcom)\\.exe$', '\\\\\\\\[^\\\\\\s"]+\\\\(admin|ipc|[a-z])\\$', '\\buse\\b', 'a(b|c)+d?e', 'Pa"th\\\\x', 'é+t', '[0-9]{3}-x'];
    const alphabet = ['a', 'b', 'c', 'd', 'e', 'x', 'P', 'psexec', 'PsExec64a', '.exe', 'use', ' ', '\\', '"', '$', 'admin', 'IPC', 'é', 't', '123', '-', '/', 'net', 'remcom'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let matched = 0;
    for (const src of regexes) {
      const re = new RegExp(src, 'i');
      const pred = linePredicate(regexLiterals(src));
      for (let n = 0; n < 8000; n++) {
        const value = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
        if (!re.test(value)) continue;
        matched++;
        const line = Buffer.from(JSON.stringify({ event_simpleName: 'X', v: value })).toString('latin1');
        expect(pred === null || pred(line), `${src} on ${JSON.stringify(value)}`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(200);
  });
});

describe('required literals of a query', () => {
  it('derives the shipped rule shape per event type', () => {
    const q = `in(field="#event_simpleName", values=["ProcessRollup2", "NetworkConnectIP4"])
      | case { #event_simpleName = "ProcessRollup2" | FileName = /^(psexec|paexec)\\.exe$/i | t := "a" ;
               #event_simpleName = "NetworkConnectIP4" | RemotePort = "445" | FileName != "System" | t := "b" ; }`;
    expect(req(q, 'ProcessRollup2')).toEqual([['psexec', '.exe'], ['paexec', '.exe']]);
    expect(req(q, 'NetworkConnectIP4')).toEqual([['445']]);
    expect(req(q, 'DnsRequest')).toEqual([]);
  });

  it('claims nothing on opaque fields, negations, comparisons and assigned fields', () => {
    expect(req('FileName = "powershell.exe"', 'NetworkConnectIP4', new Set(['FileName']))).toEqual([[]]);
    expect(req('FileName != "x.exe"', 'T')).toEqual([[]]);
    expect(req('NOT FileName = "x.exe"', 'T')).toEqual([[]]);
    expect(req('RemotePort > 400', 'T')).toEqual([[]]);
    expect(req('x := "abc" | x = "abc"', 'T')).toEqual([[]]);
    expect(req('FileName = "abc" OR Other = *', 'T')).toEqual([[]]);
  });

  it('uses globs, in() values and OR', () => {
    expect(req('FileName = "*.ps1"', 'T')).toEqual([['.ps1']]);
    expect(req('in(field=F, values=["a\\\\b", "c*d"])', 'T')).toEqual([['a\\\\b'], ['c', 'd']]);
    expect(req('F = "x1" OR G = "y2"', 'T')).toEqual([['x1'], ['y2']]);
    expect(req('false', 'T')).toEqual([]);
  });

  it('escapes literals as JSON does and splits where JSON may escape differently', () => {
    expect(jsonPieces('a"b\\c')).toEqual(['a\\"b\\\\c']);
    expect(jsonPieces('path/to/éfile')).toEqual(['path', 'to', 'file']);
  });
});

describe('line predicate', () => {
  it('matches case-insensitively and requires every literal of an alternative', () => {
    const p = linePredicate([['psexec'], ['net', 'use']])!;
    expect(p('{"ImageFileName":"C:\\\\PSEXEC.EXE"}')).toBe(true);
    expect(p('{"c":"NET USE x"}')).toBe(true);
    expect(p('{"c":"net view"}')).toBe(false);
    expect(linePredicate([[]])).toBeNull();
    expect(linePredicate([])!('anything')).toBe(false);
  });
});
