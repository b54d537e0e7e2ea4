import { describe, expect, it } from 'vitest';
import { parseIp, parseSubnet, subnetMatcher } from '../../lambda/rules/cidr';
import { at, emitted, error, ok, passes, status } from './helpers';

describe('cidr()', () => {
  const q = ok('cidr(RemoteAddressIP4, subnet=["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])');
  it('matches IPv4 subnets; absent or non-IP values do not match', () => {
    expect(status(q, { RemoteAddressIP4: '10.1.2.3' })).toBe('match');
    expect(status(q, { RemoteAddressIP4: '172.31.255.255' })).toBe('match');
    expect(status(q, { RemoteAddressIP4: '172.32.0.1' })).toBe('nomatch');
    expect(status(q, { RemoteAddressIP4: 'not an ip' })).toBe('nomatch');
    expect(status(q, {})).toBe('nomatch');
  });
  it('!cidr() passes absent fields; negate=true only present ones outside the subnets', () => {
    expect(passes('!cidr(ip, subnet="10.0.0.0/8")', {})).toBe(true);
    expect(passes('!cidr(ip, subnet="10.0.0.0/8")', { ip: '8.8.8.8' })).toBe(true);
    expect(passes('!cidr(ip, subnet="10.0.0.0/8")', { ip: '10.0.0.1' })).toBe(false);
    expect(passes('cidr(ip, subnet="10.0.0.0/8", negate=true)', {})).toBe(false);
    expect(passes('cidr(ip, subnet="10.0.0.0/8", negate=true)', { ip: '8.8.8.8' })).toBe(true);
    expect(passes('not cidr(ip, subnet="10.0.0.0/8")', { ip: '10.9.9.9' })).toBe(false);
  });
  it('IPv6 in any spelling; mapped IPv4; a bare address is one host', () => {
    const v6 = ok('cidr(ip, subnet=["::1", "fe80::/10", "2001:db8::/32"])');
    for (const ip of ['::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', 'FE80::abcd%eth0', '2001:DB8:0:0:1::1']) {
      expect(status(v6, { ip }), ip).toBe('match');
    }
    for (const ip of ['::2', '2001:db9::1', '127.0.0.1', '1::']) expect(status(v6, { ip }), ip).toBe('nomatch');
    expect(passes('cidr(ip, subnet="10.0.0.0/8")', { ip: '::ffff:10.1.1.1' })).toBe(true);
    expect(passes('cidr(ip, subnet="::ffff:10.0.0.0/104")', { ip: '10.1.1.1' })).toBe(true);
    expect(passes('cidr(ip, subnet="192.168.1.5")', { ip: '192.168.1.5' })).toBe(true);
    expect(passes('cidr(ip, subnet="192.168.1.5")', { ip: '192.168.1.6' })).toBe(false);
    expect(passes('cidr("address", subnet=["0.0.0.0/0", "::/0"])', { address: '::' })).toBe(true);
    expect(passes('ip =~ cidr(subnet="10.0.0.0/8")', { ip: '10.0.0.1' })).toBe(true);
  });
  it('unknown fields are unknown', () => {
    expect(status(q, {}, ['RemoteAddressIP4'])).toBe('unknown');
  });
  it('parses addresses and subnets strictly', () => {
    expect(parseIp('1.2.3.256')).toBeUndefined();
    expect(parseIp('1.2.3')).toBeUndefined();
    for (const bad of ['', '.1.2.3', '1..2.3', '1.2.3.', '1.2.3.4.5', '1234.1.1.1', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4', '1.2.3.4/8', '1.2.3.a']) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
    expect(parseIp('255.255.255.255')).toEqual({ v: 4, n: 0xffffffff });
    expect(parseIp('010.001.0.9')).toEqual(parseIp('10.1.0.9'));
    expect(parseIp('1:::2')).toBeUndefined();
    expect(parseIp('1::2::3')).toBeUndefined();
    expect(parseIp('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIp('12345::')).toBeUndefined();
    expect(parseIp('::1.2.3.4')).toEqual({ v: 6, n: 0x01020304n });
    expect(parseIp('1:2:3:4:5:6:1.2.3.4')).toEqual(parseIp('1:2:3:4:5:6:102:304'));
    expect(parseSubnet('10.0.0.0/33')).toBeUndefined();
    expect(parseSubnet('::/129')).toBeUndefined();
    expect(parseSubnet('10.1.2.3/8')).toEqual(parseSubnet('10.0.0.0/8'));
    expect(subnetMatcher([parseSubnet('0.0.0.0/0')!])('255.255.255.255')).toBe(true);
  });
  it('errors: bad subnets, lookup files, missing arguments', () => {
    const d = error('cidr(ip, subnet=["10.0.0.0/8", "10.0.0/8"])', 'invalid-subnet');
    expect(at(d)).toBe('1:32-1:42');
    expect(error('cidr(ip, file="nets.csv", column=net)', 'unsupported-argument').hint).toMatch(/subnet=/);
    expect(error('cidr(ip)', 'missing-argument').message).toMatch(/subnet=/);
    expect(error('cidr(subnet="10.0.0.0/8")', 'missing-argument').message).toMatch(/field=/);
  });
});

describe('regex()', () => {
  it('named groups become fields; strict (default) drops non-matching events', () => {
    const q = ok('regex("(?<user>\\\\w+)@(?<domain>[\\\\w.]+)", field=Email)');
    expect(emitted(q, { Email: 'bob@corp.example' })).toMatchObject({ user: 'bob', domain: 'corp.example' });
    expect(status(q, { Email: 'nobody' })).toBe('nomatch');
    expect(status(q, {})).toBe('nomatch');
    expect(q.assignedFields).toEqual(['user', 'domain']);
  });
  it('strict=false keeps every event and extracts when it matches', () => {
    const q = ok('regex(".+\\\\\\\\(?<FileName>.+$)", field=ImageFileName, strict=false)');
    expect(emitted(q, { ImageFileName: 'C:\\Windows\\cmd.exe' }).FileName).toBe('cmd.exe');
    expect(emitted(q, { ImageFileName: 'cmd.exe' })).toEqual({ ImageFileName: 'cmd.exe' });
    expect(emitted(q, {})).toEqual({});
  });
  it('group names may be field names with dots', () => {
    const q = ok('regex("^(?<user.name>[^@]+)@(?<d>.+)", field=u)');
    expect(emitted(q, { u: 'bob@corp' })).toMatchObject({ 'user.name': 'bob', d: 'corp' });
    expect(q.assignedFields).toEqual(['user.name', 'd']);
    expect(emitted(ok('u = /(?<a.b>x+)-\\k<a.b>/'), { u: 'xx-xx' })['a.b']).toBe('xx');
    expect(ok('regex("(?<a.b>x)", field=u) | a.b = "x"').requiredLiterals('T', new Set())).toEqual([['x']]);
  });
  it('flags: m by default, i, d, F accepted', () => {
    expect(passes('regex("^b$", field=f)', { f: 'a\nb' })).toBe(true);
    expect(passes('regex("^b$", field=f, flags="i")', { f: 'a\nb' })).toBe(false);
    expect(passes('regex("ABC", field=f, flags=iF)', { f: 'xabc' })).toBe(true);
    expect(passes('regex("a.b", field=f, flags="d")', { f: 'a\nb' })).toBe(true);
  });
  it('is a filter: negatable, and usable in OR', () => {
    expect(passes('!regex("x", field=f)', { f: 'y' })).toBe(true);
    expect(passes('regex("x", field=f) OR g = 1', { g: '1' })).toBe(true);
  });
  it('unknown input: unknown, groups unknown', () => {
    expect(status(ok('regex("(?<g>x)", field=f)'), {}, ['f'])).toBe('unknown');
    expect(status(ok('regex("(?<g>x)", field=f, strict=false)'), {}, ['f'])).toBe('unknown');
  });
  it('errors', () => {
    expect(error('regex("x")', 'missing-argument').message).toMatch(/field=/);
    expect(error('regex("x", field=f, repeat=true)', 'unsupported-argument').code).toBe('unsupported-argument');
    expect(at(error('regex("(x", field=f)', 'invalid-regex'))).toBe('1:7-1:11');
    expect(error('regex("x", field=f, flags="q")', 'invalid-regex-flag').col).toBe(27);
  });
});

describe('wildcard()', () => {
  it('anchored glob, case-sensitive unless ignoreCase', () => {
    expect(passes('wildcard(field=animal, pattern=horse, ignoreCase=true)', { animal: 'HORSE' })).toBe(true);
    expect(passes('wildcard(field=animal, pattern=horse, ignoreCase=true)', { animal: 'horses' })).toBe(false);
    expect(passes('wildcard(field=animal, pattern="*h*rse*", ignoreCase=true)', { animal: 'crazy hOrSe' })).toBe(true);
    expect(passes('wildcard(field=animal, pattern="*h*rse*")', { animal: 'crazy hOrSe' })).toBe(false);
    expect(passes('wildcard("net*", field=FileName)', { FileName: 'net1.exe' })).toBe(true);
  });
  it('several fields: any of them; =~ form; negation', () => {
    expect(passes('wildcard(field=[a, b], pattern="*x*")', { b: 'zxz' })).toBe(true);
    expect(passes('wildcard(field=[a, b], pattern="*x*")', {})).toBe(false);
    expect(passes('FileName =~ wildcard("*exec*", ignoreCase=true)', { FileName: 'PsExec.exe' })).toBe(true);
    expect(passes('!wildcard(field=f, pattern="a*")', {})).toBe(true);
  });
  it('includeEverythingOnAsterisk', () => {
    expect(passes('wildcard(field=f, pattern="*")', {})).toBe(false);
    expect(passes('wildcard(field=f, pattern="*", includeEverythingOnAsterisk=true)', {})).toBe(true);
  });
  it('unknown fields', () => {
    expect(status(ok('wildcard(field=[a, b], pattern="x")'), { b: 'y' }, ['a'])).toBe('unknown');
    expect(status(ok('wildcard(field=[a, b], pattern="x")'), { b: 'x' }, ['a'])).toBe('match');
  });
  it('needs field= (searching every field needs @rawstring)', () => {
    expect(error('wildcard("x*")', 'missing-argument').hint).toMatch(/@rawstring/);
    expect(error('F =~ wildcard(field=G, pattern="x")', 'duplicate-argument').message).toMatch(/=~/);
  });
});

describe('rename() and default()', () => {
  it('rename moves a value; pairs; a missing source changes nothing', () => {
    expect(emitted(ok('rename(field=a, as=b)'), { a: '1', c: '3' })).toEqual({ b: '1', c: '3' });
    expect(emitted(ok('rename(a, as=b)'), { b: 'old' })).toEqual({ b: 'old' });
    expect(emitted(ok('rename([[a, x], [c, "Customer ID"]])'), { a: '1', c: '2' })).toEqual({ x: '1', 'Customer ID': '2' });
    expect(ok('rename([[a, x], [c, y]])').assignedFields).toEqual(['x', 'y']);
    expect(emitted(ok('rename([AgentIdString], as = aid)'), { AgentIdString: '1' })).toEqual({ aid: '1' });
    expect(emitted(ok('rename(field=[a, b], as=[x, y])'), { a: '1', b: '2' })).toEqual({ x: '1', y: '2' });
    expect(passes('rename(field=a, as=b) | a != * | b = 1', { a: '1' })).toBe(true);
  });
  it('G := rename(F) is rename(F, as=G); quoted targets may be any name', () => {
    expect(emitted(ok('Count := rename(_count)'), { _count: '3' })).toEqual({ Count: '3' });
    expect(emitted(ok('"Size in KB" := rename(SizeK)'), { SizeK: '9' })).toEqual({ 'Size in KB': '9' });
    expect(emitted(ok('"Process Explorer" := format("%s", field=[a])'), { a: 'x' })['Process Explorer']).toBe('x');
    expect(error('x := rename(a, as=y)', 'duplicate-argument').code).toBe('duplicate-argument');
    expect(ok('x := rename(FileName) | FileName = "a"').requiredLiterals('T', new Set())).toEqual([[]]);
  });
  it('rename of an unknown field is unknown', () => {
    expect(status(ok('rename(field=a, as=b)'), {}, ['a'])).toBe('unknown');
  });
  it('default sets absent fields (and empty ones with replaceEmpty)', () => {
    expect(emitted(ok('default(field=[a, b], value="-")'), { a: 'x', b: '' })).toEqual({ a: 'x', b: '' });
    expect(emitted(ok('default(field=[a, b], value="-", replaceEmpty=true)'), { a: 'x', b: '' })).toEqual({ a: 'x', b: '-' });
    expect(emitted(ok('default(field=[a, b], "-")'), {})).toEqual({ a: '-', b: '-' });
    expect(emitted(ok('minutes =~ default(0)'), {})).toEqual({ minutes: '0' });
    expect(status(ok('default(field=a, value="-")'), {}, ['a'])).toBe('unknown');
  });
  it('errors', () => {
    expect(error('rename(field=a)', 'missing-argument').message).toMatch(/as=/);
    expect(error('rename([[a]])', 'invalid-argument').message).toMatch(/pair/);
    expect(error('rename(field=[a, b], as=x)', 'invalid-argument').message).toMatch(/names 1 field for 2/);
    expect(error('default(field=a)', 'missing-argument').message).toMatch(/value=/);
  });
});

describe('match statement and =~', () => {
  it('FIELD match { v => … } is a case on FIELD = v', () => {
    const q = ok('RFMState match { 1 => s := "RFM" ; 0 => s := "OK" ; "N*" => s := "N" ; /^x/ => s := "X" ; * => s := "?" }');
    expect(emitted(q, { RFMState: '1' }).s).toBe('RFM');
    expect(emitted(q, { RFMState: '0' }).s).toBe('OK');
    expect(emitted(q, { RFMState: 'NA' }).s).toBe('N');
    expect(emitted(q, { RFMState: 'xy' }).s).toBe('X');
    expect(emitted(q, {}).s).toBe('?');
    expect(status(ok('a match { 1 => * }'), { a: '2' })).toBe('nomatch');
  });
  it('=~ needs a function call', () => {
    expect(error('a =~ "x"', 'expected-function').hint).toMatch(/wildcard/);
  });
});
