import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createPrefilter } from '../../lambda/fdr/prefilter';
import { chunked, collect } from './decode-helpers';

const TYPES = ['ProcessRollup2', 'NetworkConnectIP4'];

describe('createPrefilter', () => {
  const pf = createPrefilter(TYPES)!;
  const matches = (s: string) => {
    const b = Buffer.from(s);
    return pf.lineMatches(b, 0, b.length);
  };

  it('gives a line a type only when every event_simpleName key of it names that type (JSON.parse takes the last)', () => {
    const type = (s: string) => {
      const b = Buffer.from(s);
      return pf.lineType(b, 0, b.length);
    };
    expect(type('{"event_simpleName":"ProcessRollup2","aid":"a"}')).toBe('ProcessRollup2');
    expect(type('{"event_simpleName":"ProcessRollup2","event_simpleName" : "ProcessRollup2"}')).toBe('ProcessRollup2');
    expect(type('{"event_simpleName":"ProcessRollup2","event_simpleName":"DnsRequest"}')).toBeUndefined();
    expect(type('{"event_simpleName":"DnsRequest","event_simpleName":"ProcessRollup2"}')).toBeUndefined();
    expect(type('{"event_simpleName":"ProcessRollup2","event_simpleName":5}')).toBeUndefined();
    expect(type('{"event_simpleName":"ProcessRollup2","event_simpleName":"NetworkConnectIP4"}')).toBeUndefined();
    // not keys: inside a string (escaped quotes) or without a colon
    expect(type('{"event_simpleName":"ProcessRollup2","c":"x \\"event_simpleName\\":\\"DnsRequest\\"","d":"event_simpleName"}')).toBe('ProcessRollup2');
    // typedHits reports the keys naming no requested type apart, for the line splitter
    const buf = Buffer.from('{"event_simpleName":"DnsRequest"}\n{"event_simpleName":"ProcessRollup2"}\n{"event_simpleName":"ProcessRollup2","event_simpleName":"X"}\n');
    const [positions, names, others] = [[] as number[], [] as (string | undefined)[], [] as number[]];
    expect(pf.typedHits(buf, 0, buf.length, positions, names, others)).toBe(2);
    expect(names).toEqual(['ProcessRollup2', 'ProcessRollup2']);
    expect(others.map((p) => buf.toString('latin1', p, p + 30))).toEqual(['"event_simpleName":"DnsRequest', '"event_simpleName":"X"}\n']);
  });

  it('finds the key/value pair with any JSON whitespace around the colon', () => {
    expect(matches('{"event_simpleName":"ProcessRollup2","aid":"a"}')).toBe(true);
    expect(matches('{"event_simpleName" : "ProcessRollup2"}')).toBe(true);
    expect(matches('{ "aid":"a", "event_simpleName"\t:\t"NetworkConnectIP4" }')).toBe(true);
    expect(matches('{"event_simpleName":\r "ProcessRollup2"}')).toBe(true);
  });

  it('excludes lookalike type names and other keys', () => {
    expect(matches('{"event_simpleName":"SyntheticProcessRollup2"}')).toBe(false);
    expect(matches('{"event_simpleName":"ProcessRollup2V19"}')).toBe(false);
    expect(matches('{"event_simpleName":"DnsRequest","name":"ProcessRollup2"}')).toBe(false);
    expect(matches('{"event_simpleName":"DnsRequest","ProcessRollup2":"x"}')).toBe(false);
    expect(matches('{"xevent_simpleName":"ProcessRollup2"}')).toBe(false);
    expect(matches('{"event_simpleName":"ProcessRollup"}')).toBe(false);
    expect(matches('{"event_simpleName":ProcessRollup2}')).toBe(false);
    expect(matches('{"event_simpleName":"ProcessRollup2')).toBe(false); // value cut by the end of the range
  });

  it('a key/value quoted inside a string value is not a hit (its quotes are escaped)', () => {
    expect(matches('{"event_simpleName":"DnsRequest","CommandLine":"x \\"event_simpleName\\":\\"ProcessRollup2\\""}')).toBe(false);
  });

  it('reports hits in a whole chunk in ascending order, never across line boundaries', () => {
    const lines = [
      '{"event_simpleName":"NetworkConnectIP4"}',
      '{"event_simpleName":"DnsRequest"}',
      '{"event_simpleName":"ProcessRollup2"}',
      '{"a":"event_simpleName":', // a line ending with the key ...
      '"ProcessRollup2"}', // ... does not confirm a value on the next line
    ];
    const buf = Buffer.from(lines.join('\n') + '\n');
    const hits = pf.hits(buf, 0, buf.length);
    // positions of the matching keys' opening quotes, in line 1 and line 3
    const lineStart = (n: number) => lines.slice(0, n - 1).reduce((a, l) => a + l.length + 1, 0);
    expect(hits).toEqual([lineStart(1) + 1, lineStart(3) + 1]);
  });

  it('null/undefined means no prefilter; invalid names are rejected', () => {
    expect(createPrefilter(null)).toBeNull();
    expect(createPrefilter(undefined)).toBeNull();
    expect(() => createPrefilter(['a"b'])).toThrow(TypeError);
    expect(() => createPrefilter([''])).toThrow(TypeError);
  });
});

