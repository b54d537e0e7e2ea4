import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../lambda/rules/index';
import { jsonPieces, linePredicate, regexLiterals, WORD_END } from '../../lambda/rules/literals';

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
  it('chooses the literals it prechecks on the first lines it sees, not only after thousands', () => {
    // `.exe` is the longest literal of the second alternative (the choice before any sample) but is in every line;
    // `\\\\` (a UNC path, as JSON) is in none.
    const choices: string[][] = [];
    const p = linePredicate([['psexesvc'], ['.exe', '\\\\\\\\', 'net']], (c) => choices.push([...c]))!;
    expect(choices[0]).toContain('.exe');
    const line = '{"ImageFileName":"\\\\Device\\\\HarddiskVolume2\\\\Windows\\\\System32\\\\net.exe"}';
    for (let i = 0; i < 64; i++) expect(p(line)).toBe(false);
    expect(choices.length).toBeGreaterThan(1);
    expect(choices.at(-1)).toEqual(['\\\\\\\\', 'psexesvc']);
    // The choice changes the time only: a line holding every literal of an alternative still passes.
    expect(p('{"c":"net.exe \\\\\\\\host\\\\c$"}')).toBe(true);
  });
  it('answers as lower-casing the line would, also for the two characters that lower-case into ASCII letters', () => {
    // U+212A (Kelvin) lower-cases to k, U+0130 to i + U+0307: a regex's i flag folds neither, so they go to the full check.
    const lits = ['kill', 'wmi', 'psexec$', 'a.b', 'x(y', 'use' + WORD_END];
    const lines = ['{"c":"\u212Aill"}', '{"c":"WM\u0130"}', '{"c":"PSEXEC$"}', '{"c":"aXb"}', '{"c":"a.b"}', '{"c":"X(Y"}', '{"c":"net use"}', '{"User":"x"}', '{"c":"\u0130"}'];
    for (const l of lits) {
      const p = linePredicate([[l]])!;
      const text = l.replace(WORD_END, '');
      for (const raw of lines) {
        const line = JSON.parse(`"${raw.replace(/"/g, '\\"')}"`) as string;
        const lower = line.toLowerCase();
        const want = l.endsWith(WORD_END) ? /use(?![0-9A-Za-z_])/.test(lower) : lower.includes(text);
        expect(p(line), `${l} on ${line}`).toBe(want);
      }
    }
  });
});

