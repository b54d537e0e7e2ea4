import { describe, expect, it } from 'vitest';
import type { LineGate } from '../../lambda/fdr/types';
import { byteNeedles, linePredicate, WORD_END } from '../../lambda/rules/literals';
import { gzipSync } from 'node:zlib';
import { chunked, collect, decode, INFLATERS, ndjson } from './decode-helpers';

describe('byte needles (letter-free literals searched on raw bytes)', () => {
  it('takes the longest letter-free literal of each alternative; none when an alternative has only letters', () => {
    expect(byteNeedles([['445']])!.map(String)).toEqual(['445']);
    expect(byteNeedles([['\\\\device\\\\', 'mup', '$\\\\'], ['lanmanredirector', '$\\\\']])!.map(String)).toEqual(['$\\\\']);
    expect(byteNeedles([['psexec'], ['$']])).toBeNull();
    expect(byteNeedles([[]])).toBeNull();
    expect(byteNeedles([[`445${WORD_END}`], ['$\\\\', '$']])!.map(String).sort()).toEqual(['$\\\\', '445']);
    // a needle holding another is implied by it
    expect(byteNeedles([['$'], ['$\\\\']])!.map(String)).toEqual(['$']);
  });
});

describe('the decoder settles lines on byte needles before decoding them', () => {
  const gate = (dnf: string[][]): LineGate => ({ keep: linePredicate(dnf), needles: byteNeedles(dnf) });
  const nc = (port: string, extra: object = {}) => ({ event_simpleName: 'NetworkConnectIP4', RemotePort: port, ...extra });
  const lines = [
    nc('443'),
    { event_simpleName: 'DnsRequest', DomainName: 'x445.example' }, // the needle in a line of another type
    nc('443', { note: 'a' }),
    nc('445'),
    nc('8445'),
    nc('80'),
    nc('445', { more: 'y'.repeat(3000) }),
    nc('443'),
  ];
  const body = Buffer.from(ndjson(lines));
  const opts = { eventTypes: ['NetworkConnectIP4'], gates: new Map([['NetworkConnectIP4', gate([['445']])]]) };

  for (const size of [body.length, 700, 97, 13]) {
    it(`keeps exactly the lines holding the needle, whatever the chunking (${size}-byte pieces)`, async () => {
      let decoded = 0; // lines the text predicate saw: only those whose bytes hold the needle
      const keep = opts.gates.get('NetworkConnectIP4')!.keep!;
      const counting = new Map([['NetworkConnectIP4', { ...opts.gates.get('NetworkConnectIP4')!, keep: (l: string) => (decoded++, keep(l)) }]]);
      const { events, stats } = await collect(chunked(body, size), { ...opts, gates: counting, chunkSize: size });
      expect(decoded).toBe(3);
      expect(events.map((e) => [e.line, e.event.RemotePort])).toEqual([[4, '445'], [5, '8445'], [7, '445']]);
      expect(stats.gated).toBe(4);
      expect(stats.lines).toBe(8);
    });
  }

  it('a malformed line is not settled on its bytes: it is parsed and counted', async () => {
    const text = `${JSON.stringify(nc('443'))}\n{"event_simpleName":"NetworkConnectIP4","RemotePort":"443"\n`;
    const { events, stats } = await collect(chunked(Buffer.from(text), 1 << 16), opts);
    expect(events).toEqual([]);
    expect(stats.skipped['invalid-json']).toBe(1);
    expect(stats.gated).toBe(1);
  });
});

describe('events handed over as each line is read (onEvent)', () => {
  const pr = (pid: string, cmd: string) => ({ event_simpleName: 'ProcessRollup2', aid: 'a1', TargetProcessId: pid, ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\System32\\cmd.exe', CommandLine: cmd });
  const nc = (port: string) => ({ event_simpleName: 'NetworkConnectIP4', aid: 'a1', ContextProcessId: '1', RemotePort: port });
  // Lines past the sniffed head (a few KiB) show that events are handed over before the input has been read.
  const filler = Array.from({ length: 100 }, () => nc('443'));
  const lines = [pr('1', 'cmd /c dir'), nc('445'), pr('2', 'psexec \\\\h cmd'), pr('3', 'whoami'), nc('443'), nc('445'), '{"broken"', ...filler];
  const body = Buffer.from(lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  const gates = new Map<string, LineGate>([
    ['ProcessRollup2', { keep: linePredicate([['psexec']]), partial: true }],
    ['NetworkConnectIP4', { keep: linePredicate([['445']]), needles: byteNeedles([['445']]) }],
  ]);
  const opts = { eventTypes: ['ProcessRollup2', 'NetworkConnectIP4'], gates };
  const expected = [[1, true], [2, false], [3, false], [4, true], [6, false]];

  for (const size of [body.length, 1000, 61, 7]) {
    it(`the callback gets every event once, in line order, while the decoder reads; the batches stay empty (${size}-byte pieces)`, async () => {
      const handed: [number, boolean][] = [];
      const readSoFar: number[] = [];
      const { events, stats } = decode(chunked(body, size), { ...opts, chunkSize: size, onEvent: (ev) => (handed.push([ev.line, ev.partial === true]), readSoFar.push(stats.bytesIn)) });
      for await (const batch of events) expect(batch).toEqual([]);
      expect(handed).toEqual(expected);
      if (size < body.length) expect(readSoFar[0]).toBeLessThan(body.length); // not held back until the end
      expect(stats.gated).toBe(103);
      expect(stats.skipped['invalid-json']).toBe(1);
    });
  }

  it('an exception the callback throws reaches whoever iterates, and the source is closed', async () => {
    let closed = false;
    async function* src(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < body.length; i += 61) yield body.subarray(i, i + 61);
      } finally {
        closed = true;
      }
    }
    const { events } = decode(src(), { ...opts, onEvent: (ev) => { if (ev.line === 3) throw new Error('rule bug'); } });
    await expect((async () => { for await (const _ of events); })()).rejects.toThrow('rule bug');
    expect(closed).toBe(true);
  });

  it('without the callback, the same events come in the batches', async () => {
    const { events } = await collect(chunked(body, 61), { ...opts, chunkSize: 61 });
    expect(events.map((e) => [e.line, e.partial === true])).toEqual(expected);
  });

  // gzip: a worker finds the chunks' type keys itself and hands them over; each line's gate follows its type.
  const gz = gzipSync(body);
  for (const [mode, inflater] of INFLATERS) {
    for (const chunkSize of [64 * 1024, 512]) {
      it(`gzip, ${mode} inflate, ${chunkSize}-byte inflate chunks: each line is gated by its own type`, async () => {
        const { events, stats } = await collect(chunked(gz, 100), { ...opts, inflater, chunkSize });
        expect(events.map((e) => [e.line, e.partial === true])).toEqual(expected);
        expect(stats.gated).toBe(103);
      });
    }
  }
});
