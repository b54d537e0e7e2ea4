// The T1021.002 pack (lambda/packs/t1021-002) beyond what each sample case's expected alert types show: the contract's
// alert types and severities, severity overrides, the evidence each record carries, which type wins when several
// match one process start, the default suppression policy and throttles as pack data, the fan-out's quiet group, HTML-
// safe escapes in lines, the generated sample files, and the README's detection table against the guides.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fdrNdjson } from '../../events/fdr-shapes';
import { packSamples, PACK_DIR } from '../../events/make-pack-samples';
import { outputFieldNames } from '../../lambda/alerts/record';
import type { AlertRecord } from '../../lambda/alerts/types';
import { StaticContextStore } from '../../lambda/context/file';
import { policyOf } from '../../lambda/context/policy';
import type { ContextFile } from '../../lambda/context/types';
import { declaredAlertTypes, loadRulePacks } from '../../lambda/packs/loader';
import { readSamples, type SampleCase } from '../../lambda/packs/samples';
import { processObject } from '../../lambda/pipeline';
import type { LoadedRule } from '../../lambda/rules/rule';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { applyState } from '../../lambda/stateful/index';
import { MemoryStateStore } from '../../lambda/stores/state-memory';
import { FileObjectSource } from '../../lambda/sources/file';
import { runCli } from '../support/cli';

const rules = loadRulePacks([PACK_DIR]);
const rule = (id: string): LoadedRule => rules.find((r) => r.meta.id === id)!;
const caseOf = (ruleId: string, name: string): SampleCase => {
  const c = readSamples(rule(ruleId)).find((x) => x.name === name);
  if (!c) throw new Error(`no sample case "${name}" in ${ruleId}`);
  return c;
};
const objectsOf = (c: SampleCase) => c.objects ?? [c.events!];

interface Outcome {
  publish: AlertRecord[];
  throttled: AlertRecord[];
  suppressed: AlertRecord[];
  matches: number;
}

/** Objects through the pipeline and the stateful stage, state in memory, as replay and the Lambda run them. */
async function run(
  with_: readonly LoadedRule[],
  objects: readonly Record<string, unknown>[][],
  o: { context?: ContextFile; escaped?: boolean; gates?: boolean } = {},
): Promise<Outcome> {
  const context = new StaticContextStore(o.context ?? {});
  const policy = policyOf(with_);
  const store = new MemoryStateStore();
  const out: Outcome = { publish: [], throttled: [], suppressed: [], matches: 0 };
  for (const [i, events] of objects.entries()) {
    const key = `data/case/part-${i}.gz`;
    const source = o.escaped ? new MemoryObjectSource(new Map([[key, fdrNdjson(events)]])) : MemoryObjectSource.ndjson(key, events);
    const res = await processObject({ bucket: 'b', key }, { source, rules: [...with_], context, policy, literalGates: o.gates ?? true });
    expect(res.stats.error).toBeUndefined();
    const st = await applyState(res, { store, context, policy });
    out.publish.push(...st.publish);
    out.throttled.push(...st.throttled);
    out.suppressed.push(...res.suppressed, ...st.suppressed);
    out.matches += res.matches + st.fired;
  }
  return out;
}
const runCase = (ruleId: string, name: string, o: Parameters<typeof run>[2] = {}) => run([rule(ruleId)], objectsOf(caseOf(ruleId, name)), o);

