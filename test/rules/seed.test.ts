import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../lambda/rules/index';
import { at, emitted, ok, status } from './helpers';

// The seed LogScale query, verbatim (byte-exact copy of the design's seed).
const SEED = readFileSync(new URL('../fixtures/seed/t1021-002.logscale', import.meta.url), 'utf8');

/** The seed with only defects 2 (`in [...]`) and 3 (`* | drop()`) fixed. */
function corrected(): string {
  const fixedIn = SEED.replace(
    '#event_simpleName in ["ProcessRollup2", "NetworkConnectIP4"]',
    'in(field="#event_simpleName", values=["ProcessRollup2", "NetworkConnectIP4"])',
  );
  const src = fixedIn.replace('* | drop()\n', '');
  expect(src).not.toBe(SEED);
  expect(src).not.toContain('drop()');
  expect(src).not.toContain(' in [');
  return src;
}

const pr2 = (FileName: string, CommandLine = '') => ({ '#event_simpleName': 'ProcessRollup2', FileName, CommandLine });
const net = (extra: Record<string, string> = {}) => ({ '#event_simpleName': 'NetworkConnectIP4', RemotePort: '445', ...extra });

describe('the verbatim seed query', () => {
  it('is the expected fixture', () => {
    expect(SEED.startsWith('#event_simpleName in [')).toBe(true);
    expect(SEED.split('\n')[13]).toBe('* | drop()');
  });

  it('is rejected: not-cql-in at 1:19 and drop-requires-fields at the drop() on line 14', () => {
    const r = compileQuery(SEED);
    expect(r.query).toBeUndefined();
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errs.map((d) => `${d.code} ${at(d)}`)).toEqual(['not-cql-in 1:19-1:61', 'drop-requires-fields 14:5-14:11']);
    expect(errs[0].hint).toBe('in(field="#event_simpleName", values=["ProcessRollup2", "NetworkConnectIP4"])');
  });
});

describe('the corrected seed', () => {
  const q = ok(corrected());

  it('constrains the event types and keeps the table', () => {
    expect(q.eventTypes).toEqual(['NetworkConnectIP4', 'ProcessRollup2']);
    expect(q.table).toEqual({
      fields: ['@timestamp', 'ComputerName', 'UserName', 'FileName', 'CommandLine', 'RemoteAddressIP4', 'RemotePort', 'alert_type'],
      limit: 1000,
      sortby: '@timestamp',
      order: 'desc',
    });
  });

  it('defect 1: psexec64? misses PsExec.exe and psexec.exe, matches only psexec6/psexec64', () => {
    expect(status(q, pr2('PsExec.exe'))).toBe('nomatch');
    expect(status(q, pr2('psexec.exe'))).toBe('nomatch');
    expect(emitted(q, pr2('PsExec64.exe')).alert_type).toBe('PsExecExecution');
    expect(emitted(q, pr2('psexec6.exe')).alert_type).toBe('PsExecExecution');
    expect(emitted(q, pr2('PAEXEC.EXE')).alert_type).toBe('PsExecExecution');
    // The intended regex fixes it.
    const fixed = ok(corrected().replace('psexec64?', 'psexec(64a?)?'));
    expect(emitted(fixed, pr2('PsExec.exe')).alert_type).toBe('PsExecExecution');
    expect(emitted(fixed, pr2('PsExec64a.exe')).alert_type).toBe('PsExecExecution');
    expect(status(fixed, pr2('psexec6.exe'))).toBe('nomatch');
  });

  it('net use to an admin share', () => {
    expect(emitted(q, pr2('net.exe', 'net use \\\\srv\\ADMIN$ /user:x')).alert_type).toBe('NetUseAdminShare');
    expect(emitted(q, pr2('NET1.EXE', 'net1 USE \\\\srv\\c$')).alert_type).toBe('NetUseAdminShare');
    expect(status(q, pr2('net.exe', 'net view \\\\srv\\ADMIN$'))).toBe('nomatch');
    expect(status(q, pr2('net.exe', 'net use \\\\srv\\share'))).toBe('nomatch');
    // The seed's unanchored C\$ also hits "proc$" (fixed in the shipped rule).
    expect(emitted(q, pr2('net.exe', 'net use \\\\srv\\proc$')).alert_type).toBe('NetUseAdminShare');
  });

  it('defect 4: SMB on 445 with no FileName still alerts (!= passes on missing fields)', () => {
    expect(emitted(q, net()).alert_type).toBe('SMB445Connection');
    expect(emitted(q, net({ FileName: 'powershell.exe' })).alert_type).toBe('SMB445Connection');
    expect(status(q, net({ FileName: 'svchost.exe' }))).toBe('nomatch');
    expect(status(q, net({ FileName: 'System' }))).toBe('nomatch');
    // CSFalconService.exe is not excluded by the seed.
    expect(status(q, net({ FileName: 'CSFalconService.exe' }))).toBe('match');
    expect(status(q, net({ RemotePort: '139' }))).toBe('nomatch');
  });

  it('with the process name still unknown, a NetworkConnectIP4 event is unknown', () => {
    expect(status(q, net(), ['FileName'])).toBe('unknown');
    expect(status(q, net({ RemotePort: '80' }), ['FileName'])).toBe('unknown');
  });

  it('other event types never match; the output keeps the input fields', () => {
    expect(status(q, { '#event_simpleName': 'DnsRequest', FileName: 'psexec64.exe' })).toBe('nomatch');
    const out = emitted(q, { ...pr2('psexec64.exe'), ComputerName: 'H1' });
    expect(out).toEqual({ ...pr2('psexec64.exe'), ComputerName: 'H1', alert_type: 'PsExecExecution' });
  });
});
