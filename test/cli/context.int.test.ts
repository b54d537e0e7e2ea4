import { runCli as cli } from '../support/cli';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { s3Client } from '../../lambda/aws/clients';
import { SAMPLE_BATCHES, SAMPLE_CONTEXT } from '../../lambda/cli/main';
import { createTable, uniq } from '../support/aws';


describe('fdr-detect context (dynalite)', () => {
  it('imports the sample context idempotently and exports it back unchanged', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const first = await cli(['context', 'import', SAMPLE_CONTEXT, '--table', table]);
    expect(first).toMatchObject({ code: 0, out: 'imported 3 user(s), 4 host(s)\n' });
    expect((await cli(['context', 'import', SAMPLE_CONTEXT, '--table', table])).code).toBe(0);
    const exported = JSON.parse((await cli(['context', 'export', '--table', table])).out);
    const original = JSON.parse(readFileSync(SAMPLE_CONTEXT, 'utf8'));
    const sortBy = (xs: object[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(sortBy(exported.users)).toEqual(sortBy(original.users));
    expect(sortBy(exported.hosts)).toEqual(sortBy(original.hosts));
    const list = await cli(['context', 'list', '--table', table]);
    expect(list.out).toMatch(/host {2}- {2}MON01 {2}10\.0\.9\.5 {2}tags=monitoring/);
  });

  it('rejects an invalid file with JSON paths and writes nothing', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ users: [{ userSid: 'S-1-5-21-1-2-3-4', tags: ['ok'] }, { userSid: 'x' }], hosts: [{ ips: ['nope'] }] }));
    const r = await cli(['context', 'import', bad, '--table', table]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('$.users[1].userSid');
    expect(r.err).toContain('$.hosts[0].ips[0]');
    expect(JSON.parse((await cli(['context', 'export', '--table', table])).out)).toEqual({ users: [], hosts: [] });
  });

  it('puts and deletes single entries, and replay --context dynamodb uses them', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const prev = process.env.CONTEXT_TABLE_NAME;
    process.env.CONTEXT_TABLE_NAME = table;
    try {
      // MON01 tagged by IP only: its SMB polls (one in the second batch, twelve servers in the last) are suppressed, and
      // so is the fan-out of the twelve.
      expect((await cli(['context', 'put', 'host', '--name', 'MON01', '--ip', '10.0.9.5', '--tag', 'monitoring', '--reason', 'poller'])).code).toBe(0);
      const replay = await cli(['replay', SAMPLE_BATCHES, '--context', 'dynamodb', '--format', 'ndjson', '--include-suppressed']);
      expect(replay.code).toBe(0);
      const suppressed = replay.out.trim().split('\n').map((l) => JSON.parse(l)).filter((a) => a.suppressed);
      const seen = suppressed.map((a) => `${a.alert_type} ${a.ComputerName} ${a.suppressed.entry.host.reason}`);
      expect(seen.filter((x) => x === 'SMB445Connection MON01 poller')).toHaveLength(13);
      expect(seen.filter((x) => x === 'SMB445FanOut MON01 poller')).toHaveLength(1);
      expect(seen).toHaveLength(14);
      expect((await cli(['context', 'delete', 'host', '--ip', '10.0.9.5'])).out).toMatch(/^deleted/);
      expect(JSON.parse((await cli(['context', 'export'])).out).hosts).toEqual([]);
      expect((await cli(['context', 'put', 'user', '--sid', 'bad-sid'])).code).toBe(1);
    } finally {
      if (prev === undefined) delete process.env.CONTEXT_TABLE_NAME;
      else process.env.CONTEXT_TABLE_NAME = prev;
    }
  });
});

describe('fdr-detect replay s3://bucket/prefix (fauxqs)', () => {
  it('streams event data and fdrv2/ secondary data straight from S3', async () => {
    const bucket = uniq('fdr');
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
    for (const f of walk(SAMPLE_BATCHES)) {
      await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: `tenant1/${relative(SAMPLE_BATCHES, f)}`, Body: readFileSync(f) }));
    }
    const local = await cli(['replay', SAMPLE_BATCHES, '--context', SAMPLE_CONTEXT, '--format', 'ndjson']);
    const remote = await cli(['replay', `s3://${bucket}/tenant1/`, '--context', SAMPLE_CONTEXT, '--format', 'ndjson']);
    expect(remote.code).toBe(0);
    const strip = (s: string) => s.trim().split('\n').map((l) => { const a = JSON.parse(l); return [a.alert_id, a.ComputerName, a.UserName]; });
    expect(strip(remote.out)).toEqual(strip(local.out));
    expect(remote.err).toMatch(/objects=8 secondary=2/);
    const empty = await cli(['replay', `s3://${bucket}/nothing-here/`]);
    expect([empty.code, empty.err]).toEqual([1, expect.stringMatching(/no input files found/)]);
  });
});
