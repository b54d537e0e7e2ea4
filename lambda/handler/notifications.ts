/**
 * Event shapes the Lambda accepts, parsed into object references (pure: no I/O, unit-tested).
 *
 * Accepted per SQS record body, or as the whole invocation event:
 * - S3 event notification `{Records: [{eventSource: "aws:s3", eventName: "ObjectCreated:*", s3: {bucket, object}}]}`
 *   (also wrapped in an SNS notification, for S3 → SNS → SQS fan-out);
 * - EventBridge "Object Created" `{source: "aws.s3", "detail-type": "Object Created", detail: {bucket, object}}`;
 * - CrowdStrike's own FDR SQS notification `{cid, timestamp, fileCount, totalSize, bucket, pathPrefix,
 *   files: [{path, size, checksum}]}`;
 * - `s3:TestEvent` (sent when a notification is configured) → `test`;
 * - anything else → `unrecognised` (the caller logs and acknowledges it: it would never parse on a retry).
 *
 * S3 keys in S3/EventBridge notifications are URL-encoded with `+` for spaces; CrowdStrike's paths are not.
 */
import type { ObjectRef } from '../ports';
import { isObject } from '../util';

export type Notification =
  | { kind: 'objects'; source: 's3' | 'eventbridge' | 'crowdstrike'; refs: ObjectRef[]; ignored: number }
  | { kind: 'test'; source: string }
  | { kind: 'unrecognised'; reason: string };


/** S3 event keys: URL-encoded, `+` for space. A malformed escape is kept as is rather than dropping the object. */
export function decodeS3Key(key: string): string {
  const plus = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

function withSize(bucket: string, key: string, size: number | undefined): ObjectRef {
  return size === undefined ? { bucket, key } : { bucket, key, size };
}

function parseS3Records(records: unknown[]): Notification {
  const refs: ObjectRef[] = [];
  let ignored = 0;
  for (const r of records) {
    if (!isObject(r) || r.eventSource !== 'aws:s3' || !isObject(r.s3)) {
      ignored++;
      continue;
    }
    const eventName = typeof r.eventName === 'string' ? r.eventName : '';
    const bucket = isObject(r.s3.bucket) ? r.s3.bucket.name : undefined;
    const obj = isObject(r.s3.object) ? r.s3.object : undefined;
    if (!eventName.startsWith('ObjectCreated:') || typeof bucket !== 'string' || !obj || typeof obj.key !== 'string') {
      ignored++;
      continue;
    }
    refs.push(withSize(bucket, decodeS3Key(obj.key), num(obj.size)));
  }
  return { kind: 'objects', source: 's3', refs, ignored };
}

function parseCrowdStrike(n: Record<string, unknown>): Notification {
  const bucket = n.bucket as string;
  const prefix = typeof n.pathPrefix === 'string' ? n.pathPrefix : '';
  const refs: ObjectRef[] = [];
  let ignored = 0;
  for (const f of n.files as unknown[]) {
    if (!isObject(f) || typeof f.path !== 'string' || f.path === '') {
      ignored++;
      continue;
    }
    // Paths are bucket-relative keys (normally under pathPrefix); a bare file name is taken relative to pathPrefix.
    let key = f.path.replace(/^\/+/, '');
    if (prefix && !key.includes('/')) key = `${prefix.replace(/\/+$/, '')}/${key}`;
    refs.push(withSize(bucket, key, num(f.size)));
  }
  return { kind: 'objects', source: 'crowdstrike', refs, ignored };
}

/** Parse one notification (an SQS body already JSON-parsed, or a direct invocation event). */
export function parseNotification(input: unknown, depth = 0): Notification {
  if (!isObject(input)) return { kind: 'unrecognised', reason: 'not a JSON object' };
  if (input.Event === 's3:TestEvent') return { kind: 'test', source: 's3' };
  // SNS envelope (S3 → SNS → SQS without raw delivery).
  if (input.Type === 'Notification' && typeof input.Message === 'string' && depth < 2) {
    let inner: unknown;
    try {
      inner = JSON.parse(input.Message);
    } catch {
      return { kind: 'unrecognised', reason: 'SNS notification whose Message is not JSON' };
    }
    return parseNotification(inner, depth + 1);
  }
  if (Array.isArray(input.Records)) {
    if (input.Records.length === 0) return { kind: 'unrecognised', reason: 'empty Records' };
    const first = input.Records[0];
    if (isObject(first) && first.eventSource === 'aws:s3') return parseS3Records(input.Records);
    return { kind: 'unrecognised', reason: `Records from ${isObject(first) ? String(first.eventSource) : 'unknown'}` };
  }
  if (input.source === 'aws.s3' && isObject(input.detail)) {
    const d = input.detail;
    const bucket = isObject(d.bucket) ? d.bucket.name : undefined;
    const obj = isObject(d.object) ? d.object : undefined;
    if (input['detail-type'] !== 'Object Created') {
      return { kind: 'objects', source: 'eventbridge', refs: [], ignored: 1 };
    }
    if (typeof bucket === 'string' && obj && typeof obj.key === 'string') {
      return { kind: 'objects', source: 'eventbridge', refs: [withSize(bucket, decodeS3Key(obj.key), num(obj.size))], ignored: 0 };
    }
    return { kind: 'unrecognised', reason: 'EventBridge S3 event without bucket/key' };
  }
  if (typeof input.bucket === 'string' && Array.isArray(input.files)) return parseCrowdStrike(input);
  return { kind: 'unrecognised', reason: `unknown shape (keys: ${Object.keys(input).slice(0, 8).join(', ')})` };
}

/** Parse an SQS message body. */
export function parseSqsBody(body: string): Notification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'unrecognised', reason: 'SQS body is not JSON' };
  }
  return parseNotification(parsed);
}