describe('the T1021.002 pack: alert types', () => {
  it('declares every alert type of the contract once, with its severity and technique', () => {
    const declared: Record<string, string> = {};
    for (const r of rules) {
      expect(r.meta.technique).toBe('T1021.002');
      for (const t of declaredAlertTypes(r.meta)) declared[t] = r.meta.severity[t];
    }
    expect(declared).toEqual({
      PsExecExecution: 'medium',
      NetUseAdminShare: 'medium',
      AdminShareCommand: 'medium',
      AdminShareFileWrite: 'medium',
      SMB445Connection: 'medium',
      SMB445FanOut: 'high',
      RemoteExecService: 'high',
      RemoteExecChild: 'high',
      ImpacketExecRedirect: 'high',
      SuspiciousServiceCreated: 'high',
      AdminShareOpened: 'medium',
      ExecOfSmbWrittenFile: 'high',
    });
  });

  it('has a guide for every alert type whose evidence fields the records carry', () => {
    const fixed = ['ComputerName', 'UserName', 'UserSid', 'FileName', 'CommandLine', 'RemoteAddressIP4', 'RemotePort'];
    for (const r of rules) {
      const outputs = new Set([...fixed, ...outputFieldNames(r), ...(r.query.aggregate?.outputs ?? [])]);
      for (const t of declaredAlertTypes(r.meta)) {
        const g = r.meta.guide?.[t];
        expect(g, `${r.meta.id} ${t}`).toBeDefined();
        for (const k of ['summary', 'why', 'falsePositives', 'tuning'] as const) expect(g![k].length, `${t}.${k}`).toBeGreaterThan(20);
        expect(g!.evidence?.length, `${t}.evidence`).toBeGreaterThan(2);
        for (const f of g!.evidence ?? []) expect(outputs.has(f), `${t}: evidence ${f} is not in its records`).toBe(true);
      }
    }
  });

  it('says low for SMB445Connection when the process is unresolved, medium otherwise', async () => {
    for (const c of readSamples(rule('t1021-002-smb445')).filter((x) => x.expect.length > 0)) {
      const { publish } = await run([rule('t1021-002-smb445')], objectsOf(c));
      for (const a of publish) expect([c.name, a.severity]).toEqual([c.name, a.attribution === 'unresolved' ? 'low' : 'medium']);
    }
    const unresolved = await runCase('t1021-002-smb445', 'ContextBaseFileName empty and no process start: alerts low, unresolved');
    expect(unresolved.publish.map((a) => [a.severity, a.attribution, a.FileName])).toEqual([['low', 'unresolved', null]]);
  });

  it('says medium for ExecOfSmbWrittenFile when the user is a machine account, high otherwise', async () => {
    const machine = await runCase('t1021-002-exec-smb-file', 'a program written by a machine account (SCCM client push) and executed: alerts (medium)');
    expect(machine.publish.map((a) => [a.severity, a.UserName])).toEqual([['medium', 'SRV-SCCM01$']]);
    const lower = await runCase('t1021-002-exec-smb-file', 'a machine account in lower case (wks-hr03$): alerts (medium)');
    expect(lower.publish.map((a) => a.severity)).toEqual(['medium']);
    const user = await runCase('t1021-002-exec-smb-file', 'PSEXESVC.exe written over SMB and executed (the process joined from its later process start)');
    expect(user.publish.map((a) => [a.severity, a.UserName, a.FileName, a.RemoteAddressIP4, a.fields.ClientComputerName])).toEqual([
      ['high', 'Administrator', 'PSEXESVC.exe', '10.0.66.6', 'WIN-3KQ9T2'],
    ]);
  });
});

