import { runCli as cli } from '../support/cli';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SAMPLE_BATCHES } from '../../lambda/cli/main';
import { inflatesInThread, THREAD_MIN_BYTES } from '../../lambda/cli/replay';



const PART = join(SAMPLE_BATCHES, 'data', '6a1f0c2e-8a41-4f7e-9d2b-1c3e5a7b9d01', 'part-00000.gz');

describe('fdr-detect replay', () => {
  it('with no arguments replays the bundled samples with the bundled context as LogScale-style tables, one per rule', async () => {
    const r = await cli(['replay']);
    expect(r.code).toBe(0);
    const blocks = r.out.trim().split('\n\n').map((b) => b.split('\n'));
    expect(blocks.length).toBeGreaterThan(1);
    for (const [title, header, rule, ...rows] of blocks) {
      // Each rule's own table() columns, under its id and title.
      expect(title).toMatch(/^t1021-002[\w-]*: .+ \(\d+ rows\)$/);
      expect(header).toMatch(/^\| @timestamp\s+\| ComputerName\s+\|.*\| alert_type\s+\|$/);
      expect(rule).toMatch(/^\|-+\|/);
      // Sorted by @timestamp, descending, as each rule's table() says.
      const times = rows.filter((l) => l.startsWith('|')).map((l) => l.split('|')[1].trim());
      expect(times.length).toBeGreaterThan(0);
      expect([...times].sort().reverse()).toEqual(times);
    }
    const process = blocks.find(([title]) => title.startsWith('t1021-002-smb-admin-shares: '))!;
    expect(process[1]).toMatch(/^\| @timestamp\s+\| ComputerName\s+\| UserName\s+\| FileName\s+\| ParentBaseFileName\s+\| CommandLine\s+\| alert_type\s+\|$/);
    // Every alert type of the pack has a sample in the bundled batches.
    const types = [
      'PsExecExecution', 'NetUseAdminShare', 'AdminShareCommand', 'AdminShareFileWrite', 'SMB445Connection', 'SMB445FanOut',
      'RemoteExecService', 'RemoteExecChild', 'ImpacketExecRedirect', 'SuspiciousServiceCreated', 'AdminShareOpened', 'ExecOfSmbWrittenFile',
    ];
    for (const type of types) expect(r.out).toMatch(new RegExp(`\\| ${type} +\\|`));
    expect(r.out).not.toContain('P@ssw0rd1');
    expect(r.err).toMatch(/events=\d+ matches=\d+ alerts=\d+ suppressed=[1-9]\d* throttled=[1-9]\d* aggregate_firings=[1-9]\d* skipped_lines=0 errors=0/);
    expect(r.err).toMatch(/MB\/s/);
  });

  it('shows suppressed matches only with --include-suppressed', async () => {
    const plain = await cli(['replay', '--format', 'ndjson']);
    const all = await cli(['replay', '--format', 'ndjson', '--include-suppressed']);
    const parse = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));
    const [p, a] = [parse(plain.out), parse(all.out)];
    expect(p.every((x) => x.suppressed === undefined)).toBe(true);
    const supp = a.filter((x) => x.suppressed);
    expect(supp.length).toBeGreaterThan(0);
    expect(a.length).toBe(p.length + supp.length);
    expect(supp.map((x) => x.suppressed.reason).join()).toMatch(/sanctioned|monitoring/);
  });

  it('prints json as one array', async () => {
    const r = await cli(['replay', PART, '--format', 'json']);
    expect(r.code).toBe(0);
    const arr = JSON.parse(r.out);
    expect(Array.isArray(arr)).toBe(true);
    expect(arr.length).toBeGreaterThan(0);
  });

  it('reads plain NDJSON files and directories, and keeps going past a corrupt input with exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdr-replay-'));
    copyFileSync(PART, join(dir, 'a-good.gz'));
    const good = gzipSync(Buffer.from('x'.repeat(100000)));
    writeFileSync(join(dir, 'b-corrupt.gz'), Buffer.concat([good.subarray(0, 20), Buffer.alloc(64, 0xff)]));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(
      join(dir, 'sub', 'plain.json'),
      JSON.stringify({ event_simpleName: 'ProcessRollup2', aid: 'a', ImageFileName: 'C:\\x\\RemCom.exe', timestamp: '1' }) + '\r\n',
    );
    writeFileSync(join(dir, '_SUCCESS'), '');
    const r = await cli(['replay', dir, '--format', 'ndjson']);
    expect(r.code).toBe(2);
    const alerts = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(alerts.map((a) => [a.alert_type, a.FileName])).toContainEqual(['PsExecExecution', 'RemCom.exe']);
    expect(alerts.length).toBeGreaterThan(3);
    expect(r.err).toMatch(/b-corrupt\.gz: permanent error/);
  });

  it('names an unsupported input and exits 2, without reading it as events; the other inputs are still read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdr-unsupported-'));
    copyFileSync(PART, join(dir, 'a-good.gz'));
    writeFileSync(join(dir, 'b.gz'), Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(200, 7)])); // zstd
    writeFileSync(join(dir, 'c.gz'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    writeFileSync(join(dir, 'd.csv'), 'aid,host\n1,2\n');
    const r = await cli(['replay', dir, '--format', 'ndjson']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/b\.gz: permanent error: unsupported input: zstd/);
    expect(r.err).toMatch(/c\.gz: permanent error: unsupported input: binary data/);
    expect(r.err).toMatch(/d\.csv: permanent error: no valid line: all 2 lines were skipped/);
    expect(r.err).not.toMatch(/skipped .*b\.gz/); // nothing of it was read as lines
    expect(r.out.trim().split('\n').length).toBeGreaterThan(0);
  });

  it('inflates in a worker thread with --inflate thread: the same alerts and the same error summary as inline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdr-thread-'));
    copyFileSync(PART, join(dir, 'a-good.gz'));
    const good = gzipSync(Buffer.from('x'.repeat(100000)));
    writeFileSync(join(dir, 'b-corrupt.gz'), Buffer.concat([good.subarray(0, 20), Buffer.alloc(64, 0xff)]));
    const inline = await cli(['replay', dir, '--format', 'ndjson', '--inflate', 'inline']);
    const thread = await cli(['replay', dir, '--format', 'ndjson', '--inflate', 'thread']);
    expect(thread.code).toBe(2);
    expect(thread.err).toMatch(/ thread_inflated=2 /);
    expect(inline.err).not.toMatch(/thread_inflated/);
    expect(thread.out.trim().split('\n').length).toBeGreaterThan(3);
    expect(thread.out).toBe(inline.out);
    const errors = (s: string) => s.split('\n').filter((l) => /error/.test(l) && !/MB\/s/.test(l));
    expect(errors(thread.err)).toEqual(errors(inline.err));
    expect(errors(thread.err).join('\n')).toMatch(/b-corrupt\.gz: permanent error/);
    expect((await cli(['replay', PART, '--inflate', 'sideways'])).code).toBe(1);
  });

  it('--inflate auto: a thread only for objects of 8 MiB or more, and only with 2 cores or more', () => {
    expect(inflatesInThread('auto', THREAD_MIN_BYTES, 2)).toBe(true);
    expect(inflatesInThread('auto', 1e9, 3)).toBe(true);
    expect(inflatesInThread('auto', THREAD_MIN_BYTES - 1, 8)).toBe(false);
    expect(inflatesInThread('auto', undefined, 8)).toBe(false);
    expect(inflatesInThread('auto', 1e9, 1)).toBe(false);
    expect(inflatesInThread('thread', 10, 1)).toBe(true);
    expect(inflatesInThread('inline', 1e9, 8)).toBe(false);
  });

  it('exits 1 on a bad context file, naming the bad entry by JSON path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdr-ctx-'));
    writeFileSync(join(dir, 'ctx.json'), JSON.stringify({ users: [{ userSid: 'nope' }] }));
    const r = await cli(['replay', PART, '--context', join(dir, 'ctx.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('$.users[0].userSid');
  });

  it('exits 1 on bad usage', async () => {
    expect((await cli(['replay', '--format', 'xml'])).code).toBe(1);
    expect((await cli(['frobnicate'])).code).toBe(1);
  });
});

describe('fdr-detect lint', () => {
  it('passes the shipped rule and rejects the verbatim seed with located diagnostics', async () => {
    const ok = await cli(['lint', join(SAMPLE_BATCHES, '..', '..', 'lambda', 'packs', 't1021-002', 't1021-002.cql')]);
    expect(ok.code).toBe(0);
    const seedPath = join(__dirname, '..', 'fixtures', 'seed', 't1021-002.logscale');
    expect(readFileSync(seedPath, 'utf8')).toContain('* | drop()');
    const bad = await cli(['lint', seedPath]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/t1021-002\.logscale:1:19: error/);
    expect(bad.err).toMatch(/t1021-002\.logscale:14:5: error\[drop-requires-fields\]/);
  });
});
