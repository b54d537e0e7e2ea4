import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFile } from '../../bench/generate';
import { StaticContextStore } from '../../lambda/context/file';
import { literalGates, processObject } from '../../lambda/pipeline';
import { loadRulePacks } from '../../lambda/packs/loader';
import { FileObjectSource, MemoryObjectSource } from '../../lambda/sources/file';
import { ruleOf } from '../support/rules';

const rules = loadRulePacks();

async function both(source: FileObjectSource | MemoryObjectSource, key: string) {
  const run = (literalGates: boolean) => processObject({ bucket: null, key }, { source, rules, context: new StaticContextStore(), literalGates });
  return { gated: await run(true), full: await run(false) };
}

describe('literal gates (second-stage prefilter)', () => {
  it('derive a gate per rule event type, and join-only extraction for process starts', () => {
    const gates = literalGates(rules)!;
    expect([...gates.keys()].sort()).toEqual([
      'AgentOnline', 'CreateService', 'HostnameChanged', 'ModifyServiceBinary', 'NetworkConnectIP4', 'NetworkConnectIP6', 'NewExecutableWritten',
      'PeFileWritten', 'ProcessExecOnSMBFile', 'ProcessRollup2', 'SmbServerShareOpenedEtw', 'SyntheticProcessRollup2', 'UserIdentity', 'UserLogon',
    ]);
    // No shipped rule matches an identity event: every one only names users and hosts, read from its text.
    expect(gates.get('UserLogon')!.keep!('{"UserName":"psexec"}')).toBe(false);
    expect(gates.get('UserLogon')!.partial).toBe(true);
    expect(gates.get('NetworkConnectIP4')!.keep!('{"RemotePort":"445"}')).toBe(true);
    expect(gates.get('NetworkConnectIP4')!.keep!('{"RemotePort":"443"}')).toBe(false);
    expect(gates.get('NetworkConnectIP6')!.keep!('{"RemotePort":"443"}')).toBe(false);
    // A file write is parsed only when its bytes name an admin share under \Device\Mup\ (as JSON writes the backslashes).
    expect(gates.get('PeFileWritten')!.keep!(String.raw`{"TargetFileName":"\\Device\\Mup\\srv\\ADMIN$\\x.exe"}`)).toBe(true);
    expect(gates.get('PeFileWritten')!.keep!(String.raw`{"TargetFileName":"\\Device\\HarddiskVolume3\\Windows\\x.exe"}`)).toBe(false);
    // A process start of no interest is settled on its bytes.
    expect(gates.get('ProcessRollup2')!.keep!(String.raw`{"ImageFileName":"\\Device\\HarddiskVolume3\\Windows\\System32\\notepad.exe","ParentBaseFileName":"explorer.exe"}`)).toBe(false);
    expect(gates.get('ProcessRollup2')!.partial).toBe(true);
    expect(gates.get('NetworkConnectIP4')!.partial).toBe(false);
  });

  it('give exactly the alerts of a full parse on realistic synthetic FDR data, parsing far fewer lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gates-'));
    const file = ensureFile(join(dir, 'fdr.json.gz'), 8_000_000, 4242, false);
    const { gated, full } = await both(new FileObjectSource(), file.path);
    expect(full.alerts.length).toBeGreaterThan(2);
    const view = (r: typeof gated) => r.alerts.map((a) => JSON.stringify(a));
    expect(view(gated)).toEqual(view(full));
    expect(gated.stats.lines).toBe(full.stats.lines);
    expect(gated.stats.candidates).toBeLessThan(full.stats.candidates / 3);
    expect(gated.stats.gated).toBeGreaterThan(0);
    expect(readFileSync(file.path).length).toBeGreaterThan(0);
  });

  it('keep joins working through process lines that failed the gate (command line and user kept)', async () => {
    const aid = 'a'.repeat(32);
    const events = [
      { event_simpleName: 'ProcessRollup2', aid, TargetProcessId: '77', ImageFileName: '\\Device\\HarddiskVolume2\\Tools\\scanner.exe', CommandLine: 'scanner.exe "10.0.0.0/8" \\\\x', UserSid: 'S-1-5-21-1-2-3-9', timestamp: '1' },
      { event_simpleName: 'NetworkConnectIP4', aid, ContextProcessId: '77', RemotePort: '445', RemoteAddressIP4: '10.0.0.9', timestamp: '2' },
      { event_simpleName: 'NetworkConnectIP4', aid, ContextProcessId: '78', RemotePort: '445', timestamp: '3' },
      { event_simpleName: 'SyntheticProcessRollup2', aid, TargetProcessId: '78', ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\System32\\svchost.exe', timestamp: '0' },
    ];
    const { gated, full } = await both(MemoryObjectSource.ndjson('k', events), 'k');
    expect(gated.alerts.map((a) => [a.FileName, a.CommandLine, a.UserSid, a.attribution])).toEqual([
      ['scanner.exe', 'scanner.exe "10.0.0.0/8" \\\\x', 'S-1-5-21-1-2-3-9', 'joined'],
    ]);
    expect(gated.alerts.map((a) => a.alert_id)).toEqual(full.alerts.map((a) => a.alert_id));
    expect(gated.stats.gated).toBe(2);
  });
});

