import { describe, expect, it } from 'vitest';
import { applyFormat, compileFormat } from '../../lambda/rules/printf';
import { compileTimeFormat, timeZone } from '../../lambda/rules/strftime';
import { javaReplacement, javaSplit } from '../../lambda/rules/valuefns';
import { at, emitted, error, ok, status } from './helpers';

const out = (src: string, fields: Record<string, string>) => emitted(ok(src), fields);

describe('lower(), upper(), length(), concat()', () => {
  it('default outputs _lower, _upper, _length, _concat; as= renames', () => {
    expect(out('lower(f)', { f: 'AbC' })._lower).toBe('abc');
    expect(out('upper(field=f)', { f: 'AbC' })._upper).toBe('ABC');
    expect(out('length(f)', { f: 'héllo' })._length).toBe('5');
    expect(out('concat([a, b])', { a: 'x', b: 'y' })._concat).toBe('xy');
    expect(out('lower(f, as=f)', { f: 'AbC' }).f).toBe('abc');
    expect(out('length("CommandLine", as="cmdLength")', { CommandLine: 'abc' }).cmdLength).toBe('3');
  });
  it('an absent input writes nothing; concat skips absent fields', () => {
    expect(out('lower(f)', {})).toEqual({});
    expect(out('concat([a, b, c], as=x)', { a: 'x', c: 'z' }).x).toBe('xz');
    expect(out('concat([a, b], as=x)', {})).toEqual({});
  });
  it('an unknown input is unknown', () => {
    expect(status(ok('lower(f)'), { f: 'A' }, ['f'])).toBe('unknown');
    expect(status(ok('concat([f, g], as=x)'), { g: 'A' }, ['f'])).toBe('unknown');
  });
  it('argument errors', () => {
    expect(at(error('lower()', 'missing-argument'))).toBe('1:1-1:8');
    expect(error('lower(f, bogus=1)', 'unknown-argument').col).toBe(10);
    expect(error('x := lower(f, as=y)', 'duplicate-argument').col).toBe(15);
    expect(error('test(lower(f, as=y) == "a")', 'invalid-argument').message).toMatch(/no effect inside an expression/);
  });
});

describe('replace()', () => {
  it('replaces every match; as= defaults to the input field; Java replacement syntax', () => {
    expect(out('replace("\\\\d", with="#", field=f)', { f: 'a1b22' }).f).toBe('a#b##');
    expect(out('replace("(\\\\d+)", with="<$1>", field=f, as=g)', { f: 'a1b22' })).toEqual({ f: 'a1b22', g: 'a<1>b<22>' });
    expect(out('replace("(?<n>\\\\d+)", replacement="[${n}]", field=f)', { f: 'x7' }).f).toBe('x[7]');
    expect(out('replace("a", field=f)', { f: 'banana' }).f).toBe('bnn');
    expect(out('replace("A", with="x", field=f, flags="i")', { f: 'aA' }).f).toBe('xx');
  });
  it('the default flags are m: ^ and $ match at lines', () => {
    expect(out('replace("^x", with="y", field=f)', { f: 'x\nx' }).f).toBe('y\ny');
  });
  it('javaReplacement', () => {
    expect(javaReplacement('$1-${name}-\\$-$x')).toBe('$1-$<name>-$$-$$x');
  });
  it('needs field= (no @rawstring) and a valid regex', () => {
    expect(error('replace("x", with="y")', 'missing-argument').hint).toMatch(/@rawstring/);
    expect(error('replace("(", field=f)', 'invalid-regex').col).toBe(9);
    expect(error('replace("\\\\Ax", field=f)', 'unsupported-regex-escape').code).toBe('unsupported-regex-escape');
  });
});

