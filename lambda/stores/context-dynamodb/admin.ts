/**
 * The operator's side of the context table: `fdr-detect context import|export|list|put|delete` and `npm run local`.
 * Not part of the Lambda (it never writes operator entries).
 *
 * - putEntries: the entries of a context file (validated first; any problem throws and nothing is written),
 *   idempotent; an entry whose key exists is replaced and the references its old version had but the new one lacks
 *   are removed — never one the FDR item in the same partition still carries.
 * - exportAll: every operator entry (or, with `fdr`, every FDR-synced entry) as a context file, in a stable order.
 * - deleteEntry: the operator entry a query resolves to (the lookups' precedence), with its references.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { asDocumentClient } from '../../aws/clients';
import { ContextIndex, isFdrEntry } from '../../context/memory';
import type { ContextFile, HostEntry, HostQuery, UserEntry, UserQuery } from '../../context/types';
import { validateContext } from '../../context/validate';
import { sharedContextCache, type TtlLruCache } from './cache';
import { ENTRY, FDR, entryPk, fdrItemEntry, hasFdr, indexPks, type Kind } from './keys';
import { ContextTableReader } from './reader';

/** IAM actions the admin commands call (an operator's role, not the Lambda's). */
export const CONTEXT_ADMIN_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Scan',
] as const;

export interface DynamoContextAdminOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Cache cleared after writes (default: the container-wide one; null: none). */
  cache?: TtlLruCache<unknown> | null;
}

const ignoreConditionFailure = (err: unknown): void => {
  if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
};

export class DynamoContextAdmin {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly reader: ContextTableReader;
  private readonly cache: TtlLruCache<unknown> | null;

  constructor(o: DynamoContextAdminOptions) {
    if (!o.tableName) throw new Error('DynamoContextAdmin: no table name');
    this.tableName = o.tableName;
    this.doc = asDocumentClient(o.client);
    this.reader = new ContextTableReader({ tableName: o.tableName, doc: this.doc });
    this.cache = o.cache === undefined ? sharedContextCache() : o.cache;
  }