describe('the T1021.002 pack: evidence in the records', () => {
  it('names the share, the client address (IPv4 or IPv6) and keeps a UPN user as written', async () => {
    const v6 = await runCase('t1021-002-admin-share-opened', 'C$ from a remote IPv6 address');
    expect(v6.publish.map((a) => [a.fields.SmbShareName, a.fields.RemoteAddressIP6, a.RemoteAddressIP4])).toEqual([['C$', 'fd00:0:0:0:0:0:5:23', null]]);
    const upn = await runCase('t1021-002-admin-share-opened', 'a UPN user name (Entra ID) from a remote address');
    expect(upn.publish.map((a) => [a.UserName, a.context.names.UserName, a.RemoteAddressIP4])).toEqual([['person@dom1.com', 'event', '10.0.5.23']]);
    const lower = await runCase('t1021-002-admin-share-opened', 'd$ in lower case');
    expect(lower.publish[0].fields.SmbShareName).toBe('D$');
  });

  it('names the service and its image path, the written file, the parent process', async () => {
    const svc = await runCase('t1021-002-service-created', 'Impacket psexec.py: %systemroot%\\<8 letters>.exe, 4-letter service name');
    expect(svc.publish.map((a) => [a.fields.ServiceDisplayName, a.fields.ServiceImagePath])).toEqual([['WxYz', '%systemroot%\\QwErTyUi.exe']]);
    const write = await runCase('t1021-002-admin-share-write', 'PsExec64.exe copies PSEXESVC.exe to \\\\SRV-DB01\\ADMIN$ (PeFileWritten names the writer)');
    expect(write.publish.map((a) => [a.FileName, a.fields.TargetFileName, a.attribution])).toEqual([['PsExec64.exe', '\\Device\\Mup\\SRV-DB01\\ADMIN$\\PSEXESVC.exe', 'event']]);
    const child = await runCase('t1021-002-smb-admin-shares', 'cmd.exe started by PSEXESVC.exe');
    expect(child.publish.map((a) => [a.alert_type, a.FileName, a.fields.ParentBaseFileName, a.UserName])).toEqual([['RemoteExecChild', 'cmd.exe', 'PSEXESVC.exe', 'SYSTEM']]);
  });

  it('a fan-out names the process, the distinct count and a capped list of targets', async () => {
    const burst = await runCase('t1021-002-smb445-fanout-process', '25 targets within 5 minutes: one alert (the group is quiet for the rest of its window)');
    expect(burst.publish).toHaveLength(1);
    const a = burst.publish[0];
    expect([a.alert_type, a.severity, a.FileName]).toEqual(['SMB445FanOut', 'high', 'nxc.exe']);
    expect(Number(a.fields.TargetCount)).toBeGreaterThanOrEqual(10);
    expect(a.fields.RemoteAddress!.split(', ')).toHaveLength(Number(a.fields.TargetCount));
    const host = await run([rule('t1021-002-smb445-fanout-host')], objectsOf(caseOf('t1021-002-smb445-fanout-host', '10 IPv4 and 10 IPv6 targets')));
    expect(host.publish.map((x) => [x.fields.TargetCount, x.fields.Process])).toEqual([['20', 'System']]);
    expect(host.publish[0].fields.RemoteAddress).toContain('fd00:0:0:0:0:0:7:10');
    // The list is capped: 30 targets, 25 listed, all counted.
    const many = await run([rule('t1021-002-smb445-fanout-host')], objectsOf(caseOf('t1021-002-smb445-fanout-host', '30 targets from one process (alone, this rule fires too)')));
    expect(many.publish[0].fields.RemoteAddress!.split(', ')).toHaveLength(25);
  });
});

