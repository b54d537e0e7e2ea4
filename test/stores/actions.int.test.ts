// Each adapter declares the IAM actions it calls (the construct grants exactly those): drive every adapter against
// the local servers, record the requests it really sends, and require the declared list to be exactly that.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { S3ObjectSource, S3_SOURCE_ACTIONS } from '../../lambda/sources/s3';
import { SnsAlertSink, SNS_SINK_ACTIONS } from '../../lambda/sinks/sns';
import { CONTEXT_ADMIN_ACTIONS, DynamoContextAdmin } from '../../lambda/stores/context-dynamodb/admin';
import { DynamoFdrWriter, FDR_WRITER_ACTIONS } from '../../lambda/stores/context-dynamodb/fdr-writer';
import { CONTEXT_LOOKUP_ACTIONS, DynamoContextStore } from '../../lambda/stores/context-dynamodb/lookup';
import { DEDUPE_STORE_ACTIONS, DynamoDedupeStore } from '../../lambda/stores/dedupe-dynamodb';
import { DynamoStateStore, STATE_STORE_ACTIONS } from '../../lambda/stores/state-dynamodb';
import { makeAlert } from '../support/alert-fixtures';
import { createTable, topicWithQueue, uniq } from '../support/aws';

/** IAM authorises a few API operations under another action's name. */
const ACTION_OF: Record<string, string> = { 'sns:PublishBatch': 'sns:Publish' };

type Recorded = { client: { middlewareStack: { add: (...a: never[]) => void } }; actions: Set<string> };

function record<C extends { middlewareStack: unknown }>(client: C, service: string): C & { actions: Set<string> } {
  const actions = new Set<string>();
  (client as unknown as Recorded['client']).middlewareStack.add(
    ((next: (a: unknown) => unknown, ctx: { commandName?: string }) => async (args: unknown) => {
      const op = `${service}:${(ctx.commandName ?? '?').replace(/Command$/, '')}`;
      actions.add(ACTION_OF[op] ?? op);
      return next(args);
    }) as never,
    { step: 'initialize', name: 'recordActions' } as never,
  );
  return Object.assign(client, { actions });
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

describe('adapters call exactly the IAM actions they declare', () => {
  it('context lookups', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const client = record(new DynamoDBClient({}), 'dynamodb');
    await new DynamoContextStore({ tableName: table, client, cache: null }).lookup({ hosts: [{ aid: 'a1', computerName: 'h1', ips: ['10.0.0.1'] }], users: [{ userSid: 'S-1-5-21-1', userName: 'CORP\\u' }] });
    expect(sorted(client.actions)).toEqual(sorted(CONTEXT_LOOKUP_ACTIONS));
  });

  it('the FDR writer (first sync, then a newer record and new interfaces)', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const client = record(new DynamoDBClient({}), 'dynamodb');
    const w = new DynamoFdrWriter({ tableName: table, client, cache: null });
    const host = (time: number, name: string) => ({ aid: 'a1', entry: { aid: 'a1', computerName: name, source: 'fdr:aidmaster' }, time, hash: name });
    await w.applyFdr({ hosts: [host(1, 'H1')], interfaces: [{ aid: 'a1', ips: ['10.0.0.1'], macs: ['aa'] }], users: [{ sid: 'S-1-5-21-9', entry: { userSid: 'S-1-5-21-9', userName: 'CORP\\x', source: 'fdr:userinfo' }, time: 1, hash: 'x' }] });
    await w.applyFdr({ hosts: [host(2, 'H2')], interfaces: [{ aid: 'a1', ips: ['10.0.0.2'], macs: [] }], users: [] });
    expect(sorted(client.actions)).toEqual(sorted(FDR_WRITER_ACTIONS));
  });

  it('the operator admin commands (CLI only)', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const client = record(new DynamoDBClient({}), 'dynamodb');
    const admin = new DynamoContextAdmin({ tableName: table, client, cache: null });
    await admin.putEntries({ hosts: [{ aid: 'a1', computerName: 'H1', ips: ['10.0.0.1'], tags: ['t'] }] });
    await admin.putEntries({ hosts: [{ aid: 'a1', computerName: 'H2', tags: ['t'] }] });
    await admin.exportAll();
    await admin.deleteEntry({ kind: 'host', aid: 'a1' });
    expect(sorted(client.actions)).toEqual(sorted(CONTEXT_ADMIN_ACTIONS));
  });

  it('the dedupe store (claim, duplicate claim, confirm, release)', async () => {
    const table = uniq('dd');
    await createTable(table);
    const client = record(new DynamoDBClient({}), 'dynamodb');
    const d = new DynamoDedupeStore({ tableName: table, client });
    await d.claim(['a', 'b']);
    await d.confirm(['a']);
    await d.claim(['a']); // published: a duplicate, found by reading the item
    await d.release(['b']);
    expect(sorted(client.actions)).toEqual(sorted(DEDUPE_STORE_ACTIONS));
  });

  it('the state store (throttle slots, contributions, windows, firings, watermarks)', async () => {
    const table = uniq('state');
    await createTable(table);
    const client = record(new DynamoDBClient({}), 'dynamodb');
    const st = new DynamoStateStore({ tableName: table, client });
    const exp = Date.now() + 60_000;
    await st.claimThrottles([{ key: 'k', holder: 'a', expiresAt: exp }]);
    await st.readWatermarks(['r']);
    await st.putContributions([{ rule: 'r', group: 'g', bucket: 1, contributor: 'o', values: {}, data: '{}', expiresAt: exp }]);
    await st.readContributions([{ rule: 'r', group: 'g', fromBucket: 0, toBucket: 2 }]);
    await st.readFirings([{ rule: 'r', group: 'g' }]);
    await st.claimFiring({ rule: 'r', group: 'g', runStart: 1, quietUntil: 2, alertId: 'x', firedBy: 'o', expiresAt: exp });
    await st.raiseWatermarks(new Map([['r', 5]]));
    expect(sorted(client.actions)).toEqual(sorted(STATE_STORE_ACTIONS));
  });

  it('the S3 source and the SNS sink', async () => {
    const s3 = record(new S3Client({ forcePathStyle: true }), 's3');
    const bucket = uniq('b');
    await new S3Client({ forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
    await new S3Client({ forcePathStyle: true }).send(new PutObjectCommand({ Bucket: bucket, Key: 'data/x', Body: '{}\n' }));
    for await (const _ of await new S3ObjectSource(s3).open({ bucket, key: 'data/x' })) void _;
    expect(sorted(s3.actions)).toEqual(sorted(S3_SOURCE_ACTIONS));

    const sns = record(new SNSClient({}), 'sns');
    const { topicArn } = await topicWithQueue();
    await new SnsAlertSink({ topicArn, client: sns }).publish([makeAlert({ alert_id: 'x1' })]);
    expect(sorted(sns.actions)).toEqual(sorted(SNS_SINK_ACTIONS));
  });
});