  /**
   * Writes the entries of a context file. Within one file the first entry for a key wins (as in the file adapter);
   * later ones are reported in `skipped`.
   */
  async putEntries(file: ContextFile): Promise<{ users: number; hosts: number; skipped: string[] }> {
    const { context, problems } = validateContext(file);
    if (problems.length > 0) {
      throw new Error(`invalid context entries:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    }
    const seen = new Set<string>();
    const skipped: string[] = [];
    const work: { kind: Kind; pk: string; entry: UserEntry | HostEntry }[] = [];
    for (const [kind, list] of [
      ['user', context.users],
      ['host', context.hosts],
    ] as const) {
      list.forEach((entry, i) => {
        const pk = entryPk(kind, entry);
        if (!pk) {
          skipped.push(`${kind}s[${i}]: no identifying key`);
          return;
        }
        if (seen.has(pk)) {
          skipped.push(`${kind}s[${i}]: duplicate of an earlier entry (${pk})`);
          return;
        }
        seen.add(pk);
        work.push({ kind, pk, entry });
      });
    }
    const existing = await this.reader.read(
      work.flatMap((w) => (hasFdr(w.pk) ? [{ pk: w.pk, sk: ENTRY }, { pk: w.pk, sk: FDR }] : [{ pk: w.pk, sk: ENTRY }])),
      null,
    );
    const now = new Date().toISOString();
    for (const w of work) {
      const old = existing.get(`${w.pk}|${ENTRY}`);
      const newIx = indexPks(w.kind, w.entry);
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { pk: w.pk, sk: ENTRY, kind: w.kind, entry: w.entry, updatedAt: now } }),
      );
      for (const ix of newIx) await this.addRef(ix, w.kind, w.pk);
      if (old && !Array.isArray(old)) {
        // References the FDR item in the same partition still needs stay.
        const fdr = existing.get(`${w.pk}|${FDR}`);
        const keep = new Set([...newIx, ...(fdr && !Array.isArray(fdr) ? indexPks(fdr.kind, fdr.entry) : [])]);
        for (const ix of indexPks(old.kind, old.entry)) if (!keep.has(ix)) await this.removeRef(ix, w.pk);
      }
    }
    this.cache?.clear(`${this.tableName}|`);
    return {
      users: work.filter((w) => w.kind === 'user').length,
      hosts: work.filter((w) => w.kind === 'host').length,
      skipped,
    };
  }

  /**
   * Every operator entry in the table, as a context file (stable order): what `context import` reads back.
   * `{ fdr: true }`: the FDR-synced entries instead (`source: "fdr:…"`; `context list --fdr`).
   */
  async exportAll(o: { fdr?: boolean } = {}): Promise<Required<ContextFile>> {
    const out: Required<ContextFile> = { users: [], hosts: [] };
    const rows: { pk: string; kind: Kind; entry: UserEntry | HostEntry }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :e',
          ExpressionAttributeValues: { ':e': o.fdr ? FDR : ENTRY },
          ExclusiveStartKey: start,
        }),
      );
      for (const it of res.Items ?? []) {
        if (!o.fdr) rows.push(it as { pk: string; kind: Kind; entry: UserEntry | HostEntry });
        else {
          const v = fdrItemEntry(it);
          if (v) rows.push({ pk: it.pk as string, ...v });
        }
      }
      start = res.LastEvaluatedKey;
    } while (start);
    rows.sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0));
    for (const r of rows) (r.kind === 'user' ? out.users : out.hosts).push(r.entry as never);
    return out;
  }

  /**
   * Deletes the entry a user or host query resolves to (same precedence as lookups), with its index references.
   * Returns the deleted entry, or null when nothing matched (idempotent).
   */
  async deleteEntry(sel: ({ kind: 'user' } & UserQuery) | ({ kind: 'host' } & HostQuery)): Promise<UserEntry | HostEntry | null> {
    const q = sel.kind === 'user' ? { users: [sel], hosts: [] } : { users: [], hosts: [sel] };
    // Operator entries only: FDR items are the sync's (they come back with the next secondary-data file anyway).
    const found = await this.reader.resolve(q, null);
    const snap = new ContextIndex({ users: found.users.filter((e) => !isFdrEntry(e)), hosts: found.hosts.filter((e) => !isFdrEntry(e)) });
    const entry = sel.kind === 'user' ? snap.user(sel) : snap.host(sel);
    if (!entry) return null;
    const pk = entryPk(sel.kind, entry)!;
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: ENTRY } }));
    const fdr = hasFdr(pk) ? (await this.reader.read([{ pk, sk: FDR }], null)).get(`${pk}|${FDR}`) : null;
    const keep = new Set(fdr && !Array.isArray(fdr) ? indexPks(fdr.kind, fdr.entry) : []);
    for (const ix of indexPks(sel.kind, entry)) if (!keep.has(ix)) await this.removeRef(ix, pk);
    this.cache?.clear(`${this.tableName}|`);
    return entry;
  }

  private async addRef(indexPk: string, kind: Kind, ref: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: indexPk, sk: 'REF' },
        UpdateExpression: 'ADD refs :r SET kind = :k',
        ExpressionAttributeValues: { ':r': new Set([ref]), ':k': kind },
      }),
    );
  }

  private async removeRef(indexPk: string, ref: string): Promise<void> {
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: indexPk, sk: 'REF' },
          UpdateExpression: 'DELETE refs :r',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':r': new Set([ref]) },
        }),
      )
      .catch(ignoreConditionFailure);
    // An index item with no references left is removed.
    await this.doc
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: indexPk, sk: 'REF' },
          ConditionExpression: 'attribute_not_exists(refs)',
        }),
      )
      .catch(ignoreConditionFailure);
  }
}
