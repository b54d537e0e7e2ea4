// `fdr-detect context sync FILE|DIR` against dynalite.
import { runCli as cli } from '../support/cli';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTable, uniq } from '../support/aws';
import { AID, AID2, aidmaster, gz, userinfo } from '../stores/fdr-helpers';


function put(root: string, rel: string, body: Buffer): string {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, body);
  return p;
}

describe('fdr-detect context sync', () => {
  it('loads a directory of secondary data, skips what is not synced, and a second run writes nothing', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const root = mkdtempSync(join(tmpdir(), 'sync-'));
    put(root, 'fdrv2/aidmaster/part-00000.gz', gz([aidmaster(), aidmaster({ aid: AID2, ComputerName: 'WKS-TWO' })], '{"aid": broken\n'));
    put(root, 'fdrv2/userinfo/batch=20261119/year=2026/month=11/day=19/platform=Win/part-00000.c000.txt.gz', gz([userinfo()]));
    put(root, 'fdrv2/notmanaged/part-00000.gz', gz([{ aip: '10.0.0.1' }]));
    put(root, 'data/batch/part-00000.gz', gz([{ event_simpleName: 'ProcessRollup2' }]));

    const first = await cli(['context', 'sync', root, '--table', table]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^synced 2 file\(s\): 3 record\(s\) read, 3 item\(s\) written, 4 index item\(s\) written, 0 unchanged, 0 stale, 1 line\(s\) skipped, 0 record\(s\) ignored/,
    );
    expect(first.err).toContain('data/batch/part-00000.gz: skipped (not under fdrv2/<kind>/)');
    expect(first.err).toContain('notmanaged/part-00000.gz: skipped (notmanaged is not used as context)');
    expect(first.err).toMatch(/aidmaster\/part-00000\.gz: aidmaster: 2 record\(s\), 2 item\(s\) \+ 2 index item\(s\) written, 0 unchanged, 0 stale, 1 line\(s\) skipped \(invalid-json: 1\)/);

    const second = await cli(['context', 'sync', root, '--table', table]);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/3 record\(s\) read, 0 item\(s\) written, 0 index item\(s\) written, 3 unchanged, 0 stale, .*\(0 write requests/);

    const list = await cli(['context', 'list', '--fdr', '--table', table]);
    expect(list.out).toContain(`host  ${AID}  WKS-SYNC01`);
    expect(list.out).toContain('source=fdr:aidmaster');
    expect(list.out).toMatch(/user {2}S-1-5-21-1111111111-2222222222-3333333333-1187 {2}CORP\\mallory/);
    // export stays operator-only (it feeds `context import`)
    expect(JSON.parse((await cli(['context', 'export', '--table', table])).out)).toEqual({ users: [], hosts: [] });
  });

  it('a single file works; a missing path or a corrupt gzip makes exit code 2', async () => {
    const table = uniq('ctx');
    await createTable(table);
    const root = mkdtempSync(join(tmpdir(), 'sync-'));
    const file = put(root, 'acme/fdrv2/aidmaster/part-00000.gz', gz([aidmaster()]));
    const ok = await cli(['context', 'sync', file, '--table', table]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toMatch(/^synced 1 file\(s\): 1 record\(s\) read, 1 item\(s\) written/);
    const bad = put(root, 'fdrv2/aidmaster/part-00001.gz', gz([aidmaster()]).subarray(0, 20));
    const r = await cli(['context', 'sync', bad, join(root, 'nope'), '--table', table]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope: ENOENT/);
    expect(r.err).toMatch(/part-00001\.gz: permanent gzip error/);
    expect((await cli(['context', 'sync', '--table', table])).code).not.toBe(0);
  });
});