describe('the T1021.002 pack: one alert per process start, in the contract order', () => {
  const S32 = '\\Device\\HarddiskVolume3\\Windows\\System32\\';
  const pr2 = (image: string, cmd: string, parent: string) => ({
    event_simpleName: 'ProcessRollup2', aid: 'a'.repeat(32), timestamp: '1795000000000', TargetProcessId: '4611686018427387905', UserSid: 'S-1-5-18',
    ImageFileName: image, CommandLine: cmd, ParentBaseFileName: parent,
  });
  const wmiexec = 'cmd.exe /Q /c cd 1> \\\\127.0.0.1\\ADMIN$\\__1795170123.45 2>&1';
  const cases: [string, ReturnType<typeof pr2>, string][] = [
    // Matches RemoteExecChild, ImpacketExecRedirect's command line and AdminShareCommand.
    ['a child of PSEXESVC.exe running the wmiexec command line', pr2(`${S32}cmd.exe`, wmiexec, 'PSEXESVC.exe'), 'RemoteExecChild'],
    // ImpacketExecRedirect and AdminShareCommand.
    ['the wmiexec command line under WmiPrvSE.exe', pr2(`${S32}cmd.exe`, wmiexec, 'WmiPrvSE.exe'), 'ImpacketExecRedirect'],
    ['the same under cmd.exe', pr2(`${S32}cmd.exe`, wmiexec, 'cmd.exe'), 'AdminShareCommand'],
    // PsExecExecution (a PsExec that is also a child of PsExec's service) — RemoteExecChild first.
    ['PsExec.exe started by PSEXESVC.exe', pr2('\\Device\\HarddiskVolume3\\Tools\\PsExec.exe', 'PsExec.exe \\\\h2 cmd', 'PSEXESVC.exe'), 'RemoteExecChild'],
    // NetUseAdminShare and a redirect to an admin share: NetUseAdminShare (net.exe is not a shell).
    ['net use with its output redirected to C$', pr2(`${S32}net.exe`, 'net use \\\\h\\C$ > \\\\h\\C$\\o.txt', 'cmd.exe'), 'NetUseAdminShare'],
    // RemoteExecService: an 8-letter service binary that is also named like a copy tool's argument.
    ['the psexec.py binary started with an admin share in its command line', pr2('\\Device\\HarddiskVolume3\\Windows\\AbCdEfGh.exe', 'C:\\Windows\\AbCdEfGh.exe \\\\h\\C$', 'services.exe'), 'RemoteExecService'],
  ];
  for (const [name, event, expected] of cases) {
    it(name, async () => {
      const { publish } = await run([rule('t1021-002-smb-admin-shares')], [[event]]);
      expect(publish.map((a) => a.alert_type)).toEqual([expected]);
    });
  }
});

