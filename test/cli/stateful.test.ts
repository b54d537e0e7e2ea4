// replay and lint with stateful rule packs: state across every input of one replay, the rows a throttle or a
// shadow rule holds back shown on request, one table per rule, whole-pack lint.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as cli } from '../support/cli';
import { psexec, smb, STATEFUL_PACK, T0, targets } from '../support/stateful';

const dir = mkdtempSync(join(tmpdir(), 'fdr-stateful-cli-'));
const write = (name: string, events: object[]): string => {
  const p = join(dir, name);
  writeFileSync(p, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return p;
};
const netUse = { event_simpleName: 'ProcessRollup2', aid: 'a'.repeat(32), timestamp: String(T0), ImageFileName: '\\Device\\HarddiskVolume3\\Windows\\System32\\net.exe', CommandLine: 'net use \\\\10.0.7.40\\C$', TargetProcessId: '7' };
const first = write('fan-1.json', targets(6).map((t, i) => smb(T0 + i * 5000, t)));
const second = write('fan-2.json', targets(4, 16).map((t, i) => smb(T0 + 60_000 + i * 5000, t)));
const launches = write('psexec.json', [psexec(T0), psexec(T0 + 60_000), netUse]);

describe('replay with stateful rules', () => {
  it('keeps aggregate state across inputs: a fan-out split over two files fires once, shown as its group row', async () => {
    const r = await cli(['replay', '--rules', STATEFUL_PACK, first, second]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^\| @timestamp\s+\| aid\s+\| ContextProcessId\s+\| targets\s+\| RemoteAddressIP4\s+\| alert_type\s+\|$/);
    expect(lines.filter((l) => l.includes('SmbFanOut'))).toHaveLength(1);
    expect(r.err).toMatch(/alerts=1 .*aggregate_firings=1/);
    // Each file alone is below the threshold.
    expect((await cli(['replay', '--rules', STATEFUL_PACK, second])).err).toMatch(/alerts=0 /);
  });

  it('the same input given twice is one alert (one alert id, as the dedupe table would publish it)', async () => {
    const r = await cli(['replay', '--rules', STATEFUL_PACK, '--format', 'ndjson', first, second, second]);
    const alerts = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(alerts.map((a) => a.alert_type)).toEqual(['SmbFanOut']);
  });

  it('hides throttled matches and shadow alerts unless asked, then shows why, one table per rule', async () => {
    const plain = await cli(['replay', '--rules', STATEFUL_PACK, launches]);
    expect(plain.out.match(/PsExecLaunch/g)).toHaveLength(1);
    expect(plain.out).not.toContain('NetUseShadow');
    expect(plain.err).toMatch(/alerts=1 .*throttled=1 shadow=1 /);

    const all = await cli(['replay', '--rules', STATEFUL_PACK, '--include-throttled', '--include-shadow', launches]);
    expect(all.out).toMatch(/^test-netuse-shadow: net use, tried in shadow mode \(test\) \(1 rows\)$/m);
    expect(all.out).toMatch(/^test-psexec-throttled: PsExec launch, one alert per host per hour \(test\) \(2 rows\)$/m);
    expect(all.out).toMatch(/\| NetUseShadow \| shadow\s+\|/);
    expect(all.out).toMatch(/\| PsExecLaunch \| throttled: one PsExecLaunch alert per aid per 1h \|/);

    const nd = await cli(['replay', '--rules', STATEFUL_PACK, '--include-throttled', '--format', 'ndjson', launches]);
    const rows = nd.out.trim().split('\n').map((l) => JSON.parse(l));
    const held = rows.find((a) => a.throttled);
    expect(held.throttled.held_by).toBe(rows.find((a) => a.alert_type === 'PsExecLaunch' && !a.throttled).alert_id);
  });

  it('several --rules packs load together', async () => {
    const r = await cli(['replay', '--rules', STATEFUL_PACK, '--rules', join(__dirname, '..', '..', 'lambda', 'packs', 't1021-002'), launches]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PsExecExecution'); // the shipped rule
    expect(r.out).toContain('PsExecLaunch'); // the test pack's
  });
});

describe('lint of a whole pack', () => {
  it('checks metadata, queries and sample cases of every rule', async () => {
    const r = await cli(['lint', STATEFUL_PACK]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/smb-fanout\.cql: ok \(test-smb-fanout, alert, \d+ sample cases\)/);
    expect(r.out).toMatch(/netuse-shadow\.cql: ok \(test-netuse-shadow, shadow, \d+ sample cases\)/);
  });

  it('fails on a sample case whose alerts differ, and on a metadata problem, with the place', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'fdr-broken-pack-'));
    cpSync(STATEFUL_PACK, broken, { recursive: true });
    const samples = join(broken, 'smb-fanout.samples.json');
    const doc = JSON.parse(readFileSync(samples, 'utf8'));
    doc.cases.find((c: { name: string }) => c.name === '9 distinct targets').expect = ['SmbFanOut'];
    writeFileSync(samples, JSON.stringify(doc));
    const r = await cli(['lint', broken]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(broken, 'smb-fanout.cql')}: samples: case "9 distinct targets": expected [SmbFanOut], got []`);

    const meta = join(broken, 'psexec-throttled.json');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace('"1h"', '"soon"'));
    const m = await cli(['lint', broken]);
    expect(m.code).toBe(1);
    expect(m.err).toContain(`${meta}: $.throttle.period: must match pattern`);
  });
});