describe('literal gates on tricky bytes: gated and ungated agree', () => {
  const aid = 'b'.repeat(32);
  const nc = (pid: string) => ({ event_simpleName: 'NetworkConnectIP4', aid, ContextProcessId: pid, RemotePort: '445', timestamp: '9' });
  const cases: [string, object[]][] = [
    ['process named by FileName only', [{ event_simpleName: 'ProcessRollup2', aid, TargetProcessId: '100', FileName: 'svchost.exe' }, nc('100')]],
    ['synthetic process named by FileName only', [{ event_simpleName: 'SyntheticProcessRollup2', aid, TargetProcessId: '100', FileName: 'svchost.exe' }, nc('100')]],
    [
      'a nested object naming a process type inside another event',
      [{ event_simpleName: 'DnsRequest', aid, TargetProcessId: '100', ImageFileName: 'C:\\Windows\\System32\\svchost.exe', x: { event_simpleName: 'ProcessRollup2' } }, nc('100')],
    ],
    ['a nested aid', [{ event_simpleName: 'ProcessRollup2', x: { aid: 'other' }, aid, TargetProcessId: '100', ImageFileName: 'C:\\w\\svchost.exe' }, nc('100')]],
    ['a very long image path', [{ event_simpleName: 'ProcessRollup2', aid, TargetProcessId: '100', ImageFileName: `C:\\${'a'.repeat(1100)}\\svchost.exe` }, nc('100')]],
    ['a long image path to another tool', [{ event_simpleName: 'ProcessRollup2', aid, TargetProcessId: '100', ImageFileName: `C:\\${'a'.repeat(1100)}\\python.exe` }, nc('100')]],
  ];
  for (const [name, events] of cases) {
    it(name, async () => {
      const { gated, full } = await both(MemoryObjectSource.ndjson('k', events), 'k');
      expect(gated.alerts.map((a) => [a.alert_id, a.FileName, a.attribution])).toEqual(full.alerts.map((a) => [a.alert_id, a.FileName, a.attribution]));
    });
  }

  it('identity events read from their text name users and hosts as parsed ones do', async () => {
    const sid = 'S-1-5-21-1-2-3-1001';
    const events = [
      { event_simpleName: 'AgentOnline', aid, ComputerName: 'WKS-FIN07', timestamp: '1' },
      { event_simpleName: 'UserLogon', aid, UserSid: sid, UserName: 'mallory', LogonDomain: 'CORP', AuthenticationId: '101187', timestamp: '2' },
      { event_simpleName: 'ProcessRollup2', aid, TargetProcessId: '100', ImageFileName: 'C:\\w\\python.exe', UserSid: sid, timestamp: '3' },
      nc('100'),
    ];
    const { gated, full } = await both(MemoryObjectSource.ndjson('k', events), 'k');
    expect(full.alerts.map((a) => [a.ComputerName, a.UserName])).toEqual([['WKS-FIN07', 'CORP\\mallory']]);
    expect(gated.alerts.map((a) => JSON.stringify(a))).toEqual(full.alerts.map((a) => JSON.stringify(a)));
    expect(gated.stats.gated).toBe(3); // the two identity events and the process start
    expect(gated.stats.candidates).toBe(1);
  });

  it('an identity event a rule can match is parsed when it passes that rule\'s gate, and still names users when it fails', async () => {
    const sid = 'S-1-5-21-1-2-3-1001';
    const rule = ruleOf('adminlogon', '#event_simpleName = "UserLogon" | UserName = "*admin*" | alert_type := "AdminLogon"');
    const events = [
      { event_simpleName: 'UserLogon', aid, UserSid: 'S-1-5-21-1-2-3-500', UserName: 'it-admin', LogonDomain: 'CORP', timestamp: '1' },
      { event_simpleName: 'UserLogon', aid, UserSid: sid, UserName: 'mallory', LogonDomain: 'CORP', timestamp: '2' },
      { event_simpleName: 'ProcessRollup2', aid, TargetProcessId: '100', ImageFileName: 'C:\\w\\python.exe', UserSid: sid, timestamp: '3' },
      nc('100'),
    ];
    const source = MemoryObjectSource.ndjson('k', events);
    const run = (literalGates: boolean) => processObject({ bucket: null, key: 'k' }, { source, rules: [...rules, rule], context: new StaticContextStore(), literalGates });
    const [gated, full] = [await run(true), await run(false)];
    expect(literalGates([...rules, rule])!.get('UserLogon')!.partial).toBe(true);
    expect(full.alerts.map((a) => [a.alert_type, a.UserName]).sort()).toEqual([['AdminLogon', 'it-admin'], ['SMB445Connection', 'CORP\\mallory']]);
    expect(gated.alerts.map((a) => JSON.stringify(a))).toEqual(full.alerts.map((a) => JSON.stringify(a)));
    expect(gated.stats.gated).toBe(2); // mallory's logon (fails the rule's gate: read from its text) and the process start
  });

  it('a line whose later event_simpleName overrides the one the prefilter saw is parsed, not read as that type', async () => {
    const sid = 'S-1-5-21-1-2-3-1001';
    const logon = `{"event_simpleName":"UserLogon","aid":"${aid}","UserSid":"${sid}","UserName":"mallory","event_simpleName":"DnsRequest"}`;
    const start = `{"event_simpleName":"ProcessRollup2","aid":"${aid}","TargetProcessId":"100","ImageFileName":"C:\\\\w\\\\python.exe","UserSid":"${sid}","event_simpleName":"EndOfProcess"}`;
    const host = `{"event_simpleName":"AgentOnline","aid":"${aid}","ComputerName":"WKS-1","timestamp":"1"}`;
    const body = Buffer.from([host, logon, start, JSON.stringify(nc('100'))].join('\n') + '\n');
    const { gated, full } = await both(new MemoryObjectSource(new Map([['k', body]])), 'k');
    // JSON.parse says DnsRequest and EndOfProcess: neither names the user nor starts the process.
    expect(full.alerts.map((a) => [a.ComputerName, a.UserName, a.attribution])).toEqual([['WKS-1', null, 'unresolved']]);
    expect(gated.alerts.map((a) => JSON.stringify(a))).toEqual(full.alerts.map((a) => JSON.stringify(a)));
    expect(gated.stats.prefilterFalseHits).toBe(2);
  });

  it('a duplicate key in a process line resolves as in JSON.parse (the last value wins)', async () => {
    const line = `{"event_simpleName":"ProcessRollup2","aid":"${aid}","TargetProcessId":"100","ImageFileName":"C:\\\\w\\\\svchost.exe","ImageFileName":"C:\\\\w\\\\python.exe"}`;
    const body = Buffer.from(`${line}\n${JSON.stringify(nc('100'))}\n`);
    const src = new MemoryObjectSource(new Map([['k', body]]));
    const { gated, full } = await both(src, 'k');
    expect(gated.alerts.map((a) => [a.FileName, a.attribution])).toEqual([['python.exe', 'joined']]);
    expect(full.alerts.map((a) => a.alert_id)).toEqual(gated.alerts.map((a) => a.alert_id));
  });
});

