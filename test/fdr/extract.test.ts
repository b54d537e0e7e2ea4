import { describe, expect, it } from 'vitest';
import { mayNest, rawString, readValue, valueAt } from '../../lambda/fdr/extract';

/** A field read from a line's text, as the join reads it. */
const field = (text: string, name: string, max?: number) => readValue(text, valueAt(text, name), max);

describe('reading fields without JSON.parse', () => {
  it('agrees with JSON.parse on escapes, unicode, numbers and whitespace', () => {
    const ev = {
      aid: 'a1', TargetProcessId: '1234567890123456789', ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\System32\\net.exe',
      CommandLine: 'net use "\\\\srv\\C$" /u:CORP\\ädmin\ttab \u2603 2>&1 <x> a=b', UserSid: 'S-1-5-18',
    };
    const text = JSON.stringify(ev);
    for (const [k, v] of Object.entries(ev)) expect(field(text, k)).toBe(v);
    // HTML-safe escapes, as real FDR lines carry them
    expect(field(String.raw`{"CommandLine":"cmd /c x 2\u003e\u00261 a\u003db"}`, 'CommandLine')).toBe('cmd /c x 2>&1 a=b');
    expect(field('{ "aid" :  "b2" , "x":true, "n": 445 ,"z":null}', 'aid')).toBe('b2');
    expect(field('{ "aid" :  "b2" , "x":true, "n": 445 ,"z":null}', 'x')).toBe('true');
    expect(field('{ "aid" :  "b2" , "x":true, "n": 445 ,"z":null}', 'n')).toBe('445');
    // A number reads as the field view reads the parsed number (String of what JSON.parse gives), not as its text.
    for (const n of ['12345678901234567890', '1e3', '-0', '1.50', '0.1e-2', '7']) {
      expect([n, field(`{"TargetProcessId":${n}}`, 'TargetProcessId')]).toEqual([n, String(JSON.parse(n))]);
    }
    expect(field('{"TargetProcessId":12345678901234567890}', 'TargetProcessId')).toBe('12345678901234567000');
    // Not JSON (a parse would reject the line): absent.
    for (const bad of ['01', '1.', '+1', 'tru', 'NaN', '0x10']) expect([bad, field(`{"n":${bad}}`, 'n')]).toEqual([bad, undefined]);
    // null, missing and malformed values are absent (JSON.parse + the field view: null names nothing)
    expect(field('{ "aid" :  "b2" , "x":true, "n": 445 ,"z":null}', 'z')).toBeUndefined();
    expect(field('{"aid":"b2"}', 'Missing')).toBeUndefined();
    expect(field('{"aid":"unterminated}', 'aid')).toBeUndefined();
    expect(field('{"aid":"bad \\x escape"}', 'aid')).toBeUndefined();
  });

  it('is not fooled by a key inside a string value, nor by a key name after an escaped quote', () => {
    expect(field(JSON.stringify({ CommandLine: 'echo "aid":"evil"', aid: 'real' }), 'aid')).toBe('real');
    expect(field('{"x\\"aid":"evil","aid":"real"}', 'aid')).toBe('real');
    expect(field('{"x\\"aid":"evil"}', 'aid')).toBeUndefined();
    expect(field('{"x":"aid","aid":"a"}', 'aid')).toBe('a');
    // an escaped backslash before the quote does not escape the quote
    expect(field('{"p":"C:\\\\","aid":"a"}', 'aid')).toBe('a');
  });

  it('a key given twice resolves as JSON.parse resolves it: the last wins', () => {
    for (const text of ['{"aid":"a","aid" : "b"}', '{"aid":"a","x":1,"aid":"b","y":"aid"}']) {
      expect(field(text, 'aid')).toBe((JSON.parse(text) as { aid: string }).aid);
    }
  });

  it('cuts long values to maxChars without breaking an escape, and returns fresh strings', () => {
    const long = 'x'.repeat(250) + '\\"\u00e9\u2603' + 'y'.repeat(2000);
    const text = JSON.stringify({ CommandLine: long });
    for (const max of [250, 251, 252, 253, 256, 1024]) expect(field(text, 'CommandLine', max)).toBe(long.slice(0, max));
    // escapes that expand: the cut still yields maxChars characters when the value has them
    const escapes = '\u0001'.repeat(400);
    expect(field(JSON.stringify({ CommandLine: escapes }), 'CommandLine', 256)).toBe(escapes.slice(0, 256));
    expect(field(text, 'CommandLine')).toBe(long);
  });

  it('gives the raw (escaped) content of a string value', () => {
    const text = String.raw`{"ImageFileName":"\\Device\\x.exe","n":1}`;
    expect(rawString(text, valueAt(text, 'ImageFileName'))).toBe(String.raw`\\Device\\x.exe`);
    expect(rawString(text, valueAt(text, 'n'))).toBeUndefined();
    expect(rawString(text, -1)).toBeUndefined();
  });

  it('a brace inside a string value is harmless; one that may open a nested object makes the line unsafe', () => {
    expect(mayNest(JSON.stringify({ CommandLine: 'taskhostw.exe {222A245B-E637}', aid: 'a' }))).toBe(false);
    expect(mayNest(JSON.stringify({ CommandLine: 'echo a:{b}', aid: 'a' }))).toBe(true); // cannot tell: parse
    expect(mayNest('{"x": {"aid":"inner"},"aid":"outer"}')).toBe(true);
    expect(mayNest('{"x":[{"aid":"inner"}]}')).toBe(true);
  });
});
