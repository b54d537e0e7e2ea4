import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeS3Key, parseNotification, parseSqsBody } from '../../lambda/handler/notifications';
import { routeKey } from '../../lambda/keys';

const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../events/lambda/${name}`, import.meta.url), 'utf8'));
const s3Event = (key: string, size?: number, eventName = 'ObjectCreated:Put') => ({
  Records: [{ eventSource: 'aws:s3', eventName, s3: { bucket: { name: 'b' }, object: { key, ...(size === undefined ? {} : { size }) } } }],
});

describe('parseNotification', () => {
  it('the bundled sample events parse', () => {
    const sqs = sample('sqs-s3-notification.json');
    expect(parseSqsBody(sqs.Records[0].body)).toEqual({
      kind: 'objects',
      source: 's3',
      refs: [{ bucket: 'fdr-detect-data-123456789012', key: 'data/6a1f0c2e-8a41-4f7e-9d2b-1c3e5a7b9d01/part-00000.gz', size: 3210 }],
      ignored: 0,
    });
    expect(parseNotification(sample('s3-direct.json'))).toMatchObject({ kind: 'objects', refs: [{ size: 3210 }] });
    const cs = parseSqsBody(sample('sqs-crowdstrike-fdr.json').Records[0].body);
    expect(cs).toMatchObject({ kind: 'objects', source: 'crowdstrike' });
    if (cs.kind === 'objects') {
      expect(cs.refs.map((r) => r.key)).toEqual([
        'data/b7e2d9c4-31f5-4a8e-b6c0-2d4f6a8c0e12/part-00000.gz',
        'data/b7e2d9c4-31f5-4a8e-b6c0-2d4f6a8c0e12/_SUCCESS',
      ]);
      expect(cs.refs.map((r) => routeKey(r.key, r.size).route)).toEqual(['events', 'skip']);
    }
    expect(parseSqsBody(sample('sqs-s3-test-event.json').Records[0].body)).toEqual({ kind: 'test', source: 's3' });
  });

  it('decodes URL-encoded keys with + for spaces', () => {
    expect(decodeS3Key('data/my+batch/part%2B1%20x.gz')).toBe('data/my batch/part+1 x.gz');
    expect(decodeS3Key('data/bad%zz')).toBe('data/bad%zz');
    const n = parseNotification(s3Event('tenant+a/data/%C3%A9t%C3%A9/part-00000.gz', 10));
    expect(n).toMatchObject({ refs: [{ key: 'tenant a/data/été/part-00000.gz' }] });
  });

  it('ignores non-create S3 records, keeps the others', () => {
    const ev = {
      Records: [
        ...s3Event('data/a/part-1.gz', 5).Records,
        ...s3Event('data/a/part-2.gz', 5, 'ObjectRemoved:Delete').Records,
        { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: {} } },
      ],
    };
    expect(parseNotification(ev)).toEqual({ kind: 'objects', source: 's3', refs: [{ bucket: 'b', key: 'data/a/part-1.gz', size: 5 }], ignored: 2 });
  });

  it('unwraps an SNS envelope', () => {
    const env = { Type: 'Notification', MessageId: 'x', Message: JSON.stringify(s3Event('data/x/part-0.gz', 1)) };
    expect(parseNotification(env)).toMatchObject({ kind: 'objects', refs: [{ key: 'data/x/part-0.gz' }] });
    expect(parseNotification({ Type: 'Notification', Message: '{"Event":"s3:TestEvent"}' })).toEqual({ kind: 'test', source: 's3' });
  });

  it('accepts EventBridge Object Created', () => {
    const ev = { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'b' }, object: { key: 'data/a+b/p.gz', size: 9 } } };
    expect(parseNotification(ev)).toEqual({ kind: 'objects', source: 'eventbridge', refs: [{ bucket: 'b', key: 'data/a b/p.gz', size: 9 }], ignored: 0 });
  });

  it('CrowdStrike paths are not URL-decoded; a bare file name is relative to pathPrefix', () => {
    const n = parseNotification({
      cid: 'c',
      bucket: 'cs',
      pathPrefix: 'data/u1',
      files: [{ path: 'part-00000+x.gz', size: '12' }, { nope: 1 }, { path: 'data/u2/part-00001.gz' }],
    });
    expect(n).toEqual({
      kind: 'objects',
      source: 'crowdstrike',
      refs: [
        { bucket: 'cs', key: 'data/u1/part-00000+x.gz', size: 12 },
        { bucket: 'cs', key: 'data/u2/part-00001.gz' },
      ],
      ignored: 1,
    });
  });

  it('anything else is unrecognised (acknowledged by the handler)', () => {
    expect(parseSqsBody('not json')).toMatchObject({ kind: 'unrecognised' });
    expect(parseSqsBody('[1,2]')).toMatchObject({ kind: 'unrecognised' });
    expect(parseSqsBody('{"hello":"world"}')).toMatchObject({ kind: 'unrecognised', reason: expect.stringContaining('hello') });
    expect(parseNotification({ Records: [] })).toMatchObject({ kind: 'unrecognised' });
    expect(parseNotification({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] })).toMatchObject({ kind: 'unrecognised' });
    expect(parseNotification({ Type: 'Notification', Message: 'nope' })).toMatchObject({ kind: 'unrecognised' });
  });
});