describe('literal gates: what a partial process start keeps equals what a parse gives', () => {
  it('a process named by FileName and FilePath only (no ImageFileName) joins both to its connection', async () => {
    const aid = 'c'.repeat(32);
    const rule = ruleOf('filepath', '#event_simpleName = "NetworkConnectIP4" | RemotePort = "445" | FilePath = "*\\\\Tools\\\\*" | alert_type := "FromTools"');
    const events = [
      { event_simpleName: 'ProcessRollup2', aid, TargetProcessId: '5', FileName: 'x.exe', FilePath: 'C:\\Tools\\', UserSid: 'S-1-5-21-1-2-3-4', timestamp: '1' },
      { event_simpleName: 'NetworkConnectIP4', aid, ContextProcessId: '5', RemotePort: '445', timestamp: '2' },
    ];
    const source = MemoryObjectSource.ndjson('k', events);
    const run = (literalGates: boolean) => processObject({ bucket: null, key: 'k' }, { source, rules: [...rules, rule], context: new StaticContextStore(), literalGates });
    const [gated, full] = [await run(true), await run(false)];
    expect(gated.stats.gated).toBe(1);
    expect(full.alerts.map((a) => a.alert_type).sort()).toEqual(['FromTools', 'SMB445Connection']);
    expect(gated.alerts.map((a) => a.alert_id)).toEqual(full.alerts.map((a) => a.alert_id));
  });

  it('a word-bounded literal (\\buse\\b) gates away `net localgroup` lines but keeps `net use`', async () => {
    const aid = 'd'.repeat(32);
    const pr = (pid: string, cmd: string) => ({ event_simpleName: 'ProcessRollup2', aid, TargetProcessId: pid, ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\System32\\net.exe', CommandLine: cmd, UserSid: 'S-1-5-21-1-2-3-5', timestamp: pid });
    const rule = ruleOf('netuse', '#event_simpleName = "ProcessRollup2" | FileName = /^net1?\\.exe$/i | CommandLine = /\\buse\\b/i | alert_type := "NetUse"');
    const source = MemoryObjectSource.ndjson('k', [pr('1', 'net localgroup administrators'), pr('2', 'net  use x: \\\\h\\share'), pr('3', 'net user bob')]);
    const run = (literalGates: boolean) => processObject({ bucket: null, key: 'k' }, { source, rules: [rule], context: new StaticContextStore(), literalGates });
    const [gated, full] = [await run(true), await run(false)];
    expect(full.alerts.map((a) => a.CommandLine)).toEqual(['net  use x: \\\\h\\share']);
    expect(gated.alerts.map((a) => a.alert_id)).toEqual(full.alerts.map((a) => a.alert_id));
    expect(gated.stats.gated).toBe(2);
  });
});

describe('literal gates on lines written with HTML-safe JSON escapes (as real FDR lines are)', () => {
  it('a rule needing `=`, `<`, `>`, `&` or `\'` still matches lines that write them as \\u003d \\u003c \\u003e \\u0026 \\u0027', async () => {
    const src = `#event_simpleName = "ProcessRollup2" | CommandLine = /1> \\\\\\\\127\\.0\\.0\\.1\\\\ADMIN\\$\\\\__[\\d.]+ 2>&1/ | CommandLine = "*a=b*" | CommandLine = "*'q'*" | alert_type := "Redirect"`;
    const rule = ruleOf('escapes', src);
    const cmd = "cmd.exe /Q /c cd \\\\ 1> \\\\127.0.0.1\\ADMIN$\\__1567439113.54 2>&1 a=b 'q'";
    const escaped = JSON.stringify({ event_simpleName: 'ProcessRollup2', aid: 'a1', TargetProcessId: '1', ImageFileName: '\\Device\\HarddiskVolume2\\Windows\\System32\\cmd.exe', CommandLine: cmd, timestamp: '1' })
      .replace(/=/g, '\\u003d').replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
    expect(escaped).toContain('2\\u003e\\u00261');
    const source = new MemoryObjectSource(new Map([['k', Buffer.from(escaped + '\n')]]));
    const run = (literalGates: boolean) => processObject({ bucket: null, key: 'k' }, { source, rules: [rule], context: new StaticContextStore(), literalGates });
    const [gated, full] = [await run(true), await run(false)];
    expect(full.alerts.map((a) => a.CommandLine)).toEqual([cmd]);
    expect(gated.alerts.map((a) => a.alert_id)).toEqual(full.alerts.map((a) => a.alert_id));
  });
});
