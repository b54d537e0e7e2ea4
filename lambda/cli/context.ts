/**
 * `fdr-detect context import|export|list|put|delete|sync` against the DynamoDB context table (`--table` or
 * CONTEXT_TABLE_NAME). import validates the whole file first and writes nothing when any entry is bad; it is
 * idempotent (the same file twice leaves the same items).
 *
 * `context sync FILE|DIR ...` loads local FDR secondary-data files (paths containing `fdrv2/<kind>/`; directories
 * walked recursively) through the same code as the Lambda (context/sync.ts): FDR items only, operator
 * entries untouched, the newest record wins whatever the order, a second run writes nothing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { sumResults, syncSecondaryObject, type SyncResult } from '../context/sync';
import { secondarySkipReason } from '../keys';
import { DynamoContextAdmin } from '../stores/context-dynamodb/admin';
import { DynamoFdrWriter } from '../stores/context-dynamodb/fdr-writer';
import { FileObjectSource } from '../sources/file';
import { expandLocalInputs } from './inputs';
import type { ContextFile, HostEntry, UserEntry } from '../context/types';
import { validateContext } from '../context/validate';
import type { Io } from './replay';
import { UsageError } from './usage';

export class ContextUsageError extends UsageError {}

function tableName(table?: string): string {
  const t = table ?? process.env.CONTEXT_TABLE_NAME;
  if (!t) throw new ContextUsageError('no context table: give --table NAME or set CONTEXT_TABLE_NAME');
  return t;
}

const store = (table?: string) => new DynamoContextAdmin({ tableName: tableName(table) });

export async function runContext(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'import': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { table: { type: 'string' } } });
      if (positionals.length !== 1) throw new ContextUsageError('context import needs one FILE');
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(positionals[0], 'utf8'));
      } catch (err) {
        io.stderr.write(`${positionals[0]}: ${(err as Error).message}\n`);
        return 1;
      }
      const { problems } = validateContext(parsed);
      if (problems.length > 0) {
        for (const p of problems) io.stderr.write(`${positionals[0]}: ${p.path}: ${p.message}\n`);
        io.stderr.write(`${problems.length} problem(s); nothing was imported\n`);
        return 1;
      }
      const res = await store(values.table).putEntries(parsed as ContextFile);
      for (const s of res.skipped) io.stderr.write(`skipped ${s}\n`);
      io.stdout.write(`imported ${res.users} user(s), ${res.hosts} host(s)\n`);
      return 0;
    }
    case 'export': {
      const { values } = parseArgs({ args: rest, options: { table: { type: 'string' }, out: { type: 'string' } } });
      const text = JSON.stringify(await store(values.table).exportAll(), null, 2) + '\n';
      if (values.out) await writeFile(values.out, text);
      else io.stdout.write(text);
      return 0;
    }
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { table: { type: 'string' }, fdr: { type: 'boolean', default: false } } });
      const all = await store(values.table).exportAll({ fdr: values.fdr });
      for (const u of all.users) io.stdout.write(`user  ${u.userSid ?? '-'}  ${u.userName ?? '-'}  ${describe(u)}\n`);
      for (const h of all.hosts) io.stdout.write(`host  ${h.aid ?? '-'}  ${h.computerName ?? '-'}  ${(h.ips ?? []).join(',') || '-'}  ${describe(h)}\n`);
      io.stderr.write(`${all.users.length} user(s), ${all.hosts.length} host(s)\n`);
      return 0;
    }
    case 'put': {
      const [kind, ...flags] = rest;
      const { values } = parseArgs({
        args: flags,
        options: {
          table: { type: 'string' },
          sid: { type: 'string' },
          aid: { type: 'string' },
          name: { type: 'string' },
          ip: { type: 'string', multiple: true },
          tag: { type: 'string', multiple: true },
          owner: { type: 'string' },
          reason: { type: 'string' },
          expires: { type: 'string' },
        },
      });
      const operator = { tags: values.tag, owner: values.owner, reason: values.reason, expiresAt: values.expires };
      let file: ContextFile;
      if (kind === 'user') file = { users: [clean<UserEntry>({ userSid: values.sid, userName: values.name, ...operator })] };
      else if (kind === 'host') file = { hosts: [clean<HostEntry>({ aid: values.aid, computerName: values.name, ips: values.ip, ...operator })] };
      else throw new ContextUsageError('context put needs "user" or "host"');
      const { problems } = validateContext(file);
      if (problems.length > 0) {
        for (const p of problems) io.stderr.write(`${p.path.replace(/^\$\.(users|hosts)\[0\]\.?/, '--')}: ${p.message}\n`);
        return 1;
      }
      await store(values.table).putEntries(file);
      io.stdout.write(`put ${kind}\n`);
      return 0;
    }
    case 'delete': {
      const [kind, ...flags] = rest;
      const { values } = parseArgs({
        args: flags,
        options: { table: { type: 'string' }, sid: { type: 'string' }, aid: { type: 'string' }, name: { type: 'string' }, ip: { type: 'string' } },
      });
      let deleted: UserEntry | HostEntry | null;
      if (kind === 'user') {
        if (!values.sid && !values.name) throw new ContextUsageError('context delete user needs --sid or --name');
        deleted = await store(values.table).deleteEntry({ kind: 'user', userSid: values.sid, userName: values.name });
      } else if (kind === 'host') {
        if (!values.aid && !values.name && !values.ip) throw new ContextUsageError('context delete host needs --aid, --name or --ip');
        deleted = await store(values.table).deleteEntry({ kind: 'host', aid: values.aid, computerName: values.name, ips: values.ip ? [values.ip] : [] });
      } else throw new ContextUsageError('context delete needs "user" or "host"');
      io.stdout.write(deleted ? `deleted ${JSON.stringify(deleted)}\n` : 'nothing matched\n');
      return 0;
    }
    case 'sync':
      return runSync(rest, io);
    default:
      throw new ContextUsageError(`unknown context command "${sub ?? ''}" (import, export, list, put, delete, sync)`);
  }
}

/** `context sync FILE|DIR ... [--table T]`. Exit 0: all synced; 2: some file unreadable or corrupt (the rest synced). */
async function runSync(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { table: { type: 'string' }, concurrency: { type: 'string' } },
  });
  if (positionals.length === 0) throw new ContextUsageError('context sync needs FILE or DIR');
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new ContextUsageError('--concurrency must be a positive integer');
  }
  const s = new DynamoFdrWriter({ tableName: tableName(values.table), concurrency });
  const inputs = await expandLocalInputs(positionals);
  for (const m of inputs.missing) io.stderr.write(`${m.path}: ${m.error}\n`);
  for (const ref of inputs.events) io.stderr.write(`${ref.key}: skipped (not under fdrv2/<kind>/)\n`);
  const source = new FileObjectSource();
  const results: SyncResult[] = [];
  let failed = inputs.missing.length;
  const started = Date.now();
  for (const ref of inputs.secondary) {
    const r = await syncSecondaryObject(ref, source, s);
    if (r.status === 'skipped') {
      io.stderr.write(`${ref.key}: skipped (${secondarySkipReason(r.route) ?? 'not synced'})\n`);
      continue;
    }
    results.push(r);
    const w = r.write;
    io.stderr.write(
      `${ref.key}: ${r.subtype}: ${r.records} record(s), ${w.items} item(s) + ${w.refs} index item(s) written, ` +
        `${w.unchanged} unchanged, ${w.stale} stale` +
        (r.linesSkipped > 0 ? `, ${r.linesSkipped} line(s) skipped (${Object.entries(r.skipped).map(([k, n]) => `${k}: ${n}`).join(', ')})` : '') +
        (r.ignored > 0 ? `, ${r.ignored} record(s) ignored` : '') +
        '\n',
    );
    if (r.error) {
      failed++;
      io.stderr.write(`${ref.key}: ${r.error.kind} ${r.error.stage} error: ${r.error.message}\n`);
    }
  }
  const t = sumResults(results);
  io.stdout.write(
    `synced ${results.length} file(s): ${t.records} record(s) read, ${t.write.items} item(s) written, ` +
      `${t.write.refs} index item(s) written, ${t.write.unchanged} unchanged, ${t.write.stale} stale, ` +
      `${t.linesSkipped} line(s) skipped, ${t.ignored} record(s) ignored ` +
      `(${t.write.writeRequests} write requests, ${t.write.readRequests} batch reads, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return failed > 0 ? 2 : 0;
}

function describe(e: UserEntry | HostEntry): string {
  const parts = [`tags=${(e.tags ?? []).join(',') || '-'}`];
  if (e.owner) parts.push(`owner=${e.owner}`);
  if (e.expiresAt) parts.push(`expires=${e.expiresAt}`);
  if (e.source) parts.push(`source=${e.source}`);
  if (e.reason) parts.push(`reason="${e.reason}"`);
  return parts.join(' ');
}

function clean<T extends object>(o: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
