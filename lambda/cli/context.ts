/**
 * `fdr-detect context import|export|list|put|delete` against the DynamoDB context table (`--table` or
 * CONTEXT_TABLE_NAME). import validates the whole file first and writes nothing when any entry is bad; it is
 * idempotent (the same file twice leaves the same items).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoContextStore } from '../context/dynamodb';
import type { ContextFile, HostEntry, UserEntry } from '../context/types';
import { validateContext } from '../context/validate';
import type { Io } from './replay';

export class ContextUsageError extends Error {}

const store = (table?: string) => new DynamoContextStore({ tableName: table });

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
      const { values } = parseArgs({ args: rest, options: { table: { type: 'string' } } });
      const all = await store(values.table).exportAll();
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
    default:
      throw new ContextUsageError(`unknown context command "${sub ?? ''}" (import, export, list, put, delete)`);
  }
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