describe('required literals of the CQL functions', () => {
  it('regex() is like FIELD = /re/ when strict; strict=false, test(), cidr() give nothing', () => {
    expect(req('regex("psexec(?<n>\\\\d+)", field=FileName)', 'T')).toEqual([['psexec']]);
    expect(req('regex("psexec", field=FileName, strict=false)', 'T')).toEqual([[]]);
    expect(req('regex("psexec", field=FileName)', 'T', new Set(['FileName']))).toEqual([[]]);
    expect(req('test(FileName == "psexec.exe")', 'T')).toEqual([[]]);
    expect(req('cidr(ip, subnet="10.0.0.0/8")', 'T')).toEqual([[]]);
    expect(req('!regex("x", field=f)', 'T')).toEqual([[]]);
  });
  it('wildcard(): a glob on any of its fields; ignoreCase literals avoid letters toLowerCase() can produce', () => {
    expect(req('wildcard(field=FileName, pattern="*psexec*")', 'T')).toEqual([['psexec']]);
    expect(req('wildcard(field=[FileName, CommandLine], pattern="*Admin$*", ignoreCase=true)', 'T')).toEqual([['adm', 'n$']]);
    expect(req('wildcard(field=f, pattern="*", includeEverythingOnAsterisk=true)', 'T')).toEqual([[]]);
    expect(req('wildcard(field=[a, b], pattern="xyz")', 'T', new Set(['b']))).toEqual([[]]);
  });
  it('in() with ignoreCase splits at i and k (U+0130 and U+212A lower-case to them)', () => {
    expect(req('in(field=FileName, values=["Kerberos.exe", "psexec.exe"], ignoreCase=true)', 'T')).toEqual([['erberos.exe'], ['psexec.exe']]);
    expect(req('in(field=FileName, values=["Kerberos.exe"])', 'T')).toEqual([['kerberos.exe']]);
  });
  it('fields a stage rewrites are opaque afterwards', () => {
    for (const src of [
      'lower(FileName, as=FileName) | FileName = "psexec.exe"',
      'FileName := lower(FileName) | FileName = "psexec.exe"',
      'rename(field=Image, as=FileName) | FileName = "psexec.exe"',
      'rename(field=FileName, as=x) | FileName = "psexec.exe"',
      'default(field=FileName, value="psexec.exe") | FileName = "psexec.exe"',
      'regex("(?<FileName>\\\\w+)", field=CommandLine, strict=false) | FileName = "psexec"',
      'replace("a", with="b", field=FileName) | FileName = "psexec.exe"',
      'round(FileName) | FileName = "psexec"',
      'format("%s", field=[a], as=FileName) | FileName = "psexec"',
      'case { a = 1 | upper(FileName, as=FileName) ; * } | FileName = "PSEXEC"',
    ]) {
      expect(req(src, 'T'), src).toEqual([[]]);
    }
    expect(req('lower(FileName) | FileName = "psexec.exe"', 'T')).toEqual([['psexec.exe']]);
  });
  it('only the event part counts: stages after an aggregation or presentation say nothing about lines', () => {
    expect(req('FileName = "abc" | groupBy([aid]) | _count = "999"', 'T')).toEqual([['abc']]);
    expect(req('groupBy([aid]) | aid = "abc"', 'T')).toEqual([[]]);
    expect(req('FileName = "abc" | sort(x)', 'T')).toEqual([['abc']]);
  });
});

