// Shared fixtures for the context-sync tests (dynalite through the real SDK clients).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { gzipSync } from 'node:zlib';
import { documentClient } from '../../lambda/aws/clients';
import { TtlLruCache } from '../../lambda/stores/context-dynamodb/cache';
import { ContextTable } from '../support/context-table';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { createTable, uniq } from '../support/aws';

export const doc = () => documentClient(new DynamoDBClient({}));

export const AID = '9f8e7d6c5b4a49388271605f4e3d2c1b';
export const AID2 = '1111222233334444aaaabbbbccccdddd';
export const SID = 'S-1-5-21-1111111111-2222222222-3333333333-1187';

export async function freshStore(): Promise<ContextTable> {
  const t = uniq('ctx');
  await createTable(t);
  return new ContextTable({ tableName: t, client: doc(), cache: new TtlLruCache(1000, 60_000) });
}

export const aidmaster = (o: Record<string, unknown> = {}) => ({
  aid: AID,
  cid: 'c1',
  ComputerName: 'WKS-SYNC01',
  MachineDomain: 'corp.example',
  OU: 'Computers',
  SiteName: 'HQ',
  ProductType: '1.0',
  AgentVersion: '7.18.18902.0',
  Time: '1795046400.000',
  event_platform: 'Win',
  ...o,
});

export const userinfo = (o: Record<string, unknown> = {}) => ({
  cid: 'c1',
  UserSid_readable: SID,
  UserName: 'mallory',
  User: 'CORP\\mallory',
  AccountType: 'Domain User',
  LocalAdminAccess: 'No',
  LastLoggedOnHost: 'WKS-SYNC01',
  ...o,
});

export const ndjson = (records: object[], extra = ''): Buffer => Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n' + extra);
export const gz = (records: object[], extra = ''): Buffer => gzipSync(ndjson(records, extra));

export function source(objects: Record<string, Buffer>): MemoryObjectSource {
  return new MemoryObjectSource(new Map(Object.entries(objects)));
}

/** Every item of a table, sorted by key (to compare the table before and after). */
export async function scanAll(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await doc().send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...((r.Items ?? []) as Record<string, unknown>[]));
    start = r.LastEvaluatedKey;
  } while (start);
  const id = (it: Record<string, unknown>) => `${it.pk}|${it.sk}`;
  return items.sort((a, b) => (id(a) < id(b) ? -1 : 1));
}
