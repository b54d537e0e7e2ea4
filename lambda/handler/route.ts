/** One notification: every object it names goes to detection, to the context sync, or nowhere (markers). */
import { routeKey } from '../keys';
import { RetryLater, type Deadline, type HandlerDeps } from './deps';
import type { Notification } from './notifications';
import { handleObject } from './object';
import { handleContextSync } from './sync';

/** Handles one notification. Throws RetryLater when something in it must be retried (after trying everything). */
export async function handleNotification(n: Notification, d: HandlerDeps, deadline: Deadline): Promise<void> {
  const log = d.logger;
  if (n.kind === 'test') {
    log.info('S3 test event acknowledged');
    return;
  }
  if (n.kind === 'unrecognised') {
    log.warn('unrecognised message acknowledged (it would not parse on a retry either)', { reason: n.reason });
    return;
  }
  if (n.ignored > 0) log.info('notification entries ignored (not object creations)', { ignored: n.ignored, source: n.source });
  const retry: string[] = [];
  for (const ref of n.refs) {
    const { route, reason } = routeKey(ref.key, ref.size, d.config.eventPrefixes);
    if (route === 'skip') {
      log.debug('object skipped', { s3_bucket: ref.bucket, s3_key: ref.key, reason });
      continue;
    }
    const outcome = route === 'context-sync' ? await handleContextSync(ref, d, deadline) : await handleObject(ref, d, deadline);
    if (outcome.status === 'retry') retry.push(`${ref.key}: ${outcome.reason}`);
  }
  if (retry.length > 0) throw new RetryLater(retry.join('; '));
}