describe('the T1021.002 pack: default suppression policy (pack data)', () => {
  const JUMP = { aid: '6f1c2a9e4b7d4c0e9a1b2c3d4e5f6a7b', computerName: 'WKS-FIN07', tags: ['it-admin'], reason: 'test' };
  const ALICE = { userSid: 'S-1-5-21-1111111111-2222222222-3333333333-1105', userName: 'CORP\\alice', tags: ['psexec-sanctioned'], reason: 'test' };
  const source: [string, string, string][] = [
    ['t1021-002-smb-admin-shares', 'PsExec.exe launched', 'PsExecExecution'],
    ['t1021-002-smb-admin-shares', 'net use to ADMIN$', 'NetUseAdminShare'],
    ['t1021-002-smb-admin-shares', 'copy a tool to C$', 'AdminShareCommand'],
    ['t1021-002-admin-share-write', 'an older sensor: NewExecutableWritten without a name, the writer joined from its earlier process start', 'AdminShareFileWrite'],
  ];
  for (const [ruleId, name, type] of source) {
    it(`${type}: suppressed when the user carries psexec-sanctioned and the source host it-admin, not for either alone`, async () => {
      const both = await runCase(ruleId, name, { context: { users: [ALICE], hosts: [JUMP] } });
      expect(both.publish).toEqual([]);
      expect(both.suppressed.map((a) => [a.alert_type, a.suppressed?.reason])).toEqual([[type, expect.stringMatching(/psexec-sanctioned/)]]);
      expect(both.matches).toBe(1); // counted, visible with --include-suppressed
      expect((await runCase(ruleId, name, { context: { users: [ALICE] } })).publish.map((a) => a.alert_type)).toEqual([type]);
      expect((await runCase(ruleId, name, { context: { hosts: [JUMP] } })).publish.map((a) => a.alert_type)).toEqual([type]);
    });
  }

  const smb: [string, string][] = [
    ['t1021-002-smb445', 'powershell.exe (Invoke-SMBExec) on 445, named by ContextBaseFileName'],
    ['t1021-002-smb445-fanout-process', '12 distinct targets within 4 minutes from one process'],
    ['t1021-002-smb445-fanout-host', '20 targets from System (kernel SMB: PsExec against a host list)'],
  ];
  for (const [ruleId, name] of smb) {
    it(`${ruleId}: suppressed when the source host carries monitoring, backup or scanner`, async () => {
      for (const tag of ['monitoring', 'backup', 'scanner']) {
        const r = await runCase(ruleId, name, { context: { hosts: [{ ...JUMP, tags: [tag] }] } });
        expect([tag, r.publish.length, r.suppressed.length]).toEqual([tag, 0, 1]);
      }
      expect((await runCase(ruleId, name, { context: { hosts: [JUMP] } })).publish).toHaveLength(1);
    });
  }

  const remote: [string, string, string][] = [
    ['t1021-002-admin-share-opened', 'ADMIN$ opened from a host without Falcon', '10.0.66.6'],
    ['t1021-002-exec-smb-file', 'PSEXESVC.exe written over SMB and executed (the process joined from its later process start)', '10.0.66.6'],
  ];
  for (const [ruleId, name, ip] of remote) {
    it(`${ruleId}: suppressed when the remote host, found by the event's address only, carries it-admin`, async () => {
      const byIp = await runCase(ruleId, name, { context: { hosts: [{ computerName: 'SRV-PDQ01', ips: [ip], tags: ['it-admin'], reason: 'deployment server' }] } });
      expect([byIp.publish.length, byIp.suppressed.length]).toEqual([0, 1]);
      expect(byIp.suppressed[0].suppressed?.entry).toMatchObject({ remoteHost: { computerName: 'SRV-PDQ01' } });
      // The name the client gives itself is never trusted: an it-admin entry named like the client, another address.
      const byName = await runCase(ruleId, name, { context: { hosts: [{ computerName: 'WIN-3KQ9T2', ips: ['10.0.5.99'], tags: ['it-admin'], reason: 'x' }] } });
      expect(byName.publish).toHaveLength(1);
      // The event's own host carrying it-admin does not suppress it either.
      const own = await runCase(ruleId, name, { context: { hosts: [{ aid: '5e6f7a8b9c0d41e2f3a4b5c6d7e8f9a0', computerName: 'SRV-APP02', tags: ['it-admin'], reason: 'x' }] } });
      expect(own.publish).toHaveLength(1);
    });
  }

  it('the other target-side types are not suppressed by default, whatever the tags', async () => {
    const context: ContextFile = {
      users: [ALICE],
      hosts: [
        { aid: '5e6f7a8b9c0d41e2f3a4b5c6d7e8f9a0', computerName: 'SRV-APP02', tags: ['it-admin', 'monitoring', 'backup', 'scanner'], reason: 'x' },
        { computerName: 'X', ips: ['10.0.66.6'], tags: ['it-admin'], reason: 'x' },
      ],
    };
    const target: [string, string][] = [
      ['t1021-002-smb-admin-shares', 'PsExec service: PSEXESVC.exe started by services.exe'],
      ['t1021-002-smb-admin-shares', 'cmd.exe started by PSEXESVC.exe'],
      ['t1021-002-smb-admin-shares', 'Impacket wmiexec.py: cmd.exe /Q /c … 1> \\\\127.0.0.1\\ADMIN$\\__<time> 2>&1 under WmiPrvSE.exe'],
      ['t1021-002-service-created', 'PsExec: %SystemRoot%\\PSEXESVC.exe'],
    ];
    for (const [ruleId, name] of target) {
      const r = await runCase(ruleId, name, { context });
      expect([name, r.publish.length, r.suppressed.length]).toEqual([name, 1, 0]);
    }
  });
});

