import { describe, expect, it } from 'vitest';
import { at, error, ok, status } from './helpers';

describe('presentation steps', () => {
  it('sort(): keys, order desc, type number and limit 200 by default', () => {
    const q = ok('a = 1 | sort(x)');
    expect(q.presentation).toEqual({ sort: [{ field: 'x', order: 'desc', type: 'number' }], limit: 200, from: 'head' });
    expect(q.table).toBeUndefined();
    expect(status(q, { a: '1' })).toBe('match');
  });
  it('sort() with several fields, per-field order and type, limit=max, reverse, ascending', () => {
    expect(ok('sort([a, b], order=[asc, desc], type=[string, number], limit=max)').presentation).toEqual({
      sort: [
        { field: 'a', order: 'asc', type: 'string' },
        { field: 'b', order: 'desc', type: 'number' },
      ],
      limit: 20000,
      from: 'head',
    });
    expect(ok('sort(field=x, order=ascending, limit=5)').presentation!.sort).toEqual([{ field: 'x', order: 'asc', type: 'number' }]);
    expect(ok('sort(field=x, reverse=false)').presentation!.sort![0].order).toBe('asc');
    expect(ok('sort(order=desc, TotalEndpoints, limit=1000)').presentation).toMatchObject({ sort: [{ field: 'TotalEndpoints', order: 'desc' }], limit: 1000 });
  });
  it('head() / tail(): limit 200 by default; select() picks the columns', () => {
    expect(ok('head()').presentation).toEqual({ limit: 200, from: 'head' });
    expect(ok('tail(5)').presentation).toEqual({ limit: 5, from: 'tail' });
    expect(ok('select([a, b])').presentation).toEqual({ fields: ['a', 'b'] });
    expect(ok('select([a, b])').table).toEqual({ fields: ['a', 'b'], order: 'desc' });
  });
  it('combines in order: sort then head, then the columns; the table is derived', () => {
    const q = ok('groupBy([aid]) | sort(_count, order=desc) | head(10) | select([aid, _count])');
    expect(q.presentation).toEqual({ sort: [{ field: '_count', order: 'desc', type: 'number' }], limit: 10, from: 'head', fields: ['aid', '_count'] });
    expect(q.table).toEqual({ fields: ['aid', '_count'], order: 'desc', limit: 10, sortby: '_count' });
  });
  it('table() keeps its TableSpec and also fills the presentation', () => {
    const q = ok('a = 1 | table([a, @timestamp], limit=10, sortby=@timestamp, order=asc)');
    expect(q.table).toEqual({ fields: ['a', '@timestamp'], limit: 10, sortby: '@timestamp', order: 'asc' });
    expect(q.presentation).toEqual({ fields: ['a', '@timestamp'], sort: [{ field: '@timestamp', order: 'asc' }], limit: 10, from: 'head' });
    expect(ok('table([a])').presentation).toEqual({ fields: ['a'] });
  });
  it('presentation steps are the last stages, never inside case', () => {
    expect(at(error('sort(a) | a = 1', 'presentation-not-last'))).toBe('1:1-1:8');
    expect(error('case { a = 1 | head() ; * }', 'presentation-not-last').message).toMatch(/not inside `case`/);
    expect(error('table([a]) | groupBy([a])', 'table-not-last').code).toBe('table-not-last');
    expect(error('a = 1 OR head()', 'not-a-filter').code).toBe('not-a-filter');
  });
  it('a sort after a limit, or head and tail together, cannot be one table', () => {
    expect(error('head(5) | sort(x)', 'presentation-order').hint).toMatch(/sort first/);
    expect(error('head(5) | tail(2)', 'presentation-order').code).toBe('presentation-order');
    expect(ok('sort(x, limit=50) | head(10)').presentation).toMatchObject({ limit: 10, from: 'head' });
  });
  it('argument checks', () => {
    expect(error('sort()', 'missing-argument').code).toBe('missing-argument');
    expect(error('sort(x, order=up)', 'invalid-argument').col).toBe(15);
    expect(error('head(0)', 'invalid-argument').code).toBe('invalid-argument');
    expect(error('sort(x, type=date)', 'invalid-argument').code).toBe('invalid-argument');
    expect(error('select()', 'missing-argument').code).toBe('missing-argument');
  });
  it('fieldsRead includes presentation fields', () => {
    expect([...ok('a = 1 | sort(b) | select([c])').fieldsRead].sort()).toEqual(['a', 'b', 'c']);
  });
});
