/**
 * The byte prefilters (event types, literal gates) must stay sound with the CQL functions: the pipeline run with
 * gates gives exactly the matches and alerts of a run that parses every candidate line.
 */
import { describe, expect, it } from 'vitest';
import { StaticContextStore } from '../../lambda/context/file';
import { processObject } from '../../lambda/pipeline';
import type { LoadedRule } from '../../lambda/rules/rule';
import { MemoryObjectSource } from '../../lambda/sources/file';
import { ruleOf } from '../support/rules';

const rule = (id: string, source: string): LoadedRule => ruleOf(id, source, /groupBy/.test(source) ? { window: '10m' } : {});

/** An object's aggregate contributions, comparable: rule, group values, bucket, events and distinct counts. */
const contributions = (r: Awaited<ReturnType<typeof processObject>>) =>
  r.aggregates.flatMap((a) =>
    [...a.groups.values()].flatMap((g) => [...g.buckets].map(([b, p]) => JSON.stringify([a.rule.meta.id, g.values, b, p.n, p.f]))),
  );

/** Rules whose every event type needs literals: the gates are in play. */
const GATED: LoadedRule[] = [
  rule('regex', '#event_simpleName = ProcessRollup2 | regex("(?<tool>psexec|paexec)(?<arch>64)?\\\\.exe", field=FileName, flags="i") | alert_type := "Tool"'),
  rule('wildcard', '#event_simpleName = ProcessRollup2 | wildcard(field=CommandLine, pattern="*\\\\ADMIN$*", ignoreCase=true) | lower(FileName, as=lf) | in(field=lf, values=["net.exe", "net1.exe"]) | alert_type := "NetAdmin"'),
  rule('cidr', '#event_simpleName = NetworkConnectIP4 | RemotePort = 445 | !cidr(RemoteAddressIP4, subnet=["10.0.0.0/8", "192.168.0.0/16", "::1"]) | alert_type := "External445"'),
  rule('test', '#event_simpleName = ProcessRollup2 | test(length(CommandLine) > 40) | CommandLine = "*-enc *" | alert_type := "LongEnc"'),
  rule('joined', '#event_simpleName = NetworkConnectIP4 | RemotePort = 445 | FileName =~ wildcard("python*", ignoreCase=true) | alert_type := "PySMB"'),
  rule('kelvin', '#event_simpleName = ProcessRollup2 | in(field=FileName, values=["kerberos.exe", "kit.exe"], ignoreCase=true) | alert_type := "Kerb"'),
  rule('match', '#event_simpleName = ProcessRollup2 | FileName match { "cmd.exe" => t := "1" ; /^power/i => t := "2" } | CommandLine = "*whoami*" | alert_type := "Shell"'),
  rule('aggregate', '#event_simpleName = NetworkConnectIP4 | RemotePort = 445 | groupBy([aid], function=count(RemoteAddressIP4, distinct=true, as=targets))'),
];

/** Plus rules that rewrite the fields they test: no literal requirement, every line of their types parsed. */
const ALL: LoadedRule[] = [
  ...GATED,
  rule('rename', 'in(field=#event_simpleName, values=[ProcessRollup2, SyntheticProcessRollup2]) | rename(field=ImageFileName, as=img) | img = "*\\\\Temp\\\\*" | format("%s@%s", field=[FileName, aid], as=who) | alert_type := "TempExec"'),
  rule('replace', '#event_simpleName = ProcessRollup2 | replace("\\\\\\\\", with="/", field=CommandLine, as=cl) | cl = "*//*/c$*" | alert_type := "UncC"'),
  rule('default', '#event_simpleName = NetworkConnectIP4 | default(field=RemotePort, value="445") | RemotePort = 445 | x := RemotePort * 2 | test(x == 890) | alert_type := "Default"'),
];

const AIDS = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];
const IMAGES = [
  '\\Device\\HarddiskVolume2\\Windows\\System32\\cmd.exe',
  '\\Device\\HarddiskVolume2\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  '\\Device\\HarddiskVolume2\\Windows\\System32\\net.exe',
  '\\Device\\HarddiskVolume2\\Windows\\System32\\NET1.EXE',
  '\\Device\\HarddiskVolume2\\Tools\\PsExec64.exe',
  '\\Device\\HarddiskVolume2\\Users\\x\\AppData\\Local\\Temp\\paexec.exe',
  '\\Device\\HarddiskVolume2\\Python311\\python.exe',
  '\\Device\\HarddiskVolume2\\Windows\\System32\\svchost.exe',
  '\\Device\\HarddiskVolume2\\Temp\\\u212Aerberos.exe',
  '\\Device\\HarddiskVolume2\\Temp\\KIT.exe',
];
const COMMANDS = [
  'cmd.exe /c whoami',
  'net use \\\\10.0.0.5\\ADMIN$ /user:corp\\admin',
  'net1 use \\\\srv\\admin$',
  'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA',
  'powershell -enc short',
  'copy x \\\\srv\\c$\\temp',
  'python.exe smbexec.py corp/alice@10.0.7.40',
  'svchost.exe -k netsvcs',
  '',
];
const REMOTES = ['10.0.7.40', '8.8.8.8', '192.168.1.10', '0:0:0:0:0:0:0:1', '2001:db8::5', '203.0.113.9'];

