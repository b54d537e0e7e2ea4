import { describe, expect, it } from 'vitest';
import { extractFields, MAX_EXTRACTED_BYTES } from '../../lambda/fdr/extract';

function extract(obj: unknown, names: string[], raw?: string) {
  return extractFields(raw ?? JSON.stringify(obj), names);
}

describe('field extraction without JSON.parse', () => {
  it('agrees with JSON.parse on escapes, unicode, numbers and whitespace', () => {
    const ev = {
      aid: 'a1', TargetProcessId: '1234567890123456789', ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\System32\\net.exe',
      CommandLine: 'net use "\\\\srv\\C$" /u:CORP\\ädmin\ttab \u2603', UserSid: 'S-1-5-18', RemotePort: 445,
    };
    const names = ['aid', 'TargetProcessId', 'ImageFileName', 'CommandLine', 'UserSid', 'RemotePort', 'Missing'];
    expect(extract(ev, names)).toEqual({ ...ev, RemotePort: '445' });
    expect(extract(null, ['aid', 'x'], '{ "aid" :  "b2" , "x":true}')).toEqual({ aid: 'b2', x: 'true' });
  });

  it('is not fooled by a key inside a string value', () => {
    const ev = { CommandLine: 'echo "aid":"evil"', aid: 'real' };
    expect(extract(ev, ['aid'])).toEqual({ aid: 'real' });
  });

  it('cuts long values without breaking an escape', () => {
    const long = 'x'.repeat(MAX_EXTRACTED_BYTES - 1) + '\\' + 'y'.repeat(100);
    const got = extract({ CommandLine: long }, ['CommandLine'])!.CommandLine as string;
    expect(got.length).toBeLessThanOrEqual(MAX_EXTRACTED_BYTES);
    expect(long.startsWith(got)).toBe(true);
  });
});

describe('field extraction: ambiguous or tricky lines', () => {
  it('a key name after an escaped quote is part of another key, not the key', () => {
    expect(extractFields('{"x\\"aid":"evil","aid":"real"}', ['aid'])).toEqual({ aid: 'real' });
    expect(extractFields('{"x\\"aid":"evil"}', ['aid'])).toEqual({});
  });

  it('a brace inside a string value is harmless; one that may open a nested object makes the line ambiguous', () => {
    const guid = { CommandLine: 'taskhostw.exe {222A245B-E637}', aid: 'a' };
    expect(extractFields(JSON.stringify(guid), ['aid', 'CommandLine'])).toEqual(guid);
    expect(extractFields(JSON.stringify({ CommandLine: 'echo a:{b}', aid: 'a' }), ['aid'])).toBeNull(); // cannot tell: parse
    expect(extractFields('{"x": {"aid":"inner"},"aid":"outer"}', ['aid'])).toBeNull();
  });

  it('a key twice (whatever the spacing) makes the line ambiguous; a value that looks like the key does not', () => {
    expect(extractFields('{"aid":"a","aid" : "b"}', ['aid'])).toBeNull();
    expect(extractFields('{"x":"aid","aid":"a"}', ['aid'])).toEqual({ aid: 'a' });
  });

  it('returns fresh strings (a join index must not keep the line alive) equal to what JSON.parse gives', () => {
    const ev = { aid: 'f'.repeat(32), TargetProcessId: '123456789012345', CommandLine: 'x'.repeat(300), UserSid: 'S-1-5-21-1-2-3-1001' };
    const text = JSON.stringify(ev);
    expect(extractFields(text, Object.keys(ev))).toEqual(JSON.parse(text));
    expect(extractFields('{"TargetProcessId":12345678901234567890}', ['TargetProcessId'])).toEqual({ TargetProcessId: '12345678901234567890' });
  });
});
