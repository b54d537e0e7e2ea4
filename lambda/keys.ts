/**
 * What an object key (or a local path) holds — the one answer used by the Lambda's routing, replay's inputs
 * (directories and S3 prefixes), backfill and the construct's prefix checks:
 * - markers: `_SUCCESS`, "folder" keys ending in `/`, and empty objects hold no events;
 * - FDR secondary data: a `fdrv2` path segment anywhere (a tenant prefix before it, partitioned layouts after it);
 *   `fdrv2/<kind>/…` names the kind (aidmaster, managedassets and userinfo feed the context);
 * - event data: under one of the configured event prefixes, at the start of the key or after a `/`.
 */

export const DEFAULT_EVENT_PREFIXES: readonly string[] = ['data/'];
/** The path segment that holds FDR secondary data. */
export const SECONDARY_SEGMENT = 'fdrv2';

export type SecondaryKind = 'aidmaster' | 'managedassets' | 'userinfo' | 'notmanaged' | 'appinfo';
const KNOWN: ReadonlySet<string> = new Set<SecondaryKind>(['aidmaster', 'managedassets', 'userinfo', 'notmanaged', 'appinfo']);
/** The kinds that feed the context; the others are recognised and skipped. */
export const SYNCED_KINDS: ReadonlySet<SecondaryKind> = new Set<SecondaryKind>(['aidmaster', 'managedassets', 'userinfo']);

export type SecondaryRoute = { kind: 'secondary'; subtype: SecondaryKind } | { kind: 'secondary-unknown'; subtype: string };

/** `tenant/fdrv2/aidmaster/batch=…/part-00000.c000.txt.gz` → aidmaster. Null when no `fdrv2` segment is in the key. */
export function secondaryRoute(key: string): SecondaryRoute | null {
  const parts = key.split(/[\\/]/);
  const i = parts.indexOf(SECONDARY_SEGMENT);
  if (i < 0) return null;
  const sub = parts[i + 1] ?? '';
  if (KNOWN.has(sub)) return { kind: 'secondary', subtype: sub as SecondaryKind };
  return { kind: 'secondary-unknown', subtype: sub };
}

/** True when the key is under FDR secondary data (a `fdrv2` segment), synced or not. */
export const isSecondaryKey = (key: string): boolean => secondaryRoute(key) !== null;

/** Why a key holds no events at all (a marker), or null. */
export function markerReason(key: string, size?: number): string | null {
  if (key === '' || key.endsWith('/') || key.endsWith('\\')) return 'folder marker';
  const base = key.slice(Math.max(key.lastIndexOf('/'), key.lastIndexOf('\\')) + 1);
  if (base === '_SUCCESS') return '_SUCCESS marker';
  if (size === 0) return 'empty object';
  return null;
}

/** Whether a key lies under an event-data prefix: at the start of the key or after a `/` (tenant prefixes). */
export function isEventKey(key: string, prefixes: readonly string[] = DEFAULT_EVENT_PREFIXES): boolean {
  return prefixes.some((p) => key.startsWith(p) || key.includes(`/${p.replace(/^\/+/, '')}`));
}

export type Route = 'events' | 'context-sync' | 'skip';

/** Where an object goes, and why. */
export function routeKey(key: string, size: number | undefined, prefixes: readonly string[] = DEFAULT_EVENT_PREFIXES): { route: Route; reason: string } {
  const marker = markerReason(key, size);
  if (marker) return { route: 'skip', reason: marker };
  if (isSecondaryKey(key)) return { route: 'context-sync', reason: 'FDR secondary data (fdrv2/)' };
  if (isEventKey(key, prefixes)) return { route: 'events', reason: 'event data' };
  return { route: 'skip', reason: `outside the event prefixes (${prefixes.join(', ')})` };
}

/** Why a secondary-data object is acknowledged without being synced; null when it is synced. */
export function secondarySkipReason(route: SecondaryRoute | null): string | null {
  if (!route) return 'no fdrv2/<kind>/ folder in the key';
  if (route.kind === 'secondary-unknown') return `unknown fdrv2 subtype "${route.subtype}"`;
  return SYNCED_KINDS.has(route.subtype) ? null : `${route.subtype} is not used as context`;
}