describe('the T1021.002 pack: throttles and windows (pack data)', () => {
  it('one page per host, alert type and command line per hour for process starts; per host and process for SMB445Connection; per host, address and share for AdminShareOpened', () => {
    const plan = Object.fromEntries(rules.map((r) => [r.meta.id, Object.fromEntries([...r.throttles].map(([k, t]) => [k, `${t.fields.join(',')}/${t.period}`]))]));
    expect(plan).toEqual({
      't1021-002-exec-smb-file': {},
      't1021-002-service-created': {},
      't1021-002-admin-share-opened': { '*': 'aid,RemoteAddress,SmbShareName/1h' },
      't1021-002-admin-share-write': {},
      't1021-002-smb445-fanout-host': {},
      't1021-002-smb445-fanout-process': {},
      't1021-002-smb445': { '*': 'aid,FileName/1h' },
      't1021-002-smb-admin-shares': { '*': 'aid,CommandLine/1h' },
    });
    for (const id of ['t1021-002-smb445-fanout-host', 't1021-002-smb445-fanout-process']) {
      expect(rule(id).aggregate).toMatchObject({ window: '10m', windowMs: 600_000, quietMs: 600_000, quietGroup: { name: 't1021-002-smb445-fanout', fields: ['aid'] } });
    }
  });

  it('a throttled match keeps its record: counted, held back with the slot that holds it', async () => {
    const r = await runCase('t1021-002-smb-admin-shares', 'the same PsExec command three times within the hour on one host: one alert');
    expect(r.publish).toHaveLength(1);
    expect(r.throttled.map((a) => a.throttled?.held_by)).toEqual([r.publish[0].alert_id, r.publish[0].alert_id]);
  });
});

describe('the T1021.002 pack: SMB445FanOut per process and per host, one detection', () => {
  const fanout = [rule('t1021-002-smb445-fanout-process'), rule('t1021-002-smb445-fanout-host')];

  it('a burst over both thresholds raises one alert, the per-process one, which names the process', async () => {
    const r = await run(fanout, objectsOf(caseOf('t1021-002-smb445-fanout-host', '30 targets from one process (alone, this rule fires too)')));
    expect(r.publish.map((a) => [a.rule_id, a.FileName])).toEqual([['t1021-002-smb445-fanout-process', 'nxc.exe']]);
  });

  it('a host-wide burst of many processes raises the per-host alert', async () => {
    const r = await run(fanout, objectsOf(caseOf('t1021-002-smb445-fanout-host', '20 targets from 20 processes within 4 minutes')));
    expect(r.publish.map((a) => a.rule_id)).toEqual(['t1021-002-smb445-fanout-host']);
    expect(r.publish[0].fields.Process).toBe('cmd.exe');
  });

  it('12 targets of one process split across two objects raise one alert, in the second', async () => {
    const c = caseOf('t1021-002-smb445-fanout-process', '12 targets split over two objects (6 + 6)');
    const store = new MemoryStateStore();
    const context = new StaticContextStore();
    const fired: number[] = [];
    for (const [i, events] of objectsOf(c).entries()) {
      const res = await processObject({ bucket: 'b', key: `k${i}` }, { source: MemoryObjectSource.ndjson(`k${i}`, events), rules: fanout, context });
      fired.push((await applyState(res, { store, context, policy: [] })).publish.length);
    }
    expect(fired).toEqual([0, 1]);
  });
});

describe('the T1021.002 pack: lines as FDR writes them', () => {
  it('every sample case gives the same alerts from HTML-safe escaped lines (\\u003d \\u003c \\u003e \\u0026), gated or not', async () => {
    const view = (o: Outcome) => [...o.publish, ...o.throttled].map((a) => [a.alert_id, a.alert_type, a.severity, a.attribution, a.CommandLine, JSON.stringify(a.fields)]);
    let escapedCases = 0;
    for (const r of rules) {
      for (const c of readSamples(r)) {
        const objects = objectsOf(c);
        if (objects.some((evs) => fdrNdjson(evs).includes('\\u00'))) escapedCases++;
        const plain = view(await run([r], objects));
        expect(view(await run([r], objects, { escaped: true })), `${r.meta.id}: ${c.name}`).toEqual(plain);
        expect(view(await run([r], objects, { escaped: true, gates: false })), `${r.meta.id}: ${c.name} (ungated)`).toEqual(plain);
      }
    }
    expect(escapedCases).toBeGreaterThan(10);
  });
});

