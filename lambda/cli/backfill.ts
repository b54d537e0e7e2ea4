/**
 * `fdr-detect backfill s3://bucket/prefix --queue URL [--since ISO] [--rate N] [--start-after KEY] [--dry-run]`
 * Lists existing objects and enqueues one S3-event-shaped message per object on the detection queue, so historical
 * batches fan out across Lambda concurrency. Progress goes to stderr with the last enqueued key: rerun with
 * `--start-after KEY` to resume after an interruption.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { markerReason } from '../keys';
import { parseS3Uri, s3ObjectCreatedEvent } from './s3-events';

export interface BackfillOptions {
  uri: string;
  queueUrl: string;
  /** Only objects modified at or after this time. */
  since?: Date;
  /** Messages per second (0 = unlimited). */
  rate: number;
  startAfter?: string;
  dryRun?: boolean;
}

export interface BackfillResult {
  listed: number;
  enqueued: number;
  skipped: number;
  bytes: number;
  lastKey?: string;
  failed: { key: string; error: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function backfill(
  opts: BackfillOptions,
  clients: { s3: S3Client; sqs: SQSClient },
  progress: (line: string) => void = () => {},
): Promise<BackfillResult> {
  const { bucket, prefix } = parseS3Uri(opts.uri);
  const result: BackfillResult = { listed: 0, enqueued: 0, skipped: 0, bytes: 0, failed: [] };
  const started = Date.now();
  let token: string | undefined;
  do {
    const page = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, StartAfter: token ? undefined : opts.startAfter }),
    );
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    const batch: { key: string; body: string }[] = [];
    for (const o of page.Contents ?? []) {
      result.listed++;
      const key = o.Key ?? '';
      const size = o.Size ?? 0;
      if (markerReason(key, size) || (opts.since && o.LastModified && o.LastModified < opts.since)) {
        result.skipped++;
        continue;
      }
      const event = s3ObjectCreatedEvent({ bucket, key, size, eTag: o.ETag, eventTime: o.LastModified?.toISOString() });
      batch.push({ key, body: JSON.stringify(event) });
      result.bytes += size;
    }
    for (let i = 0; i < batch.length; i += 10) {
      const chunk = batch.slice(i, i + 10);
      if (!opts.dryRun) await sendChunk(clients.sqs, opts.queueUrl, chunk, result);
      else result.enqueued += chunk.length;
      result.lastKey = chunk[chunk.length - 1].key;
      progress(`enqueued ${result.enqueued}/${result.listed} listed (${(result.bytes / 1e9).toFixed(2)} GB), last key: ${result.lastKey}`);
      if (opts.rate > 0) {
        const due = started + (result.enqueued / opts.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
    }
  } while (token);
  return result;
}

async function sendChunk(sqs: SQSClient, queueUrl: string, chunk: { key: string; body: string }[], result: BackfillResult): Promise<void> {
  let pending = chunk.map((c, i) => ({ ...c, id: String(i) }));
  for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(200 * 2 ** attempt);
    const res = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending.map((p) => ({ Id: p.id, MessageBody: p.body })) }),
    );
    const failedIds = new Set((res.Failed ?? []).map((f) => f.Id));
    result.enqueued += pending.length - failedIds.size;
    const failures = res.Failed ?? [];
    pending = pending.filter((p) => failedIds.has(p.id));
    if (attempt === 4) {
      for (const p of pending) result.failed.push({ key: p.key, error: failures.find((f) => f.Id === p.id)?.Message ?? 'send failed' });
    }
  }
}