describe('splitString()', () => {
  it('index picks one part (negative from the end) into as= (default _splitstring)', () => {
    const p = { p: 'C:\\Windows\\System32\\cmd.exe' };
    expect(out('splitString(field=p, by="\\\\\\\\", index=-1, as=base)', p).base).toBe('cmd.exe');
    expect(out('splitString(field=p, by="\\\\\\\\", index=0)', p)._splitstring).toBe('C:');
    expect(out('splitString(field=p, by="\\\\\\\\", index=9)', p)).not.toHaveProperty('_splitstring');
    expect(out('x := splitString(field=c, by="-e* ", index=1)', { c: 'powershell -e AAA' }).x).toBe('AAA');
  });
  it('without index: as[0], as[1], … (Java split: trailing empty parts dropped)', () => {
    const q = ok('part := splitString(field=p, by=";")');
    expect(emitted(q, { p: 'a;b;;c;;' })).toEqual({ p: 'a;b;;c;;', 'part[0]': 'a', 'part[1]': 'b', 'part[2]': '', 'part[3]': 'c' });
    expect(q.assignedArrays).toEqual(['part']);
    expect(q.assignedFields).toEqual([]);
    expect(status(q, {}, ['p'])).toBe('unknown');
  });
  it('javaSplit', () => {
    expect(javaSplit('a,b,,', /,/)).toEqual(['a', 'b']);
    expect(javaSplit('', /,/)).toEqual(['']);
    expect(javaSplit(',', /,/)).toEqual([]);
    expect(javaSplit('abc', /(?:)/)).toEqual(['a', 'b', 'c']);
    expect(javaSplit('a1b2', /(\d)/)).toEqual(['a', 'b']);
  });
  it('errors', () => {
    expect(error('splitString(field=p)', 'missing-argument').message).toMatch(/by=/);
    expect(error('test(splitString(field=p, by=",") == "a")', 'missing-argument').message).toMatch(/index=/);
    expect(error('splitString(field=p, by=",", index=x)', 'invalid-argument').code).toBe('invalid-argument');
  });
});

describe('format()', () => {
  it('printf formats into as= (default _format)', () => {
    expect(out('format("%s-%s", field=[a, b])', { a: '1', b: '2' })._format).toBe('1-2');
    expect(out('format(format="%,.2f GB", field=[s], as=s)', { s: '1234.5' }).s).toBe('1,234.50 GB');
    expect(out('x := format("0x%x", field=n)', { n: '255' }).x).toBe('0xff');
    expect(out('format("[link](%s/%s)", field=["aid", "TargetProcessId"], as="Process Explorer")', { aid: 'a', TargetProcessId: '7' })['Process Explorer']).toBe('[link](a/7)');
    expect(out('format("none", field=[], as=c)', {}).c).toBe('none');
  });
  it('an absent field or a failed conversion writes nothing', () => {
    expect(out('format("%s-%s", field=[a, b], as=c)', { a: '1' })).not.toHaveProperty('c');
    expect(out('format("%d", field=[a], as=c)', { a: 'x' })).not.toHaveProperty('c');
  });
  it('checks the format and the number of fields', () => {
    expect(error('format("%q", field=[a])', 'invalid-format').col).toBe(8);
    expect(error('format("%tY", field=[a])', 'invalid-format').message).toMatch(/formatTime/);
    expect(error('format("%s %s", field=[a])', 'invalid-format').message).toMatch(/reads 2 fields/);
    expect(error('format("%s")', 'missing-argument').code).toBe('missing-argument');
  });
  it('printf conversions', () => {
    const f = (fmt: string, ...args: string[]) => {
      const c = compileFormat(fmt);
      if ('error' in c) throw new Error(c.error);
      return applyFormat(c, args);
    };
    expect(f('%.2f', '1.005')).toBe('1.01');
    expect(f('%.0f', '2.5')).toBe('3');
    expect(f('%,d', '1234567')).toBe('1,234,567');
    expect(f('%05d|%-4d|%+d|%(d', '42', '7', '5', '-3')).toBe('00042|7   |+5|(3)');
    expect(f('%x %X %o %#x', '255', '255', '8', '255')).toBe('ff FF 10 0xff');
    expect(f('%x', '-1')).toBe('ffffffffffffffff');
    expect(f('%.4s|%S|%5s|%-5s|', 'abcdef', 'ab', 'ab', 'ab')).toBe('abcd|AB|   ab|ab   |');
    expect(f('%2$s %1$s %<s', 'a', 'b')).toBe('b a a');
    expect(f('%e|%.2E', '12345.678', '0.000123')).toBe('1.234568e+04|1.23E-04');
    expect(f('%g|%g', '0.0001', '1234.5')).toBe('0.000100000|1234.50');
    expect(f('100%% %n', )).toBe('100% \n');
    expect(f('%d', '3.5')).toBeUndefined();
    expect(f('%d', '5.0')).toBe('5');
  });
});

