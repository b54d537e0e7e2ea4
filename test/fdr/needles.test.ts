import { describe, expect, it } from 'vitest';
import type { LineGate } from '../../lambda/fdr/types';
import { byteNeedles, linePredicate, WORD_END } from '../../lambda/rules/literals';
import { chunked, collect, ndjson } from './decode-helpers';

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
