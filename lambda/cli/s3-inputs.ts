/** Lists `replay s3://bucket/prefix` inputs: event-data objects and fdrv2/ secondary data, as the handler routes them. */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isSecondaryKey, markerReason } from '../keys';
import type { ObjectRef } from '../ports';
import { parseS3Uri } from './s3-events';

export async function listS3Inputs(uri: string, s3: S3Client): Promise<{ events: ObjectRef[]; secondary: ObjectRef[] }> {
  const { bucket, prefix } = parseS3Uri(uri);
  const events: ObjectRef[] = [];
  const secondary: ObjectRef[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const key = o.Key ?? '';
      const size = o.Size ?? 0;
      if (markerReason(key, size)) continue;
      (isSecondaryKey(key) ? secondary : events).push({ bucket, key, size });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { events, secondary };
}
