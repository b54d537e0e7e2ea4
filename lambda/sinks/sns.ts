/**
 * SNS alert sink: PublishBatch within the real service limits, retries with jittered backoff, nothing dropped.
 *
 * Limits respected (local servers do not enforce them, so this code does):
 * - at most 10 entries per PublishBatch;
 * - at most 256 KiB (262,144 bytes) for the whole request's payload — every message body, subject and message
 *   attribute (name, type and value) counted in UTF-8 bytes (entry ids too, to stay on the safe side);
 * - entry ids distinct within a request, `[A-Za-z0-9_-]{1,80}` (derived from alert_id).
 *
 * A single alert larger than one message is truncated field by field — CommandLine first, then the context
 * entries, then the longest remaining strings — and the body says so in a `truncated: [fields]` key. It is never
 * dropped.
 *
 * Failures: entries SNS reports as failed with `SenderFault: false` (and whole-call transient errors such as
 * throttling, 5xx or a network error) are retried with exponential backoff and full jitter; sender faults and
 * non-transient errors fail at once. The result lists published and still-failed alert ids.
 */
import {
  PublishBatchCommand,
  type MessageAttributeValue,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { AlertRecord } from '../alerts/types';
import type { AlertSink, PublishFailure, PublishResult } from '../ports';
import { snsClient } from '../aws/clients';
import { backoffDelay, defaultSleep, errorMessage, isTransientError, type BackoffOptions } from '../aws/retry';

export const SNS_MAX_BATCH_ENTRIES = 10;
export const SNS_MAX_PAYLOAD_BYTES = 262_144;
const SUBJECT_MAX = 100;
const ATTRIBUTE_VALUE_MAX = 256;
const TRUNCATION_MARK = '…[truncated]';

export interface SnsAlertSinkOptions {
  topicArn?: string;
  client?: SNSClient;
  /** Per request and per message payload budget in bytes. Default 262,144 (the SNS limit). */
  maxPayloadBytes?: number;
  maxBatchEntries?: number;
  /** Retries of failed entries / throttled calls: attempts (default 5), delays (default 100 ms .. 5 s). */
  retry?: BackoffOptions;
  /** Concurrent PublishBatch calls. Default 4. */
  concurrency?: number;
}

/** A message ready to send, with its measured size. */
export interface PreparedEntry {
  alertId: string;
  entry: PublishBatchRequestEntry;
  bytes: number;
  truncated: string[];
}

const utf8 = (s: string | undefined): number => (s ? Buffer.byteLength(s, 'utf8') : 0);

export function entrySize(e: PublishBatchRequestEntry): number {
  let n = utf8(e.Id) + utf8(e.Message) + utf8(e.Subject);
  for (const [name, v] of Object.entries(e.MessageAttributes ?? {})) {
    n += utf8(name) + utf8(v.DataType) + utf8(v.StringValue) + (v.BinaryValue?.byteLength ?? 0);
  }
  return n;
}

/** `[A-Za-z0-9_-]`, at most 80 characters. */
export function sanitizeEntryId(alertId: string): string {
  const s = alertId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  return s.length > 0 ? s : 'alert';
}

function ascii(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
}

/** `[HIGH] PsExecExecution on HOST01 (CORP\alice)`: ASCII, no line breaks, at most 100 characters. */
export function alertSubject(a: AlertRecord): string {
  const host = a.ComputerName || (a.aid ? `aid ${a.aid}` : 'unknown host');
  const user = a.UserName ? ` (${a.UserName})` : '';
  let s = ascii(`[${(a.severity || 'unknown').toUpperCase()}] ${a.alert_type} on ${host}${user}`).trim();
  if (s.length > SUBJECT_MAX) s = `${s.slice(0, SUBJECT_MAX - 3)}...`;
  return s;
}

function attr(value: string): MessageAttributeValue {
  const v = value.length > ATTRIBUTE_VALUE_MAX ? value.slice(0, ATTRIBUTE_VALUE_MAX) : value;
  return { DataType: 'String', StringValue: v };
}

export function alertAttributes(a: AlertRecord): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  if (a.alert_type) out.alert_type = attr(a.alert_type);
  if (a.severity) out.severity = attr(a.severity);
  if (a.technique) out.technique = attr(a.technique);
  if (a.ComputerName) out.ComputerName = attr(a.ComputerName);
  return out;
}

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
 * Serialize an alert for SNS, shrinking it until the whole entry fits `maxBytes`:
 * CommandLine, then context.host, context.user (reduced to identity + operator fields, then dropped), then the
 * longest remaining string fields. Each step is listed in `truncated`.
 */
