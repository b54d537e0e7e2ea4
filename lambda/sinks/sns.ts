/**
 * SNS alert sink: PublishBatch within the real service limits (local servers do not enforce them, so this code
 * does), nothing dropped. The SNS part is the projection — subject, message attributes, the request — and the
 * service's error semantics; fitting an alert into a message (alerts/fit.ts) and batching with retries
 * (sinks/batch.ts) are shared by every sink.
 *
 * Limits: at most 10 entries per PublishBatch; at most 256 KiB (262,144 bytes) for the whole request's payload —
 * every message body, subject and message attribute (name, type and value) counted in UTF-8 bytes (entry ids
 * too, to stay on the safe side); entry ids distinct within a request, `[A-Za-z0-9_-]{1,80}`.
 *
 * Failures: entries SNS reports as failed with `SenderFault: false`, and whole calls that fail with a transient
 * error (throttling, 5xx, a network error), are retried with exponential backoff and full jitter; sender faults
 * and non-transient errors fail at once.
 */
import { PublishBatchCommand, type MessageAttributeValue, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { fitAlert } from '../alerts/fit';
import type { AlertRecord } from '../alerts/types';
import { snsClient } from '../aws/clients';
import { isTransientError, type BackoffOptions } from '../aws/retry';
import type { AlertSink, PublishResult } from '../ports';
import { publishInBatches, type BatchEntry } from './batch';

/** IAM actions this sink calls (PublishBatch is authorised as sns:Publish). */
export const SNS_SINK_ACTIONS = ['sns:Publish'] as const;

export const SNS_MAX_BATCH_ENTRIES = 10;
export const SNS_MAX_PAYLOAD_BYTES = 262_144;
const SUBJECT_MAX = 100;
const ATTRIBUTE_VALUE_MAX = 256;

export interface SnsAlertSinkOptions {
  topicArn: string;
  client?: SNSClient;
  /** Per request and per message payload budget in bytes. Default 262,144 (the SNS limit). */
  maxPayloadBytes?: number;
  maxBatchEntries?: number;
  /** Retries of failed entries / throttled calls: attempts (default 5), delays (default 100 ms .. 5 s). */
  retry?: BackoffOptions;
  /** Concurrent PublishBatch calls. Default 4. */
  concurrency?: number;
  /**
   * The text email subscribers receive instead of the JSON record. When set, messages are published with SNS's
   * per-protocol structure (`MessageStructure: json`): `default` (every other protocol: SQS, Lambda, HTTPS,
   * email-json) is the alert record as before, `email` this text.
   */
  emailText?: (a: AlertRecord) => string;
}

/** A message ready to send, with its measured size. */
export interface PreparedEntry extends BatchEntry {
  alertId: string;
  entry: PublishBatchRequestEntry;
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

/**
 * The evidence a reader of the subject line needs first: the share and its client, the service image, the written
 * file, the fan-out's size, the process and where it connected, or the process and its parent. From the record's
 * own fields (already redacted); null when the record has none of them.
 */
export function subjectEvidence(a: AlertRecord): string | null {
  const f = a.fields;
  const remote = f.RemoteAddressIP4 ?? f.RemoteAddressIP6 ?? a.RemoteAddressIP4 ?? null;
  const base = (p: string): string => p.slice(Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/')) + 1) || p;
  if (a.aggregate) {
    const n = f.TargetCount ?? Object.values(a.aggregate.values)[0] ?? String(a.aggregate.count);
    return `${n} targets in ${a.aggregate.window.size}${a.FileName ? ` from ${a.FileName}` : ''}`;
  }
  if (f.SmbShareName) return `${f.SmbShareName}${remote ? ` from ${remote}` : ''}`;
  if (f.ServiceImagePath) return `service ${f.ServiceImagePath}`;
  if (f.TargetFileName) return `wrote ${f.TargetFileName}${a.FileName ? ` (${a.FileName})` : ''}`;
  if (a.event_simpleName === 'ProcessExecOnSMBFile') return `${a.FileName ?? 'a file'}${remote ? ` written from ${remote}` : ''}`;
  if (a.RemotePort || remote) return `${a.FileName ?? (a.attribution === 'unresolved' ? 'unresolved process' : 'a process')} to ${remote ?? '?'}${a.RemotePort ? `:${a.RemotePort}` : ''}`;
  if (a.FileName) return `${base(a.FileName)}${f.ParentBaseFileName ? ` under ${f.ParentBaseFileName}` : ''}`;
  return null;
}

/**
 * `[HIGH] AdminShareOpened on SRV-DB01 (Administrator): ADMIN$ from 10.0.66.6`: ASCII, no line breaks, at most 100
 * characters; the host and user come first so a long piece of evidence is what gets cut.
 */
export function alertSubject(a: AlertRecord): string {
  const host = a.ComputerName || (a.aid ? `aid ${a.aid}` : 'unknown host');
  const user = a.UserName ? ` (${a.UserName})` : '';
  const evidence = subjectEvidence(a);
  let s = ascii(`[${(a.severity || 'unknown').toUpperCase()}] ${a.alert_type} on ${host}${user}${evidence ? `: ${evidence}` : ''}`).trim();
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
  if (a.rule_id) out.rule_id = attr(a.rule_id);
  if (a.severity) out.severity = attr(a.severity);
  if (a.technique) out.technique = attr(a.technique);
  if (a.ComputerName) out.ComputerName = attr(a.ComputerName);
  return out;
}

/** Serialize an alert for SNS, shrinking the body until the whole entry fits `maxBytes`. */
export function prepareEntry(alert: AlertRecord, id: string, maxBytes: number, emailText?: (a: AlertRecord) => string): PreparedEntry {
  const base: PublishBatchRequestEntry = { Id: id, Message: '', Subject: alertSubject(alert), MessageAttributes: alertAttributes(alert) };
  const overhead = entrySize(base);
  if (!emailText) {
    const { json, truncated } = fitAlert(alert, maxBytes - overhead);
    const entry = { ...base, Message: json };
    return { id, key: alert.alert_id, alertId: alert.alert_id, entry, bytes: entrySize(entry), truncated };
  }
  // Per-protocol: the record is a JSON string inside JSON, so escaping grows it; fit it to what is left, and again
  // with the excess taken off until the whole message fits (the text is bounded, the record is never dropped).
  const email = emailText(alert);
  let budget = maxBytes - overhead - utf8(JSON.stringify({ default: '', email }));
  let entry: PublishBatchRequestEntry = base;
  let truncated: string[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    const fit = fitAlert(alert, budget);
    truncated = fit.truncated;
    entry = { ...base, MessageStructure: 'json', Message: JSON.stringify({ default: fit.json, email }) };
    const excess = entrySize(entry) - maxBytes;
    if (excess <= 0) break;
    budget -= excess;
  }
  return { id, key: alert.alert_id, alertId: alert.alert_id, entry, bytes: entrySize(entry), truncated };
}

export class SnsAlertSink implements AlertSink {
  private readonly topicArn: string;
  private readonly client: SNSClient;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly retry: BackoffOptions & { attempts: number };
  private readonly concurrency: number;
  private readonly emailText?: (a: AlertRecord) => string;

  constructor(o: SnsAlertSinkOptions) {
    if (!o.topicArn) throw new Error('SnsAlertSink: no topic ARN');
    this.topicArn = o.topicArn;
    this.client = o.client ?? snsClient();
    this.maxBytes = o.maxPayloadBytes ?? SNS_MAX_PAYLOAD_BYTES;
    this.maxEntries = Math.min(o.maxBatchEntries ?? SNS_MAX_BATCH_ENTRIES, SNS_MAX_BATCH_ENTRIES);
    this.retry = { attempts: 5, ...o.retry };
    this.concurrency = o.concurrency ?? 4;
    this.emailText = o.emailText;
  }

  /** Entries with distinct, valid ids (a suffix disambiguates alert ids that sanitize to the same id). */
  prepare(alerts: AlertRecord[]): PreparedEntry[] {
    const used = new Set<string>();
    return alerts.map((a, i) => {
      let id = sanitizeEntryId(a.alert_id);
      if (used.has(id)) id = `${id.slice(0, 70)}_${i}`;
      used.add(id);
      return prepareEntry(a, id, this.maxBytes, this.emailText);
    });
  }

  async publish(alerts: AlertRecord[]): Promise<PublishResult> {
    const res = await publishInBatches(
      this.prepare(alerts),
      async (batch) => {
        const out = await this.client.send(
          new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: batch.map((e) => e.entry) }),
        );
        return {
          ok: (out.Successful ?? []).map((s) => s.Id ?? ''),
          failed: (out.Failed ?? []).map((f) => ({
            id: f.Id ?? '',
            error: `${f.Code ?? 'Failed'}: ${f.Message ?? ''}`.trim(),
            retryable: !f.SenderFault,
          })),
        };
      },
      { maxEntries: this.maxEntries, maxBytes: this.maxBytes, concurrency: this.concurrency, retry: this.retry, isTransient: isTransientError },
    );
    return { published: res.published, failed: res.failed.map((f) => ({ alert_id: f.key, error: f.error })) };
  }
}
