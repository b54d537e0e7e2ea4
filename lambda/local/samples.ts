/**
 * The bundled samples on local servers: upload events/fdr/ keeping its relative keys (`data/<uuid>/part-00000.gz`,
 * `fdrv2/…`), and point the sample Lambda test events (events/lambda/*.json) at what was uploaded.
 *
 * Mapping rules of rewriteSampleEvent (the samples name the production bucket `fdr-detect-data-123456789012`):
 * - every bucket name (S3 record `s3.bucket.name` + `arn`, EventBridge `detail.bucket.name`, CrowdStrike's
 *   `bucket`, s3:TestEvent's `Bucket`) becomes the local bucket;
 * - a key that was uploaded stays as it is; a key that ends with `/<uploaded key>` (a tenant prefix in front of
 *   `data/…`) becomes that uploaded key; any other key is left alone (the handler then reports NoSuchKey, as it
 *   would in AWS) and listed as unmapped. Keys in S3 records stay URL-encoded the way S3 sends them;
 * - SQS message bodies and SNS `Message` strings are parsed, rewritten and re-serialised (SQS `md5OfBody` is
 *   recomputed); nothing else changes (message ids, attributes, event names).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { encodeS3EventKey } from '../cli/s3-events';

export interface UploadedObject {
  key: string;
  size: number;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** Uploads every file under `dir` to `bucket`, the key being its path relative to `dir` (small files: PutObject). */
export async function uploadTree(dir: string, bucket: string, s3: S3Client): Promise<UploadedObject[]> {
  const uploaded: UploadedObject[] = [];
  for (const file of await listFiles(dir)) {
    const key = relative(dir, file).split(sep).join('/');
    const body = await readFile(file);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    uploaded.push({ key, size: body.length });
  }
  return uploaded;
}

export interface RewriteTarget {
  bucket: string;
  /** Keys that exist in the local bucket. */
  keys: ReadonlySet<string>;
}

export interface RewriteResult {
  event: unknown;
  /** Human-readable `from → to` lines (buckets and keys that changed). */
  mapped: string[];
  /** Keys that name no uploaded object. */
  unmapped: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const decodeKey = (k: string): string => {
  try {
    return decodeURIComponent(k.replace(/\+/g, ' '));
  } catch {
    return k;
  }
};

export function rewriteSampleEvent(event: unknown, target: RewriteTarget): RewriteResult {
  const mapped = new Set<string>();
  const unmapped = new Set<string>();

  const bucket = (from: unknown): string => {
    if (typeof from === 'string' && from !== target.bucket) mapped.add(`bucket ${from} → ${target.bucket}`);
    return target.bucket;
  };
  const key = (from: string): string => {
    if (target.keys.has(from)) return from;
    for (const k of target.keys) {
      if (from.endsWith(`/${k}`)) {
        mapped.add(`key ${from} → ${k}`);
        return k;
      }
    }
    // A prefix (CrowdStrike pathPrefix) of uploaded keys is fine as it is.
    if (![...target.keys].some((k) => k.startsWith(from))) unmapped.add(from);
    return from;
  };
  const prefix = (from: string): string => {
    if ([...target.keys].some((k) => k.startsWith(from))) return from;
    for (const k of target.keys) {
      const i = from.indexOf('/' + k.split('/')[0] + '/');
      if (i >= 0 && k.startsWith(from.slice(i + 1))) {
        mapped.add(`prefix ${from} → ${from.slice(i + 1)}`);
        return from.slice(i + 1);
      }
    }
    return from;
  };

  const walk = (node: unknown, parentKey?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n));
    if (typeof node === 'string' && (parentKey === 'body' || parentKey === 'Message')) {
      let inner: unknown;
      try {
        inner = JSON.parse(node);
      } catch {
        return node;
      }
      return isObject(inner) || Array.isArray(inner) ? JSON.stringify(walk(inner)) : node;
    }
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v, k);

    // S3 event record: {s3: {bucket: {name, arn}, object: {key}}}
    if (isObject(out.s3)) {
      const s3 = { ...out.s3 };
      if (isObject(s3.bucket)) s3.bucket = { ...s3.bucket, name: bucket(s3.bucket.name), ...(s3.bucket.arn ? { arn: `arn:aws:s3:::${target.bucket}` } : {}) };
      if (isObject(s3.object) && typeof s3.object.key === 'string') s3.object = { ...s3.object, key: encodeS3EventKey(key(decodeKey(s3.object.key))) };
      out.s3 = s3;
    }
    // EventBridge "Object Created": {source: "aws.s3", detail: {bucket: {name}, object: {key}}}
    if (out.source === 'aws.s3' && isObject(out.detail)) {
      const d = { ...out.detail };
      if (isObject(d.bucket)) d.bucket = { ...d.bucket, name: bucket(d.bucket.name) };
      if (isObject(d.object) && typeof d.object.key === 'string') d.object = { ...d.object, key: encodeS3EventKey(key(decodeKey(d.object.key))) };
      out.detail = d;
    }
    // CrowdStrike FDR notification: {bucket, pathPrefix, files: [{path}]}
    if (typeof out.bucket === 'string' && Array.isArray(out.files)) {
      out.bucket = bucket(out.bucket);
      const pp = typeof out.pathPrefix === 'string' ? prefix(out.pathPrefix) : '';
      if (typeof out.pathPrefix === 'string') out.pathPrefix = pp;
      out.files = out.files.map((f) => {
        if (!isObject(f) || typeof f.path !== 'string') return f;
        // A bare file name is relative to pathPrefix (lambda/handler/events.ts).
        const full = f.path.includes('/') ? f.path : `${pp.replace(/\/?$/, '/')}${f.path}`;
        const mappedKey = key(full);
        return { ...f, path: mappedKey === full ? f.path : mappedKey };
      });
    }
    // s3:TestEvent: {Event: "s3:TestEvent", Bucket}
    if (out.Event === 's3:TestEvent' && typeof out.Bucket === 'string') out.Bucket = bucket(out.Bucket);
    // SQS record: keep md5OfBody consistent with the rewritten body.
    if (out.eventSource === 'aws:sqs' && typeof out.body === 'string' && typeof out.md5OfBody === 'string') {
      out.md5OfBody = createHash('md5').update(out.body).digest('hex');
    }
    return out;
  };

  return { event: walk(event), mapped: [...mapped], unmapped: [...unmapped] };
}

/** Reads (and deletes) every message on a queue until it stays empty for `idleMs`. */
export async function drainQueue(sqs: SQSClient, queueUrl: string, o: { idleMs?: number; expected?: number } = {}): Promise<Message[]> {
  const idleMs = o.idleMs ?? 500;
  const expected = o.expected ?? Infinity;
  const out: Message[] = [];
  let idleSince = Date.now();
  while (out.length < expected && Date.now() - idleSince < idleMs) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) {
      await new Promise((res) => setTimeout(res, 50));
      continue;
    }
    idleSince = Date.now();
    out.push(...msgs);
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
  }
  return out;
}