describe('formatTime()', () => {
  it('formats @timestamp (ms) or another field (seconds or ms, unit=auto) in UTC by default', () => {
    const q = ok('t := formatTime("%Y-%m-%d %H:%M:%S.%L %Z", field=@timestamp)');
    expect(emitted(q, { '@timestamp': '1700000000123' }).t).toBe('2023-11-14 22:13:20.123 UTC');
    expect(out('formatTime("%F %T", field=ts, as=t)', { ts: '1700000000' }).t).toBe('2023-11-14 22:13:20');
    expect(out('formatTime("%F %T", field=ts, as=t, unit=milliseconds)', { ts: '1700000000' }).t).toBe('1970-01-20 16:13:20');
    expect(out('formatTime("%F", as=t)', { '@timestamp': '1700000000000' }).t).toBe('2023-11-14');
  });
  it('time zones: IANA names, fixed offsets, Z', () => {
    expect(out('formatTime("%F %T %z", field=ts, timezone="America/New_York", as=t)', { ts: '1700000000' }).t).toBe('2023-11-14 17:13:20 -0500');
    expect(out('formatTime("%H:%M %z", field=ts, timezone="+05:30", as=t)', { ts: '0' }).t).toBe('05:30 +0530');
    expect(out('formatTime("%H %Z", field=ts, timezone=Z, locale=en_US, as=t)', { ts: '0' }).t).toBe('00 UTC');
  });
  it('names, 12-hour clock, day of year, epoch', () => {
    expect(out('formatTime("%A %a %B %b %d %e %j %I %l %p %y %C %s %Q", field=ts, as=t)', { ts: '1700000000123' }).t).toBe(
      'Tuesday Tue November Nov 14 14 318 10 10 pm 23 20 1700000000 1700000000123',
    );
    expect(out('formatTime("%c", field=ts, as=t)', { ts: '0' }).t).toBe('Thu Jan 01 00:00:00 UTC 1970');
    expect(out('formatTime("%D %R %r", field=ts, as=t)', { ts: '0' }).t).toBe('01/01/70 00:00 12:00:00 am');
  });
  it('a non-numeric input writes nothing', () => {
    expect(out('formatTime("%F", field=ts, as=t)', { ts: 'yesterday' })).not.toHaveProperty('t');
  });
  it('needs as= as a stage, a known zone and supported conversions', () => {
    expect(error('formatTime("%F")', 'missing-argument').message).toMatch(/as=/);
    expect(error('formatTime("%F", as=t, timezone="Mars/Olympus")', 'invalid-argument').message).toMatch(/unknown time zone/);
    expect(error('formatTime("%Q%x", as=t)', 'invalid-format').message).toMatch(/%x/);
  });
  it('compileTimeFormat and timeZone', () => {
    const z = timeZone('Europe/London')!;
    const f = compileTimeFormat('%F %T %z', z);
    expect(typeof f === 'function' && f(Date.UTC(2024, 6, 1, 12, 0, 0))).toBe('2024-07-01 13:00:00 +0100');
    expect(timeZone('Nowhere/Else')).toBeUndefined();
  });
});

describe('round()', () => {
  it('rounds into the same field by default; how=ceil|floor', () => {
    expect(out('round(x)', { x: '2.5' }).x).toBe('3');
    expect(out('round(x)', { x: '-2.5' }).x).toBe('-2');
    expect(out('round(x, how=floor, as=y)', { x: '2.9' })).toEqual({ x: '2.9', y: '2' });
    expect(out('round(x, how=ceil)', { x: '2.1' }).x).toBe('3');
    expect(out('y := round(x)', { x: '7.49' }).y).toBe('7');
  });
  it('non-numeric input is left alone', () => {
    expect(out('round(x)', { x: 'abc' }).x).toBe('abc');
  });
  it('how= is checked', () => {
    expect(error('round(x, how=up)', 'invalid-argument').message).toMatch(/round, ceil, floor/);
  });
});
