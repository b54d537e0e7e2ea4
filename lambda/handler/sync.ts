/**
 * What the Lambda does with one FDR secondary-data object (a key with a `fdrv2` segment): the context sync
 * (context/sync.ts) into the context table. aidmaster, managedassets and userinfo are upserted; notmanaged,
 * appinfo and unknown subtypes are acknowledged with a log line. Transient read errors, running out of time and
 * store write errors fail the record (the sync is idempotent, so the retry is safe); permanent read errors are
 * logged and counted (`ContextSyncErrors`, with `kind`), the readable part is synced and the record is
 * acknowledged. Every acknowledged object logs one "FDR secondary data acknowledged" line.
 */
import { syncSecondaryObject } from '../context/sync';
import { secondaryRoute, secondarySkipReason } from '../keys';
import type { ObjectRef } from '../ports';
import { inObjectFrame, type Deadline, type HandlerDeps, type ObjectOutcome } from './deps';
import { count, countWith } from './metrics';

/** Syncs one fdrv2/ object into the context table. Never throws. */
export function handleContextSync(ref: ObjectRef, d: HandlerDeps, deadline: Deadline): Promise<ObjectOutcome> {
  const log = d.logger;
  const target = d.contextSync;
  if (!target) {
    log.info('FDR secondary data acknowledged (no context table: not synced)', { s3_bucket: ref.bucket ?? undefined, s3_key: ref.key });
    return Promise.resolve({ status: 'done' });
  }
  const skip = secondarySkipReason(secondaryRoute(ref.key));
  if (skip) {
    log.info(`FDR secondary data acknowledged (${skip})`, { s3_bucket: ref.bucket ?? undefined, s3_key: ref.key });
    return Promise.resolve({ status: 'done' });
  }
  return inObjectFrame(ref, d, deadline, 'sync', async (signal) => {
    const started = Date.now();
    const r = await syncSecondaryObject(ref, d.source, target, { signal });
    const summary = {
      subtype: r.subtype,
      records: r.records,
      ignored: r.ignored,
      keys: r.keys,
      itemsWritten: r.write.items,
      refsWritten: r.write.refs,
      unchanged: r.write.unchanged,
      stale: r.write.stale,
      writeRequests: r.write.writeRequests,
      readRequests: r.write.readRequests,
      linesSkipped: r.linesSkipped,
      skipped: r.skipped,
      bytesIn: r.bytesIn,
      durationMs: Date.now() - started,
    };
    const m = d.metrics;
    count(m, 'ContextRecordsSynced', r.records);
    count(m, 'ContextItemsWritten', r.write.items + r.write.refs);
    if (r.linesSkipped > 0) countWith(m, 'LinesSkipped', r.linesSkipped, { kind: 'context-sync' });
    if (r.error) countWith(m, 'ContextSyncErrors', 1, { kind: `${r.error.kind}-${r.error.stage}`, reason: r.error.code });
    if (signal.aborted && r.error?.kind === 'transient') {
      log.error('context sync not finished in time; the record will be retried', { ...summary, error: r.error });
      return { status: 'retry', reason: 'time budget exhausted while syncing' };
    }
    if (r.error?.kind === 'transient') {
      log.error('transient context sync error; the record will be retried', { ...summary, error: r.error });
      return { status: 'retry', reason: `context sync: ${r.error.message}` };
    }
    if (r.error) {
      log.error('permanent read error in FDR secondary data: the readable part is synced, the object is not retried', { ...summary, error: r.error });
    }
    log.info('FDR secondary data acknowledged (synced)', { ...summary, error: r.error ?? null });
    return { status: 'done' };
  });
}
