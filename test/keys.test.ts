// lambda/keys.ts: the one answer to "what does this key hold" (Lambda routing, replay inputs, backfill).
import { describe, expect, it } from 'vitest';
import { isEventKey, markerReason, routeKey, secondaryRoute, secondarySkipReason } from '../lambda/keys';
import { eventPrefixes } from '../lambda/handler/config';

describe('secondaryRoute', () => {
  it('finds fdrv2/<kind>/ wherever it sits in the key', () => {
    expect(secondaryRoute('fdrv2/aidmaster/part-00000.gz')).toEqual({ kind: 'secondary', subtype: 'aidmaster' });
    expect(secondaryRoute('tenant-a/fdrv2/userinfo/part-00000.gz')).toEqual({ kind: 'secondary', subtype: 'userinfo' });
    expect(secondaryRoute('x/fdrv2/managedassets/batch=1/year=2026/platform=Win/part-00000.c000.txt.gz')).toEqual({ kind: 'secondary', subtype: 'managedassets' });
    expect(secondaryRoute('C:\\copy\\fdrv2\\aidmaster\\part-00000.gz')).toEqual({ kind: 'secondary', subtype: 'aidmaster' });
    expect(secondaryRoute('fdrv2/appinfo/part-00000.gz')).toEqual({ kind: 'secondary', subtype: 'appinfo' });
    expect(secondaryRoute('fdrv2/somethingnew/part-00000.gz')).toEqual({ kind: 'secondary-unknown', subtype: 'somethingnew' });
    expect(secondaryRoute('data/1234/part-00000.gz')).toBeNull();
    // A segment, not a substring.
    expect(secondaryRoute('notfdrv2/aidmaster/part-00000.gz')).toBeNull();
  });

  it('says why a secondary object is not synced', () => {
    expect(secondarySkipReason(secondaryRoute('fdrv2/aidmaster/x.gz'))).toBeNull();
    expect(secondarySkipReason(secondaryRoute('fdrv2/appinfo/x.gz'))).toMatch(/appinfo is not used/);
    expect(secondarySkipReason(secondaryRoute('fdrv2/new/x.gz'))).toMatch(/unknown fdrv2 subtype "new"/);
    expect(secondarySkipReason(null)).toMatch(/no fdrv2/);
  });
});

describe('routeKey', () => {
  const P = ['data/'];
  it.each([
    ['data/u/part-00000.gz', 100, 'events'],
    ['tenant1/data/u/part-00000.gz', 100, 'events'],
    ['data/u/part-00000.gz', undefined, 'events'],
    ['data/u/_SUCCESS', 0, 'skip'],
    ['data/u/_SUCCESS', undefined, 'skip'],
    ['data/u/', 0, 'skip'],
    ['data/u/part-00001.gz', 0, 'skip'],
    ['fdrv2/aidmaster/part-00000.gz', 100, 'context-sync'],
    ['tenant1/fdrv2/userinfo/batch=1/year=2026/platform=Win/part-00000.c000.txt.gz', 100, 'context-sync'],
    ['logs/other.gz', 100, 'skip'],
    ['metadata/x.gz', 100, 'skip'],
  ])('%s (size %s) → %s', (key, size, route) => {
    expect(routeKey(key, size as number | undefined, P).route).toBe(route);
  });

  it('EVENT_PREFIXES configures the event-data prefixes', () => {
    expect(eventPrefixes({})).toEqual(['data/']);
    expect(eventPrefixes({ EVENT_PREFIXES: ' fdr/raw/ , other/ ,' })).toEqual(['fdr/raw/', 'other/']);
    const prefixes = eventPrefixes({ EVENT_PREFIXES: 'fdr/raw/' });
    expect(routeKey('fdr/raw/part-0.gz', 1, prefixes).route).toBe('events');
    expect(routeKey('data/u/part-0.gz', 1, prefixes).route).toBe('skip');
    expect(routeKey('x/y.gz', 1, prefixes).reason).toMatch(/outside/);
    expect(isEventKey('t/fdr/raw/x.gz', prefixes)).toBe(true);
  });

  it('markers hold no events', () => {
    expect(markerReason('data/u/_SUCCESS')).toMatch(/_SUCCESS/);
    expect(markerReason('data/u/')).toMatch(/folder/);
    expect(markerReason('data/u/part-0.gz', 0)).toMatch(/empty/);
    expect(markerReason('data/u/part-0.gz', 10)).toBeNull();
  });
});
