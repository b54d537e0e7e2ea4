import { describe, expect, it } from 'vitest';
import type { CompiledQuery, Fields } from '../../lambda/rules/types';
import { at, emitted, error, ok, status } from './helpers';

/** The rows an aggregate query gives for these events (event part → aggregation → having). */
function rows(q: CompiledQuery, events: Fields[]): Fields[] {
  const agg = q.aggregate!.accumulate();
  for (const ev of events) {
    const r = q.evaluate(ev);
    if (r.status === 'match') agg.add(r.fields);
  }
  return agg.rows().flatMap((row) => {
    const r = q.aggregate!.having(row);
    return r.status === 'match' ? [r.fields] : [];
  });
}

describe('groupBy() compilation', () => {
  it('default function count() → _count; default limit 20,000', () => {
    const q = ok('#event_simpleName = NetworkConnectIP4 | groupBy([aid, RemotePort])');
    expect(q.aggregate).toMatchObject({ groupBy: ['aid', 'RemotePort'], functions: [{ fn: 'count', distinct: false, as: '_count' }], outputs: ['_count'], limit: 20000 });
    expect(q.assignedFields).toEqual(['_count']);
  });
  it('functions, default output names, as=', () => {
    const q = ok(`groupBy(SHA256HashData, function=([count(aid, distinct=true, as=uniqueEndpoints), count(aid, as=totalExecutions),
      collect([CommandLine, FileName], limit=5, separator=", "), min(Size), max(Size), sum(Size, as=total), selectLast([ComputerName]),
      selectFromMax(field="@timestamp", include=[UserName])]), limit=max)`);
    expect(q.aggregate!.functions).toEqual([
      { fn: 'count', field: 'aid', distinct: true, as: 'uniqueEndpoints' },
      { fn: 'count', field: 'aid', distinct: false, as: 'totalExecutions' },
      { fn: 'collect', fields: ['CommandLine', 'FileName'], limit: 5, separator: ', ' },
      { fn: 'min', field: 'Size', as: '_min' },
      { fn: 'max', field: 'Size', as: '_max' },
      { fn: 'sum', field: 'Size', as: 'total' },
      { fn: 'selectLast', fields: ['ComputerName'] },
      { fn: 'selectFromMax', field: '@timestamp', include: ['UserName'] },
    ]);
    expect(q.aggregate!.outputs).toEqual(['uniqueEndpoints', 'totalExecutions', 'CommandLine', 'FileName', '_min', '_max', 'total', 'ComputerName', 'UserName']);
    expect(q.aggregate!.limit).toBe(1_000_000);
    expect(ok('groupBy([a], function=collect(x))').aggregate!.functions).toEqual([{ fn: 'collect', fields: ['x'], limit: 2000, separator: '\n' }]);
  });
  it('function=[] groups only; stats([…]) inside function=; case-insensitive groupby', () => {
    expect(ok('groupBy([a, b], function=[])').aggregate!.functions).toEqual([]);
    expect(ok('groupby([a], function=stats([count(x, as=n)]))').aggregate!.outputs).toEqual(['n']);
    expect(ok('groupBy(field=[a], function=(selectLast([b, c])))').aggregate!.outputs).toEqual(['b', 'c']);
    expect(ok('groupBy([a], function=selectLast([b, c, b]))').aggregate!.outputs).toEqual(['b', 'c']);
  });
  it('top-level aggregates: one group of every event', () => {
    expect(ok('count()').aggregate).toMatchObject({ groupBy: [], outputs: ['_count'] });
    expect(ok('a = 1 | count(aid, distinct=true)').aggregate!.functions).toEqual([{ fn: 'count', field: 'aid', distinct: true, as: '_count' }]);
    expect(ok('stats([min(x), max(x)])').aggregate!.outputs).toEqual(['_min', '_max']);
    expect(ok('[min(x), max(x)]').aggregate!.outputs).toEqual(['_min', '_max']);
    expect(ok('selectFromMax(field="@timestamp", include=[aid])').aggregate!.functions).toEqual([{ fn: 'selectFromMax', field: '@timestamp', include: ['aid'] }]);
  });
  it('the event part is evaluate(); stages after the aggregation are having()', () => {
    const q = ok('#event_simpleName = NetworkConnectIP4 | RemotePort = 445 | groupBy([aid], function=count(RemoteAddressIP4, distinct=true, as=targets)) | targets > 2 | severity := "high"');
    expect(status(q, { '#event_simpleName': 'NetworkConnectIP4', RemotePort: '445' })).toBe('match');
    expect(status(q, { '#event_simpleName': 'NetworkConnectIP4', RemotePort: '80' })).toBe('nomatch');
    expect(q.aggregate!.having({ aid: 'a', targets: '3' })).toEqual({ status: 'match', fields: { aid: 'a', targets: '3', severity: 'high' } });
    expect(q.aggregate!.having({ aid: 'a', targets: '2' }).status).toBe('nomatch');
    expect(q.eventTypes).toEqual(['NetworkConnectIP4']);
    expect(q.assignedFields).toEqual(['targets', 'severity']);
  });
  it('having can use test(), case and value functions', () => {
    const q = ok('groupBy([aid], function=[count(as=n), sum(bytes, as=b)]) | test(b / n > 100) | case { n > 10 | level := "many" ; * | level := "few" } | lower(aid, as=aid)');
    expect(q.aggregate!.having({ aid: 'AB', n: '2', b: '1000' })).toEqual({ status: 'match', fields: { aid: 'ab', n: '2', b: '1000', level: 'few' } });
  });
});

