/**
 * `fdr-detect redrive --from DLQ_URL --to QUEUE_URL [--max N]`: moves dead letters back to the work queue after a
 * fix. A message is deleted from the DLQ only after it was accepted by the target queue, so a crash mid-way
 * duplicates at worst (the alert dedupe table absorbs duplicates), never loses.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface RedriveOptions {
  from: string;
  to: string;
  /** Stop after this many messages (default: until the DLQ is empty). */
  max?: number;
  /** Long-poll wait per receive, seconds. */
  waitSeconds?: number;
}

export interface RedriveResult {
  moved: number;
  failed: number;
}

export async function redrive(opts: RedriveOptions, sqs: SQSClient, progress: (line: string) => void = () => {}): Promise<RedriveResult> {
  const result: RedriveResult = { moved: 0, failed: 0 };
  let emptyReceives = 0;
  while (emptyReceives < 2 && (opts.max === undefined || result.moved < opts.max)) {
    const want = Math.min(10, opts.max === undefined ? 10 : opts.max - result.moved);
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.from,
        MaxNumberOfMessages: want,
        WaitTimeSeconds: opts.waitSeconds ?? 1,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    const messages = got.Messages ?? [];
    if (messages.length === 0) {
      emptyReceives++;
      continue;
    }
    emptyReceives = 0;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: opts.to,
        Entries: messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? '', MessageAttributes: m.MessageAttributes })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const toDelete = messages.filter((_, i) => ok.has(String(i)));
    if (toDelete.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: opts.from,
          Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    if (toDelete.length === 0) break; // the target refuses everything: stop rather than spin
    result.moved += toDelete.length;
    result.failed += messages.length - toDelete.length;
    progress(`moved ${result.moved} message(s)${result.failed ? `, ${result.failed} failed (left in the DLQ)` : ''}`);
  }
  return result;
}