describe('soundness of the function literals on random events', () => {
  const queries = [
    'regex("(?<u>ps[a-z]+)\\\\.exe", field=FileName)',
    'regex("^net1?\\\\.exe$", field=FileName, flags="i")',
    'wildcard(field=FileName, pattern="*Ps*Exec*", ignoreCase=true)',
    'wildcard(field=[FileName, CommandLine], pattern="*admin$*")',
    'FileName =~ wildcard("k*", ignoreCase=true)',
    'in(field=FileName, values=["kİt", "ps*", "ADMIN$", "k"], ignoreCase=true)',
    'wildcard(field=FileName, pattern="K", ignoreCase=true)',
    'lower(FileName, as=lf) | lf = "psexec.exe" OR FileName = "Net.exe"',
    'test(length(CommandLine) > 3) | CommandLine = "*use*"',
    'cidr(ip, subnet="10.0.0.0/8") | FileName = /exec/i',
    'rename(field=CommandLine, as=FileName) | FileName = "*psexec*"',
    'default(field=FileName, value="psexec") | FileName = "psexec"',
    'case { FileName = "k*" | t := 1 ; wildcard(field=CommandLine, pattern="*use*", ignoreCase=true) | t := 2 }',
  ];
  const pieces = ['ps', 'PS', 'exec', 'Exec', '.exe', 'net', 'Net', '1', 'use', 'USE', 'admin$', 'ADMIN$', '\u212a', 'k', 'K', '\u0130', 'i', 't', 'İt', '"', '\\', '/', 'é', ' ', '10.1.2.3', '8.8.8.8'];
  it('a matching event always passes its line predicate', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const word = () => Array.from({ length: Math.floor(rnd() * 4) }, () => pieces[Math.floor(rnd() * pieces.length)]).join('');
    let matched = 0;
    for (const src of queries) {
      const { query: q } = compileQuery(src);
      const pred = linePredicate(q!.requiredLiterals('T', opaqueNone));
      for (let n = 0; n < 3000; n++) {
        const ev: Record<string, string> = { '#event_simpleName': 'T' };
        for (const f of ['FileName', 'CommandLine', 'ip']) if (rnd() < 0.8) ev[f] = f === 'ip' && rnd() < 0.5 ? pieces[24 + Math.floor(rnd() * 2)] : word();
        if (q!.evaluate(ev).status !== 'match') continue;
        matched++;
        const line = Buffer.from(JSON.stringify(ev)).toString('latin1');
        expect(pred === null || pred(line), `${src} on ${JSON.stringify(ev)}`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(1000);
  });
});

describe('word-bounded literals (a regex literal followed by \\b)', () => {
  it('mark the literal; only a literal ending in a word character is bounded', () => {
    expect(regexLiterals('\\buse\\b')).toEqual([[`use${WORD_END}`]]);
    expect(regexLiterals('net\\b.*x')).toEqual([[`net${WORD_END}`, 'x']]);
    expect(regexLiterals('a\\.\\b')).toEqual([['a.']]);
    expect(regexLiterals('use\\B')).toEqual([['use']]);
  });

  it('a key name holding the literal does not satisfy it; the literal as a word in a value does', () => {
    const p = linePredicate([['net', `use${WORD_END}`]])!;
    expect(p('{"UserSid":"S-1","CommandLine":"net localgroup"}')).toBe(false);
    expect(p('{"UserSid":"S-1","CommandLine":"NET USE \\\\h\\c$"}')).toBe(true);
    expect(p('{"CommandLine":"net use"}')).toBe(true);
    expect(p('{"CommandLine":"net use\\u003dx"}')).toBe(true);
    expect(p('{"CommandLine":"net user x"}')).toBe(false);
  });

  it('is sound against the regex on random values, escaped the HTML-safe way too', () => {
    const sources = ['\\buse\\b', 'net1?\\b', '\\b(admin|ipc)\\$', 'x\\b\\s', '(?:\\bab|cd\\b)e?'];
    const alphabet = ['use', 'USE', 'Us', 'e', 'r', 'net', 'NET1', '1', ' ', '=', '&', "'", '\n', 'é', '\u0130', '\u212a', '_', '$', 'admin', 'ipc', 'x', 'ab', 'cd', '"', '\\', 'k'];
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let matched = 0;
    for (const src of sources) {
      const re = new RegExp(src, 'i');
      const pred = linePredicate(regexLiterals(src));
      for (let n = 0; n < 6000; n++) {
        const value = Array.from({ length: 1 + Math.floor(rnd() * 7) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
        if (!re.test(value)) continue;
        matched++;
        const plain = JSON.stringify({ UserSid: 'S-1', v: value });
        const escaped = plain.replace(/=/g, '\\u003d').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
        for (const line of [plain, escaped]) expect(pred === null || pred(line), `${src} on ${line}`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(500);
  });
});

describe('line predicates answer the same whatever literal the sample chose', () => {
  it('agrees with a direct evaluation of the DNF over many lines, in any order', () => {
    const dnf = [['psexec', '.exe'], ['net', '.exe', `use${WORD_END}`, '$'], ['445']];
    const direct = (line: string) => {
      const l = line.toLowerCase();
      return dnf.some((a) => a.every((lit) => (lit.endsWith(WORD_END) ? /use(?![A-Za-z0-9_])/.test(l) : l.includes(lit))));
    };
    const words = ['PsExec.exe', 'net.exe', 'use', 'user', '$', '445', 'x', 'C$', 'NET', '.EXE', 'USE '];
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const lines = Array.from({ length: 40_000 }, () => JSON.stringify({ v: Array.from({ length: 4 }, () => words[Math.floor(rnd() * words.length)]).join(' ') }));
    for (const order of [lines, [...lines].reverse()]) {
      const pred = linePredicate(dnf)!;
      for (const line of order) expect(pred(line), line).toBe(direct(line));
    }
  });
});
