import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../lambda/rules/diagnostics';
import { tokenize } from '../../lambda/rules/lexer';
import { at, emitted, error, ok, passes, status } from './helpers';

describe('expression lexing', () => {
  it('expr mode: arithmetic operators, numbers, == and words without - or *', () => {
    const src = 'a-b*2/c%d + -1.5e3 == "x" != y';
    const toks = tokenize(src, new Diagnostics(src), 'expr').map((t) => `${t.kind}:${t.text}`);
    expect(toks).toEqual([
      'word:a', 'minus:-', 'word:b', 'star:*', 'number:2', 'slash:/', 'word:c', 'percent:%', 'word:d', 'plus:+', 'minus:-', 'number:1.5e3',
      'eqeq:==', 'string:"x"', 'neq:!=', 'word:y', 'eof:',
    ]);
  });
  it('query mode keeps a-b and *.exe as words, /…/ as a regex', () => {
    const src = 'a-b = *.exe x = /re/';
    expect(tokenize(src, new Diagnostics(src)).map((t) => t.kind)).toEqual(['word', 'eq', 'word', 'word', 'eq', 'regex', 'eof']);
  });
  it('a division in test() or := is not a regex', () => {
    expect(emitted(ok('x := a / 60 / 60'), { a: '7200' }).x).toBe('2');
    expect(passes('test(a / b > 2)', { a: '9', b: '3' })).toBe(true);
  });
});

describe('test()', () => {
  it('compares a field with a number or another field, numerically when both are numbers', () => {
    expect(passes('test(cputime < 7500)', { cputime: '700' })).toBe(true);
    expect(passes('test(cputime < 7500)', { cputime: '7500' })).toBe(false);
    expect(passes('test(foo < bar)', { foo: '9', bar: '10' })).toBe(true);
    expect(passes('test(foo < bar)', { foo: 'b', bar: 'a' })).toBe(false);
    expect(passes('test(foo < bar)', { foo: 'a', bar: 'b' })).toBe(true);
    expect(passes('test(a == 1)', { a: '1.0' })).toBe(true);
    expect(passes('test(a == "1")', { a: '1.0' })).toBe(true);
    expect(passes('test(a == "x")', { a: 'X' })).toBe(false);
  });
  it('quoted strings are values, unquoted names are fields', () => {
    expect(passes('test(myField == "myOtherField")', { myField: 'myOtherField' })).toBe(true);
    expect(passes('test(myField == myOtherField)', { myField: 'v', myOtherField: 'v' })).toBe(true);
    expect(passes('test(myField == myOtherField)', { myField: 'myOtherField' })).toBe(false);
  });
  it('and / or / not / ! and parentheses', () => {
    const ev = { a: '5', b: 'x' };
    expect(passes('test(a > 1 and b == "x")', ev)).toBe(true);
    expect(passes('test(a > 9 or b == "x")', ev)).toBe(true);
    expect(passes('test(a > 9 OR b == "y")', ev)).toBe(false);
    expect(passes('test(not a > 9)', ev)).toBe(true);
    expect(passes('test(!(a > 1 and b == "x"))', ev)).toBe(false);
    expect(passes('test(a > 1 and (b == "y" or b == "x"))', ev)).toBe(true);
  });
  it('a comparison with an absent field is false (also !=), so its negation passes', () => {
    expect(passes('test(a != "x")', {})).toBe(false);
    expect(passes('test(a < 5)', {})).toBe(false);
    expect(passes('!test(a == "x")', {})).toBe(true);
    expect(passes('not test(a == "x")', { a: 'x' })).toBe(false);
  });
  it('value functions inside expressions', () => {
    expect(passes('test(length(CommandLine) > 10)', { CommandLine: 'x'.repeat(11) })).toBe(true);
    expect(passes('test(length(CommandLine) > 10)', { CommandLine: 'short' })).toBe(false);
    expect(passes('test(lower(FileName) == "psexec.exe")', { FileName: 'PsExec.EXE' })).toBe(true);
    expect(passes('test(length(CommandLine) > 10)', {})).toBe(false);
  });
  it('a bare value is true when it is "true"', () => {
    expect(passes('test(flag)', { flag: 'true' })).toBe(true);
    expect(passes('test(flag)', { flag: '1' })).toBe(false);
    expect(passes('test(true)', {})).toBe(true);
  });
});

