/**
 * Fitting an alert record into a message-size limit, for any sink (SNS and EventBridge both take 256 KiB).
 * A record that is too large is truncated field by field — CommandLine first, then the context entries (reduced
 * to identity and operator fields, then dropped), then the longest remaining strings — and says so in a
 * `truncated: [fields]` key. It is never dropped. Each step is linear in the record's size.
 */
import type { AlertRecord } from './types';

export const TRUNCATION_MARK = '…[truncated]';

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The longest prefix of `s` (plus the mark) whose JSON form fits in `maxJsonBytes`. */
export function truncateString(s: string, maxJsonBytes: number): string {
  const fits = (t: string): boolean => utf8(JSON.stringify(t)) <= maxJsonBytes;
  if (fits(s)) return s;
  if (!fits(TRUNCATION_MARK)) return '';
  let lo = 0;
  let hi = Math.min(s.length, maxJsonBytes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(s.slice(0, mid) + TRUNCATION_MARK)) lo = mid;
    else hi = mid - 1;
  }
  let cut = s.slice(0, lo);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1); // never split a surrogate pair
  return cut + TRUNCATION_MARK;
}

type Body = Record<string, unknown> & { truncated?: string[] };

const HOST_KEEP = ['aid', 'computerName', 'ips', 'tags', 'owner', 'reason', 'expiresAt', 'source'];
const USER_KEEP = ['userSid', 'userName', 'tags', 'owner', 'reason', 'expiresAt', 'source'];
/** What a record keeps when nothing else fits (pathological extra data). */
const CORE_FIELDS = ['schema', 'alert_id', 'alert_type', 'rule_id', 'severity', 'technique', 'tactic', '@timestamp', 'event_id',
  'event_simpleName', 'aid', 'cid', 'ComputerName', 'UserName', 'UserSid', 'FileName', 'CommandLine', 'RemoteAddressIP4',
  'RemotePort', 'attribution', 'source', 'redacted'];

function summarize(entry: Record<string, unknown>, keep: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keep) {
    const v = entry[k];
    if (v === undefined) continue;
    if (typeof v === 'string') out[k] = truncateString(v, 512);
    else if (Array.isArray(v)) out[k] = v.slice(0, 20).map((x) => (typeof x === 'string' ? truncateString(x, 256) : x));
    else out[k] = v;
  }
  return out;
}

/**
 * The record as JSON of at most `maxBytes` UTF-8 bytes (when at all possible), and the fields that were cut.
 * `maxBytes` is what the sink allows for the body (its limit minus what it adds: subject, attributes).
 */
export function fitAlert(alert: AlertRecord, maxBytes: number): { json: string; bytes: number; truncated: string[] } {
  let json = JSON.stringify(alert);
  let bytes = utf8(json);
  if (bytes <= maxBytes) return { json, bytes, truncated: [] };

  const body: Body = structuredClone(alert) as unknown as Body;
  const truncated: string[] = [];
  body.truncated = truncated;
  const mark = (field: string): void => {
    if (!truncated.includes(field)) truncated.push(field);
  };
  const measure = (): number => {
    json = JSON.stringify(body);
    bytes = utf8(json);
    return bytes;
  };
  // Reserve room for the marker itself (field names are short; 256 bytes covers any list built below).
  const budget = maxBytes - 256;

  /** Cut a string by what is over budget, but (first pass) not below `floor` bytes: later fields get their turn. */
  const shrinkString = (obj: Record<string, unknown>, key: string, label: string, floor: number): void => {
    const v = obj[key];
    if (typeof v !== 'string' || measure() <= maxBytes) return;
    const own = utf8(JSON.stringify(v));
    if (own <= floor) return;
    const allowed = Math.max(floor, own - (bytes - budget));
    obj[key] = truncateString(v, allowed);
    mark(label);
  };

  shrinkString(body, 'CommandLine', 'CommandLine', 8192);
  const ctx = body.context as Record<string, unknown> | null | undefined;
  if (ctx && typeof ctx === 'object') {
    for (const [key, keep] of [
      ['host', HOST_KEEP],
      ['user', USER_KEEP],
    ] as const) {
      if (measure() <= maxBytes) break;
      const e = ctx[key];
      if (e && typeof e === 'object') {
        ctx[key] = summarize(e as Record<string, unknown>, keep);
        mark(`context.${key}`);
      }
    }
    for (const key of ['host', 'user']) {
      if (measure() <= maxBytes) break;
      if (ctx[key]) {
        ctx[key] = null;
        mark(`context.${key}`);
      }
    }
  }
  // Anything else: the longest strings first, down to 1 KiB each.
  while (measure() > maxBytes) {
    let best: { obj: Record<string, unknown>; key: string; label: string; len: number } | null = null;
    const visit = (obj: Record<string, unknown>, prefix: string): void => {
      for (const [k, v] of Object.entries(obj)) {
        if (k === 'schema' || k === 'alert_id' || k === 'truncated') continue;
        if (typeof v === 'string' && v.length > 1024 && (!best || v.length > best.len)) {
          best = { obj, key: k, label: prefix + k, len: v.length };
        } else if (v && typeof v === 'object' && !Array.isArray(v)) visit(v as Record<string, unknown>, `${prefix}${k}.`);
      }
    };
    visit(body, '');
    if (!best) break;
    const b = best as { obj: Record<string, unknown>; key: string; label: string };
    b.obj[b.key] = truncateString(b.obj[b.key] as string, 1024);
    mark(b.label);
  }
  if (measure() > maxBytes) {
    const core: Body = {};
    for (const k of CORE_FIELDS) {
      const v = body[k];
      core[k] = typeof v === 'string' ? truncateString(v, 1024) : (v ?? null);
    }
    core.context = null;
    core.truncated = [...truncated, 'other'];
    for (const k of Object.keys(body)) delete body[k];
    Object.assign(body, core);
    measure();
  }
  return { json, bytes, truncated };
}