describe('decodeEvents with eventTypes', () => {
  const lines = [
    '{"event_simpleName":"ProcessRollup2","id":"1"}',
    '{"event_simpleName" : "NetworkConnectIP4", "id":"2"}',
    '{"event_simpleName":"SyntheticProcessRollup2","id":"3"}',
    '{"event_simpleName":"ProcessRollup2V19","id":"4"}',
    '{"event_simpleName":"DnsRequest","id":"5","CommandLine":"cmd /c echo \\"event_simpleName\\": \\"ProcessRollup2\\""}',
    // a confirmed byte hit that is not the event's own type (nested object): dropped after parsing
    '{"event_simpleName":"DnsRequest","id":"6","Extra":{"event_simpleName":"ProcessRollup2"}}',
    '{"event_simpleName":"ProcessRollup2","broken"', // a candidate that is invalid JSON: counted
    '{"event_simpleName":"UserLogon","broken"', // not a candidate, but not shaped like an object either: counted
    '{"event_simpleName":\t"ProcessRollup2","id":"9"}',
  ];
  const text = lines.join('\n') + '\n';

  for (const [name, buf, size] of [
    ['plain, one chunk', Buffer.from(text), 1 << 20],
    ['plain, 3-byte chunks (needles split across chunks)', Buffer.from(text), 3],
    ['gzip', gzipSync(text), 1 << 20],
  ] as const) {
    it(`yields only the requested types, exactly (${name})`, async () => {
      const { events, stats } = await collect(chunked(buf, size), { eventTypes: TYPES });
      expect(events.map((e) => [e.line, e.event.id])).toEqual([
        [1, '1'],
        [2, '2'],
        [9, '9'],
      ]);
      expect(stats.lines).toBe(9);
      expect(stats.candidates).toBe(3);
      expect(stats.prefilterFalseHits).toBe(1);
      expect(stats.skipped['invalid-json']).toBe(2);
      expect(stats.skippedSamples).toEqual([
        expect.objectContaining({ line: 7, reason: 'invalid-json' }),
        expect.objectContaining({ line: 8, reason: 'invalid-json' }),
      ]);
    });
  }

  it('eventTypes null parses every line; [] parses none', async () => {
    const all = await collect(chunked(Buffer.from(text), 64), { eventTypes: null });
    expect(all.events.map((e) => e.event.id)).toEqual(['1', '2', '3', '4', '5', '6', '9']);
    expect(all.stats.skipped['invalid-json']).toBe(2);
    const none = await collect(chunked(Buffer.from(text), 64), { eventTypes: [] });
    expect(none.events).toHaveLength(0);
    expect(none.stats.lines).toBe(9);
    expect(none.stats.candidates).toBe(0);
  });

  it('the CommandLine mention is yielded as its own type when that type is requested', async () => {
    const { events } = await collect(chunked(Buffer.from(text), 64), { eventTypes: ['ProcessRollup2', 'DnsRequest'] });
    expect(events.map((e) => [e.event.id, e.event.event_simpleName])).toEqual([
      ['1', 'ProcessRollup2'],
      ['5', 'DnsRequest'],
      ['6', 'DnsRequest'],
      ['9', 'ProcessRollup2'],
    ]);
  });
});
