import { describe, expect, it } from 'vitest';
import { extractFields, MAX_EXTRACTED_BYTES } from '../../lambda/fdr/extract';

function extract(obj: unknown, names: string[], raw?: string) {
  const text = raw ?? JSON.stringify(obj);
  const buf = Buffer.concat([Buffer.from('xx'), Buffer.from(text), Buffer.from('yy')]);
  return extractFields(buf, 2, buf.toString('latin1', 2, 2 + Buffer.byteLength(text)), names);
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