describe('the reference accumulator', () => {
  const ev = (aid: string | undefined, rest: Fields = {}): Fields => (aid === undefined ? rest : { aid, ...rest });
  it('groups in first-seen order; events lacking a group field are left out', () => {
    const q = ok('groupBy([aid])');
    expect(rows(q, [ev('b'), ev('a'), ev('b'), ev(undefined, { x: '1' })])).toEqual([
      { aid: 'b', _count: '2' },
      { aid: 'a', _count: '1' },
    ]);
  });
  it('count, distinct count, min/max/sum of numeric values, collect, selectLast, selectFromMax/Min', () => {
    const q = ok(`groupBy([aid], function=[count(), count(u, as=withU), count(u, distinct=true, as=users), min(n), max(n), sum(n),
      collect([u], separator=","), selectLast([v]), selectFromMin(field=n, include=[w])])`);
    const out = rows(q, [
      ev('a', { u: 'x', n: '5', v: 'late', w: 'w5', '@timestamp': '3000' }),
      ev('a', { u: 'y', n: '2', v: 'early', w: 'w2', '@timestamp': '1000' }),
      ev('a', { u: 'x', n: 'abc', '@timestamp': '2000' }),
      ev('a', {}),
    ]);
    expect(out).toEqual([{ aid: 'a', _count: '4', withU: '3', users: '2', _min: '2', _max: '5', _sum: '7', u: 'x,y', v: 'late', w: 'w2' }]);
  });
  it('sum of no numbers is 0; min/max of none are absent; collect limit', () => {
    const q = ok('groupBy([aid], function=[sum(n), min(n), collect([u], limit=2)])');
    expect(rows(q, [ev('a', { u: '1' }), ev('a', { u: '2' }), ev('a', { u: '3' })])).toEqual([{ aid: 'a', _sum: '0', u: '1\n2' }]);
  });
  it('a top-level aggregate always has one row, even of no events', () => {
    expect(rows(ok('count()'), [])).toEqual([{ _count: '0' }]);
    expect(rows(ok('count() | _count > 0'), [])).toEqual([]);
    expect(rows(ok('a = 1 | count()'), [{ a: '1' }, { a: '2' }])).toEqual([{ _count: '1' }]);
  });
  it('the group limit drops events of further groups', () => {
    expect(rows(ok('groupBy([aid], limit=2)'), [ev('a'), ev('b'), ev('c'), ev('a')])).toEqual([
      { aid: 'a', _count: '2' },
      { aid: 'b', _count: '1' },
    ]);
  });
  it('selectLast: the later event wins a @timestamp tie', () => {
    expect(rows(ok('selectLast([v])'), [{ v: '1', '@timestamp': '5' }, { v: '2', '@timestamp': '5' }])).toEqual([{ v: '2' }]);
  });
});

describe('aggregation errors', () => {
  it('only one aggregation, not inside case', () => {
    const d = error('groupBy([a]) | groupBy([b])', 'multiple-aggregations');
    expect(at(d)).toBe('1:16-1:28');
    expect(d.hint).toMatch(/one groupBy/);
    expect(error('case { a = 1 | groupBy([a]) ; * }', 'aggregate-in-case').col).toBe(16);
    expect(error('case { a = 1 | count() }', 'aggregate-in-case').code).toBe('aggregate-in-case');
    expect(error('count() | [min(x)]', 'multiple-aggregations').col).toBe(11);
  });
  it('non-aggregates in function=, duplicate outputs, subqueries', () => {
    expect(at(error('groupBy([a], function=[count(), lower(x)])', 'not-an-aggregate'))).toBe('1:33-1:38');
    expect(error('groupBy([a], function=avg(x))', 'not-an-aggregate').hint).toMatch(/sum\(\) and count\(\)/);
    expect(error('groupBy([a], function=[count(), count(b)])', 'duplicate-output').hint).toMatch(/as=/);
    expect(error('groupBy([a], function=[{b = 1 | count()}])', 'unsupported-subquery').code).toBe('unsupported-subquery');
    expect(error('groupBy([a], function=x)', 'invalid-argument').message).toMatch(/aggregate function/);
  });
  it('argument checks', () => {
    expect(error('groupBy()', 'missing-argument').message).toMatch(/field=/);
    expect(error('groupBy([])', 'invalid-argument').hint).toMatch(/count\(\)/);
    expect(error('groupBy([a], limit=0)', 'invalid-argument').message).toMatch(/positive integer up to 1000000/);
    expect(error('count(distinct=true)', 'missing-argument').code).toBe('missing-argument');
    expect(error('sum()', 'missing-argument').code).toBe('missing-argument');
    expect(error('collect([a], multival=false)', 'unsupported-argument').code).toBe('unsupported-argument');
    expect(error('selectFromMax(field=x)', 'missing-argument').message).toMatch(/include=/);
  });
  it('aggregate functions are not filters', () => {
    expect(error('a = 1 OR count()', 'not-a-filter').code).toBe('not-a-filter');
  });
});

describe('an aggregate event part keeps its emitted fields', () => {
  it('assignments before the aggregation are in the events the aggregation sees', () => {
    const q = ok('x := "1" | groupBy([x])');
    expect(emitted(q, {})).toEqual({ x: '1' });
    expect(rows(q, [{}, {}])).toEqual([{ x: '1', _count: '2' }]);
  });
});
