// The StateStore contract, run against both adapters: the memory store (replay) and the DynamoDB store (the Lambda,
// here against dynalite over HTTP). Throttle slots and firing markers are conditional; contributions replace their
// contributor's; watermarks only rise.
import { describe, expect, it } from 'vitest';
import type { AggregateContribution, StateStore } from '../../lambda/ports';
import { DynamoStateStore } from '../../lambda/stores/state-dynamodb';
import { MemoryStateStore } from '../../lambda/stores/state-memory';
import { createTable, uniq } from '../support/aws';

const stores: [string, () => Promise<StateStore>][] = [
  ['memory', async () => new MemoryStateStore()],
  [
    'dynamodb',
    async () => {
      const table = uniq('state');
      await createTable(table);
      return new DynamoStateStore({ tableName: table });
    },
  ],
];

const c = (group: string, bucket: number, contributor: string, data = '{}'): AggregateContribution => ({
  rule: 'r1',
  group,
  bucket,
  contributor,
  values: { aid: group },
  data,
  expiresAt: Date.now() + 60_000,
});
const key = (x: AggregateContribution) => `${x.group}/${x.bucket}/${x.contributor}/${x.data}`;

describe.each(stores)('StateStore contract (%s)', (_name, make) => {
  it('a throttle slot has one holder; the holder may take it again; others learn who holds it', async () => {
    const s = await make();
    const exp = Date.now() + 60_000;
    expect(await s.claimThrottles([{ key: 'k1', holder: 'a1', expiresAt: exp }, { key: 'k2', holder: 'a2', expiresAt: exp }])).toEqual(
      new Map([['k1', 'a1'], ['k2', 'a2']]),
    );
    // The same alert again (a retry after a failed publication) still holds it.
    expect((await s.claimThrottles([{ key: 'k1', holder: 'a1', expiresAt: exp }])).get('k1')).toBe('a1');
    // Another alert does not; the store says who does (or null when it cannot say).
    const other = (await s.claimThrottles([{ key: 'k1', holder: 'b1', expiresAt: exp }])).get('k1');
    expect(other === 'a1' || other === null).toBe(true);
    expect(other).not.toBe('b1');
  });

  it('a contribution replaces its own contributor’s for the same group and bucket, never adds to it', async () => {
    const s = await make();
    await s.putContributions([c('g1', 1000, 'obj-a', '{"n":1}'), c('g1', 1000, 'obj-b', '{"n":2}'), c('g1', 2000, 'obj-a', '{"n":3}')]);
    await s.putContributions([c('g1', 1000, 'obj-a', '{"n":5}')]); // the same object, redelivered
    const got = await s.readContributions([{ rule: 'r1', group: 'g1', fromBucket: 0, toBucket: 5000 }]);
    expect(got.map(key).sort()).toEqual(['g1/1000/obj-a/{"n":5}', 'g1/1000/obj-b/{"n":2}', 'g1/2000/obj-a/{"n":3}']);
    expect(got[0].values).toEqual({ aid: 'g1' });
  });

  it('reads bucket ranges inclusively, per group, and nothing of other groups or rules', async () => {
    const s = await make();
    await s.putContributions([c('g1', 1000, 'o'), c('g1', 2000, 'o'), c('g1', 3000, 'o'), c('g2', 2000, 'o'), { ...c('g1', 2000, 'o'), rule: 'r2' }]);
    const got = await s.readContributions([{ rule: 'r1', group: 'g1', fromBucket: 2000, toBucket: 3000 }]);
    expect(got.map((x) => `${x.rule}/${x.group}/${x.bucket}`).sort()).toEqual(['r1/g1/2000', 'r1/g1/3000']);
    // More than a 25-item BatchWriteItem and a paged Query: every one comes back.
    const many = Array.from({ length: 120 }, (_, i) => c('g3', 10_000 + i * 1000, 'o', 'x'.repeat(20_000)));
    await s.putContributions(many);
    const all = await s.readContributions([{ rule: 'r1', group: 'g3', fromBucket: 0, toBucket: 10_000_000 }]);
    expect(all).toHaveLength(120);
  });

  it('a group fires once per quiet period; the same alert may be recorded again; a later run fires after the quiet end', async () => {
    const s = await make();
    const f = { rule: 'r1', group: 'g1', runStart: 1000, quietUntil: 61_000, alertId: 'x1', firedBy: 'obj-a', expiresAt: Date.now() + 60_000 };
    expect(await s.claimFiring(f)).toBe(true);
    expect(await s.claimFiring(f)).toBe(true); // a retry of the same firing
    expect(await s.claimFiring({ ...f, runStart: 30_000, quietUntil: 90_000, alertId: 'x2' })).toBe(false);
    expect((await s.readFirings([{ rule: 'r1', group: 'g1' }, { rule: 'r1', group: 'none' }])).map((m) => m.alertId)).toEqual(['x1']);
    expect(await s.claimFiring({ ...f, runStart: 61_000, quietUntil: 121_000, alertId: 'x3' })).toBe(true);
    expect((await s.readFirings([{ rule: 'r1', group: 'g1' }]))[0]).toMatchObject({ runStart: 61_000, quietUntil: 121_000, alertId: 'x3', firedBy: 'obj-a' });
  });

  it('concurrent firings of one group: exactly one holds the marker', async () => {
    const s = await make();
    const base = { rule: 'r1', group: 'g9', quietUntil: 100_000, firedBy: 'o', expiresAt: Date.now() + 60_000 };
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.claimFiring({ ...base, runStart: 1000 + i, alertId: `a${i}` })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('watermarks start at 0 and only rise', async () => {
    const s = await make();
    expect(await s.readWatermarks(['r1', 'r2'])).toEqual(new Map([['r1', 0], ['r2', 0]]));
    await s.raiseWatermarks(new Map([['r1', 5000]]));
    await s.raiseWatermarks(new Map([['r1', 3000], ['r2', 10]]));
    expect(await s.readWatermarks(['r1', 'r2'])).toEqual(new Map([['r1', 5000], ['r2', 10]]));
  });
});