export function prepareEntry(alert: AlertRecord, id: string, maxBytes: number): PreparedEntry {
  const body: Body = structuredClone(alert) as unknown as Body;
  delete body.suppressed; // sinks never carry suppression data
  const base = { Id: id, Subject: alertSubject(alert), MessageAttributes: alertAttributes(alert) };
  const make = (): PublishBatchRequestEntry => ({ ...base, Message: JSON.stringify(body) });
  let entry = make();
  let bytes = entrySize(entry);
  if (bytes <= maxBytes) return { alertId: alert.alert_id, entry, bytes, truncated: [] };

  const truncated: string[] = [];
  body.truncated = truncated;
  const mark = (field: string): void => {
    if (!truncated.includes(field)) truncated.push(field);
  };
  const measure = (): number => {
    entry = make();
    bytes = entrySize(entry);
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
    // Last resort (pathological extra data): keep the identifying core of the alert.
    const core: Body = {};
    for (const k of ['schema', 'alert_id', 'alert_type', 'rule_id', 'severity', 'technique', 'tactic', '@timestamp',
      'event_id', 'event_simpleName', 'aid', 'cid', 'ComputerName', 'UserName', 'UserSid', 'FileName', 'CommandLine',
      'RemoteAddressIP4', 'RemotePort', 'attribution', 'source', 'redacted']) {
      const v = body[k];
      core[k] = typeof v === 'string' ? truncateString(v, 1024) : (v ?? null);
    }
    core.context = null;
    core.truncated = [...truncated, 'other'];
    for (const k of Object.keys(body)) delete body[k];
    Object.assign(body, core);
    measure();
  }
  return { alertId: alert.alert_id, entry, bytes, truncated };
}

/** Split prepared entries into PublishBatch requests within the entry-count and payload limits. */
export function chunkEntries(entries: PreparedEntry[], maxEntries: number, maxBytes: number): PreparedEntry[][] {
  const batches: PreparedEntry[][] = [];
  let cur: PreparedEntry[] = [];
  let curBytes = 0;
  let ids = new Set<string>();
  for (const e of entries) {
    const id = e.entry.Id as string;
    if (cur.length > 0 && (cur.length >= maxEntries || curBytes + e.bytes > maxBytes || ids.has(id))) {
      batches.push(cur);
      cur = [];
      curBytes = 0;
      ids = new Set();
    }
    cur.push(e);
    curBytes += e.bytes;
    ids.add(id);
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class SnsAlertSink implements AlertSink {
  private readonly topicArn: string;
  private readonly client: SNSClient;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly retry: Required<Pick<BackoffOptions, 'attempts'>> & BackoffOptions;
  private readonly concurrency: number;

  constructor(o: SnsAlertSinkOptions = {}) {
    const arn = o.topicArn ?? process.env.ALERT_TOPIC_ARN;
    if (!arn) throw new Error('SnsAlertSink: ALERT_TOPIC_ARN is not set');
    this.topicArn = arn;
    this.client = o.client ?? snsClient();
    this.maxBytes = o.maxPayloadBytes ?? SNS_MAX_PAYLOAD_BYTES;
    this.maxEntries = Math.min(o.maxBatchEntries ?? SNS_MAX_BATCH_ENTRIES, SNS_MAX_BATCH_ENTRIES);
    this.retry = { attempts: 5, ...o.retry };
    this.concurrency = o.concurrency ?? 4;
  }

  /** Entries with distinct, valid ids (a suffix disambiguates alert ids that sanitize to the same id). */
  prepare(alerts: AlertRecord[]): PreparedEntry[] {
    const used = new Set<string>();
    return alerts.map((a, i) => {
      let id = sanitizeEntryId(a.alert_id);
      if (used.has(id)) id = `${id.slice(0, 70)}_${i}`;
      used.add(id);
      return prepareEntry(a, id, this.maxBytes);
    });
  }

  async publish(alerts: AlertRecord[]): Promise<PublishResult> {
    const published: string[] = [];
    const failed: PublishFailure[] = [];
    let pending = this.prepare(alerts);
    const sleep = this.retry.sleep ?? defaultSleep;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retryable: { e: PreparedEntry; error: string }[] = [];
      const batches = chunkEntries(pending, this.maxEntries, this.maxBytes);
      await mapLimit(batches, this.concurrency, async (batch) => {
        const byId = new Map(batch.map((e) => [e.entry.Id as string, e]));
        try {
          const res = await this.client.send(
            new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: batch.map((e) => e.entry) }),
          );
          const seen = new Set<string>();
          for (const ok of res.Successful ?? []) {
            const e = ok.Id ? byId.get(ok.Id) : undefined;
            if (e && !seen.has(ok.Id as string)) {
              seen.add(ok.Id as string);
              published.push(e.alertId);
            }
          }
          for (const f of res.Failed ?? []) {
            const e = f.Id ? byId.get(f.Id) : undefined;
            if (!e || seen.has(f.Id as string)) continue;
            seen.add(f.Id as string);
            const error = `${f.Code ?? 'Failed'}: ${f.Message ?? ''}`.trim();
            if (f.SenderFault) failed.push({ alert_id: e.alertId, error });
            else retryable.push({ e, error });
          }
          // An entry the response does not mention is not known to be published: retry it.
          for (const [id, e] of byId) if (!seen.has(id)) retryable.push({ e, error: 'missing from PublishBatch response' });
        } catch (err) {
          const error = errorMessage(err);
          for (const e of batch) {
            if (isTransientError(err)) retryable.push({ e, error });
            else failed.push({ alert_id: e.alertId, error });
          }
        }
      });
      if (retryable.length === 0) break;
      if (attempt >= this.retry.attempts) {
        for (const r of retryable) failed.push({ alert_id: r.e.alertId, error: `${r.error} (after ${attempt} attempts)` });
        break;
      }
      await sleep(backoffDelay(attempt, this.retry));
      pending = retryable.map((r) => r.e);
    }
    return { published, failed };
  }
}