function syntheticEvents(n: number, seed: number): object[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const out: object[] = [];
  for (let i = 0; i < n; i++) {
    const aid = pick(AIDS);
    const pid = String(1000 + Math.floor(rnd() * 40));
    const r = rnd();
    const timestamp = String(1763630100000 + i * 10);
    if (r < 0.45) {
      const ev: Record<string, string> = { event_simpleName: rnd() < 0.85 ? 'ProcessRollup2' : 'SyntheticProcessRollup2', aid, TargetProcessId: pid, ImageFileName: pick(IMAGES), timestamp };
      const cmd = pick(COMMANDS);
      if (cmd !== '') ev.CommandLine = cmd;
      out.push(ev);
    } else if (r < 0.85) {
      const ev: Record<string, string> = { event_simpleName: 'NetworkConnectIP4', aid, ContextProcessId: pid, RemoteAddressIP4: pick(REMOTES), timestamp };
      if (rnd() < 0.9) ev.RemotePort = rnd() < 0.7 ? '445' : '443';
      if (rnd() < 0.2) ev.ContextBaseFileName = pick(['python.exe', 'svchost.exe', 'System']);
      out.push(ev);
    } else {
      out.push({ event_simpleName: 'DnsRequest', aid, ContextProcessId: pid, DomainName: 'psexec.example', timestamp });
    }
  }
  return out;
}

async function both(events: object[], rules: LoadedRule[]) {
  const source = MemoryObjectSource.ndjson('k', events);
  const run = (literalGates: boolean) => processObject({ bucket: null, key: 'k' }, { source, rules, context: new StaticContextStore(), literalGates });
  return { gated: await run(true), full: await run(false) };
}

describe('gated == ungated with the CQL functions', () => {
  it('every rule compiles with constrained event types (so the gates are in play)', () => {
    for (const r of ALL) expect(r.query.eventTypes, r.meta.id).not.toBeNull();
  });

  it('gives the same matches and alerts on synthetic FDR data, gating lines', async () => {
    const events = syntheticEvents(3000, 20251120);
    const { gated, full } = await both(events, GATED);
    expect(gated.matches).toBe(full.matches);
    expect(gated.alerts.map((a) => JSON.stringify(a))).toEqual(full.alerts.map((a) => JSON.stringify(a)));
    expect(contributions(gated)).toEqual(contributions(full));
    expect(contributions(full).length).toBeGreaterThan(0);
    expect(gated.stats.gated).toBeGreaterThan(500);
    const types = new Set(full.alerts.map((a) => a.alert_type));
    for (const t of ['Tool', 'NetAdmin', 'External445', 'LongEnc', 'PySMB', 'Kerb', 'Shell']) expect(types, t).toContain(t);
  });

  it('rules that rewrite the fields they test turn the gates off for their types, with the same result', async () => {
    const events = syntheticEvents(2000, 7);
    const { gated, full } = await both(events, ALL);
    expect(gated.matches).toBe(full.matches);
    expect(gated.alerts.map((a) => JSON.stringify(a))).toEqual(full.alerts.map((a) => JSON.stringify(a)));
    const types = new Set(full.alerts.map((a) => a.alert_type));
    for (const t of ['TempExec', 'UncC', 'Default']) expect(types, t).toContain(t);
  });

  it('a value that only matches through case folding (U+212A KELVIN SIGN) is not gated away', async () => {
    const aid = AIDS[0];
    const { gated, full } = await both(
      [{ event_simpleName: 'ProcessRollup2', aid, TargetProcessId: '1', ImageFileName: '\\Device\\HarddiskVolume2\\Tools\\\u212Aerberos.exe', timestamp: '1' }],
      GATED,
    );
    expect(full.alerts.map((a) => a.alert_type)).toEqual(['Kerb']);
    expect(gated.alerts.map((a) => a.alert_id)).toEqual(full.alerts.map((a) => a.alert_id));
  });
});
