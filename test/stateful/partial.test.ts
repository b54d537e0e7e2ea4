// Mergeable partials: an aggregate split over any objects and buckets, merged in any order, gives the row the
// compiler's reference accumulator (rules/aggregate.ts accumulate()) gives over all the events at once.
import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../lambda/rules/index';
import type { Fields } from '../../lambda/rules/types';
import { addEvent, emptyPartial, mergePartials, outputs, type Partial } from '../../lambda/stateful/partial';

const QUERY =
  'groupBy([aid], function=[count(), count(RemoteAddressIP4, distinct=true, as=targets), count(LocalPort, as=withPort), ' +
  'min(RemotePort, as=lo), max(RemotePort, as=hi), sum(Bytes, as=bytes), collect([RemoteAddressIP4], limit=1000), ' +
  'selectLast([LocalPort]), selectFromMax(field=Bytes, include=[RemotePort, Bytes])])';

/** A seeded PRNG (mulberry32): the property runs the same cases every time. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function events(n: number, r: () => number): Fields[] {
  return Array.from({ length: n }, (_, i) => {
    const ev: Fields = { aid: `h${Math.floor(r() * 3)}`, '@timestamp': String(1_000_000 + i * 1000), id: `e${i}` };
    if (r() < 0.9) ev.RemoteAddressIP4 = `10.0.0.${Math.floor(r() * 30)}`;
    if (r() < 0.7) ev.LocalPort = String(40000 + Math.floor(r() * 100));
    if (r() < 0.8) ev.RemotePort = String(Math.floor(r() * 1000));
    if (r() < 0.6) ev.Bytes = r() < 0.1 ? 'not-a-number' : String(Math.floor(r() * 1e6));
    return ev;
  });
}

/** collect() keeps first-seen order within a partial; across merges it is the merge order: compare as sets. */
const normal = (row: Fields): Fields => ({ ...row, RemoteAddressIP4: row.RemoteAddressIP4?.split('\n').sort().join('\n') });

describe('mergeable partials', () => {
  const spec = compileQuery(QUERY).query!.aggregate!;

  it('merging any split, in any order, equals the reference accumulator', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const evs = events(20 + Math.floor(r() * 200), r);
      const ref = spec.accumulate();
      for (const e of evs) ref.add(e);
      const want = new Map(ref.rows().map((row) => [row.aid, normal(row)]));

      // Random parts (objects × buckets) per group, each its own partial, merged in a shuffled order.
      const parts = new Map<string, Partial[]>();
      for (const e of evs) {
        const k = Math.floor(r() * 5);
        const list = parts.get(e.aid!) ?? parts.set(e.aid!, []).get(e.aid!)!;
        list[k] ??= emptyPartial(spec.functions);
        addEvent(list[k], spec.functions, e, Number(e['@timestamp']), {});
      }
      for (const [aid, list] of parts) {
        const present = list.filter(Boolean).map((p) => JSON.parse(JSON.stringify(p)) as Partial); // stored as JSON
        present.sort(() => r() - 0.5);
        const merged = present.reduce((a, b) => mergePartials(spec.functions, a, b));
        expect(normal({ aid, ...outputs(spec.functions, merged) }), `seed ${seed}, group ${aid}`).toEqual(want.get(aid));
        expect(merged.n).toBe(evs.filter((e) => e.aid === aid).length);
      }
    }
  });
});