describe(':= expressions', () => {
  it('arithmetic; integers print without a fraction', () => {
    const out = emitted(ok('x := a * 1000 | y := (a + b) / 2 | z := a % 2 | n := -a | p := (a / b) * 100'), { a: '3', b: '4' });
    expect(out).toMatchObject({ x: '3000', y: '3.5', z: '1', n: '-3', p: '75' });
    expect(emitted(ok('x := 4 / lower(a)'), { a: '2' }).x).toBe('2');
  });
  it('no value (absent or non-numeric operand, division by zero) leaves the target alone', () => {
    expect(emitted(ok('x := a * 2'), { a: 'abc' })).not.toHaveProperty('x');
    expect(emitted(ok('x := a * 2'), { x: 'old' }).x).toBe('old');
    expect(emitted(ok('x := a / 0'), { a: '1' })).not.toHaveProperty('x');
  });
  it('a comparison assigns "true" / "false"', () => {
    expect(emitted(ok('big := size > 100'), { size: '500' }).big).toBe('true');
    expect(emitted(ok('big := size > 100'), { size: '5' }).big).toBe('false');
  });
  it('literals, copies and booleans as before', () => {
    expect(emitted(ok('t := "x" | n := 5 | c := a | b := true'), { a: 'v' })).toEqual({ a: 'v', t: 'x', n: '5', c: 'v', b: 'true' });
  });
  it('f := fn(…) is fn(…, as=f)', () => {
    expect(emitted(ok('f := lower(FileName)'), { FileName: 'A.EXE' })).toEqual({ FileName: 'A.EXE', f: 'a.exe' });
    expect(ok('f := lower(FileName)').assignedFields).toEqual(['f']);
  });
  it('unknown operands make the value unknown', () => {
    expect(status(ok('x := a * 2'), { a: '1' }, ['a'])).toBe('unknown');
    expect(status(ok('test(a > 2)'), { a: '1' }, ['a'])).toBe('unknown');
    expect(status(ok('test(a > 2 and b > 2)'), { b: '1' }, ['a'])).toBe('nomatch');
    expect(status(ok('test(a > 2 or b > 2)'), { b: '9' }, ['a'])).toBe('match');
  });
});

describe('expression errors', () => {
  it('`=` inside an expression', () => {
    const d = error('test(a = 1)', 'single-equals-in-expression');
    expect(at(d)).toBe('1:8-1:9');
    expect(d.hint).toBe('compare with `==`');
  });
  it('&& and ||', () => {
    expect(error('test(a == 1 && b == 2)', 'unsupported-operator').hint).toBe('use `and`');
    expect(error('test(a == 1 || b == 2)', 'unsupported-operator').hint).toBe('use `or`');
  });
  it('missing operands and bad tokens, located', () => {
    expect(at(error('test(a >)', 'expected-expression'))).toBe('1:9-1:10');
    expect(at(error('test()', 'expected-expression'))).toBe('1:5-1:7');
    expect(at(error('x := a +', 'expected-expression'))).toBe('1:9-1:9');
    expect(error('x := a b', 'unexpected-token').col).toBe(8);
    expect(error('x := [a]', 'expected-value').message).toBe('cannot assign a list');
    expect(error('test(a == /x/)', 'expected-expression').hint).toMatch(/FIELD = \/regex\//);
  });
  it('only value functions in expressions', () => {
    const d = error('test(count() > 1)', 'not-a-value-function');
    expect(at(d)).toBe('1:6-1:11');
    expect(error('x := in(a, values=[1])', 'not-a-value-function').code).toBe('not-a-value-function');
    expect(error('test(now() > 1)', 'unsupported-function').hint).toMatch(/epoch/);
  });
  it('an error inside test() does not spill into the rest of the query', () => {
    const errs = error('test(a >) | b = /x/', 'expected-expression');
    expect(errs.line).toBe(1);
    expect(passes('test(a > 1) | b = /x/', { a: '2', b: 'x' })).toBe(true);
  });
  it('two fields compared outside test() point at test()', () => {
    expect(error('a < b', 'non-numeric-comparison').hint).toBe('to compare two fields: test(a < b)');
  });
  it('dashboard parameters', () => {
    const d = error('test(SizeMB >= ?MinSize)', 'query-parameter-unsupported');
    expect(at(d)).toBe('1:16-1:24');
    expect(error('UserName =~ wildcard(?{UserName="*"}, ignoreCase=true)', 'query-parameter-unsupported').col).toBe(22);
  });
});