describe('the T1021.002 pack on the bundled sample batches', () => {
  const DATA = join(__dirname, '..', '..', 'events', 'fdr', 'data');
  const parts = readdirSync(DATA).sort().map((d) => join(DATA, d, 'part-00000.gz'));

  it('the byte prefilters stay sound: gated and ungated pipelines give the same alerts and aggregate contributions', async () => {
    const all = loadRulePacks();
    const source = new FileObjectSource();
    const contributions = (res: Awaited<ReturnType<typeof processObject>>) =>
      res.aggregates.map((a) => [a.rule.meta.id, [...a.groups.values()].map((g) => [g.values, [...g.buckets.entries()].map(([b, p]) => [b, p.n, p.f])])]);
    let gatedLines = 0;
    for (const key of parts) {
      const run = (literalGates: boolean) => processObject({ bucket: null, key }, { source, rules: all, context: new StaticContextStore(), literalGates });
      const [gated, full] = [await run(true), await run(false)];
      expect(gated.alerts.map((a) => JSON.stringify(a)), key).toEqual(full.alerts.map((a) => JSON.stringify(a)));
      expect(JSON.stringify(contributions(gated)), key).toBe(JSON.stringify(contributions(full)));
      gatedLines += gated.stats.gated ?? 0;
    }
    expect(gatedLines).toBeGreaterThan(0);
    // The later batches are written as FDR writes lines: = < > & escaped.
    const { gunzipSync } = await import('node:zlib');
    expect(parts.filter((p) => gunzipSync(readFileSync(p)).toString('utf8').includes('2\\u003e\\u00261')).length).toBeGreaterThan(0);
  });

  it("the README's quick-start output is what `npm run replay` prints", async () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## What it detects'));
    const block = quick.slice(quick.indexOf('```\nt1021-002'), quick.lastIndexOf('```'));
    const shown = block.split('\n').filter((l) => /^(t1021-002|\| 20\d\d-)/.test(l));
    expect(shown.length).toBeGreaterThan(15);
    const r = await runCli(['replay']);
    expect(r.code).toBe(0);
    const printed = new Set(r.out.split('\n'));
    for (const l of shown) expect(printed.has(l), l).toBe(true);
    const summary = block.split('\n').find((l) => l.startsWith('objects='))!;
    expect(r.err).toContain(summary.slice(0, summary.indexOf(' in ')));
  });
});

describe('the T1021.002 pack: generated files and docs', () => {
  it('the sample files are what events/make-pack-samples.ts writes (npx tsx events/make-pack-samples.ts)', () => {
    for (const [file, text] of Object.entries(packSamples())) expect(readFileSync(join(PACK_DIR, file), 'utf8'), file).toBe(text);
  });

  it("the README's detection table has a row per alert type with its severity, and its guide's false positives and tuning", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## What it detects'), readme.indexOf('\n## ', readme.indexOf('## What it detects') + 5));
    const rows = new Map(
      section
        .split('\n')
        .filter((l) => /^\| [A-Z][A-Za-z0-9]+ \|/.test(l))
        .map((l) => {
          const cells = l.split(/(?<!\\)\|/).slice(1, -1).map((x) => x.trim().replace(/\\\|/g, '|'));
          return [cells[0], cells] as const;
        }),
    );
    const types = rules.flatMap((r) => declaredAlertTypes(r.meta).map((t) => [t, r] as const));
    expect([...rows.keys()].sort()).toEqual([...new Set(types.map(([t]) => t))].sort());
    const plain = (s: string) => s.replace(/`/g, '').replace(/\*\*/g, '');
    for (const [t, r] of types) {
      const cells = rows.get(t)!;
      const g = r.meta.guide![t];
      expect(cells[3], `${t} severity`).toMatch(new RegExp(`^\\**${r.meta.severity[t]}`));
      expect(plain(cells[4]), `${t} false positives`).toBe(g.falsePositives);
      expect(plain(cells[5]), `${t} tuning`).toBe(g.tuning);
    }
  });
});
