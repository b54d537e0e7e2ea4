import { describe, expect, it } from 'vitest';
import { emitted, ok, status } from './helpers';

describe('tri-state evaluation (unknown fields)', () => {
  it('a filter on an unknown field is unknown; = * and != too', () => {
    for (const src of ['FileName = "x"', 'FileName != "x"', 'FileName = *', 'FileName != *', 'FileName = /x/', 'FileName > 1', 'in(field=FileName, values=[x])']) {
      expect(status(ok(src), { FileName: 'x' }, ['FileName']), src).toBe('unknown');
    }
  });

  it('fields not in the unknown set evaluate normally', () => {
    const q = ok('a = 1');
    expect(status(q, { a: '1' }, ['b'])).toBe('match');
    expect(status(q, { a: '2' }, ['b'])).toBe('nomatch');
    expect(status(q, { a: '1' }, [])).toBe('match');
  });

  it('AND: false wins over unknown; OR: true wins over unknown; NOT keeps unknown', () => {
    expect(status(ok('a = 1 b = 1'), { a: '2' }, ['b'])).toBe('nomatch');
    expect(status(ok('b = 1 a = 1'), { a: '2' }, ['b'])).toBe('nomatch');
    expect(status(ok('a = 1 b = 1'), { a: '1' }, ['b'])).toBe('unknown');
    expect(status(ok('a = 1 OR b = 1'), { a: '1' }, ['b'])).toBe('match');
    expect(status(ok('b = 1 OR a = 1'), { a: '1' }, ['b'])).toBe('match');
    expect(status(ok('b = 1 OR a = 1'), { a: '2' }, ['b'])).toBe('unknown');
    expect(status(ok('NOT b = 1'), {}, ['b'])).toBe('unknown');
    expect(status(ok('NOT (b = 1 OR a = 1)'), { a: '1' }, ['b'])).toBe('nomatch');
  });

  it('pipeline: unknown stage, then a definitely false stage → nomatch', () => {
    const q = ok('b = 1 | a = 1');
    expect(status(q, { a: '2' }, ['b'])).toBe('nomatch');
    expect(status(q, { a: '1' }, ['b'])).toBe('unknown');
  });

  it('case: a false clause moves on, the first true clause wins when nothing before was unknown', () => {
    const q = ok('case { a = 1 | t := "A" ; b = 1 | t := "B" ; c = 1 | t := "C" }');
    expect(emitted(q, { a: '1' }, ['b']).t).toBe('A');
    expect(status(q, { a: '2', c: '1' }, ['b'])).toBe('unknown');
    expect(status(q, { a: '2', c: '2' }, ['b'])).toBe('unknown');
    expect(status(q, { a: '2', b: '2', c: '1' }, ['a'])).toBe('unknown');
    // The unknown clause is definitely false because a later stage of the same clause is false.
    const q2 = ok('case { b = 1 | a = 1 | t := "X" ; c = 1 | t := "C" }');
    expect(emitted(q2, { a: '2', c: '1' }, ['b']).t).toBe('C');
  });

  it('case unknown then a definitely false later stage → nomatch', () => {
    const q = ok('case { b = 1 | t := "B" ; * | t := "*" } | a = 1');
    expect(status(q, { a: '2' }, ['b'])).toBe('nomatch');
    expect(status(q, { a: '1' }, ['b'])).toBe('unknown');
  });

  it('fields a case may assign are unknown after an unknown case', () => {
    const q = ok('case { b = 1 | t := "B" ; * | t := "other" } | t = "B"');
    expect(status(q, {}, ['b'])).toBe('unknown');
    // ...while an untouched field stays known.
    const q2 = ok('case { b = 1 | t := "B" ; * } | a = 1');
    expect(status(q2, { a: '9' }, ['b'])).toBe('nomatch');
  });

  it('assignment from an unknown field → unknown (unless overwritten)', () => {
    expect(status(ok('t := FileName'), { FileName: 'x' }, ['FileName'])).toBe('unknown');
    expect(status(ok('t := FileName | t = "x"'), { FileName: 'x' }, ['FileName'])).toBe('unknown');
    expect(status(ok('t := FileName | t := "k"'), {}, ['FileName'])).toBe('match');
    expect(status(ok('t := FileName | a = 1'), { a: '2' }, ['FileName'])).toBe('nomatch');
  });

  it('an assigned or dropped field is known even when listed as unknown', () => {
    expect(status(ok('FileName := "x" | FileName = "x"'), {}, ['FileName'])).toBe('match');
    expect(status(ok('drop([FileName]) | FileName != *'), {}, ['FileName'])).toBe('match');
  });

  it('named groups on an unknown field are unknown', () => {
    expect(status(ok('f = /(?<g>x)/ | t := "1"'), {}, ['f'])).toBe('unknown');
    expect(status(ok('f = /(?<g>x)/ | g = "y"'), {}, ['f'])).toBe('unknown');
  });

  it('without unknown fields, two-valued logic', () => {
    const q = ok('FileName != "svchost.exe"');
    expect(status(q, {})).toBe('match');
    expect(status(q, {}, [])).toBe('match');
  });

  it('the CQL functions on unknown fields are unknown; on known ones they decide', () => {
    const unknownFileName = [
      'lower(FileName) | _lower = "x"',
      'lower(FileName)',
      'x := length(FileName)',
      'format("%s", field=[FileName], as=y)',
      'wildcard(field=FileName, pattern="*x*")',
      'regex("x", field=FileName)',
      'test(FileName == "x")',
      'cidr(FileName, subnet="10.0.0.0/8")',
      'rename(field=FileName, as=g)',
      'default(field=FileName, value="-")',
      'FileName match { "x" => * }',
    ];
    for (const src of unknownFileName) expect(status(ok(src), {}, ['FileName']), src).toBe('unknown');
    expect(status(ok('lower(FileName) | a = 1'), { a: '2' }, ['FileName'])).toBe('nomatch');
    expect(status(ok('test(FileName == "x") | a = 1'), { a: '2' }, ['FileName'])).toBe('nomatch');
  });
});
