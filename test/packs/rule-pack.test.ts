import { describe, expect, it } from 'vitest';
import { loadRulePacks } from '../../lambda/packs/loader';
import { readSamples, runSamples } from '../../lambda/packs/samples';

const rules = loadRulePacks();
const rule = (id: string) => rules.find((r) => r.meta.id === id)!;

describe('shipped rule pack', () => {
  for (const rule of rules) {
    it(`${rule.meta.id}: every sample case gives the expected alerts, with positive and negative cases per type`, async () => {
      const report = await runSamples(rule);
      expect(report.failures).toEqual([]);
      expect(report.cases).toBeGreaterThan(10);
    });
  }

  it('the sample runner fails a rule that lacks a negative case', async () => {
    const r = rule('t1021-002-smb-admin-shares');
    const positivesOnly = readSamples(r).filter((c) => c.expect.includes(c.about));
    const report = await runSamples(r, positivesOnly);
    expect(report.failures).toEqual(expect.arrayContaining(['PsExecExecution: no negative sample case', 'RemoteExecService: no negative sample case']));
  });

  it('the sample runner fails a rule that lacks a positive case, and a case whose expectation is wrong', async () => {
    const r = rule('t1021-002-smb445');
    const cases = readSamples(r).filter((c) => !(c.about === 'SMB445Connection' && c.expect.length > 0));
    cases.push({ name: 'wrong', about: 'SMB445Connection', expect: [], events: [{ event_simpleName: 'NetworkConnectIP4', RemotePort: '445', RemoteAddressIP4: '10.0.7.40', ContextBaseFileName: 'python.exe', aid: 'a' }] });
    const report = await runSamples(r, cases);
    expect(report.failures).toEqual(expect.arrayContaining(['SMB445Connection: no positive sample case', 'case "wrong": expected [], got [SMB445Connection]']));
  });

  it('derives the prefilter event types from each rule', () => {
    const types = Object.fromEntries(rules.map((r) => [r.meta.id, r.query.eventTypes?.sort()]));
    expect(types).toEqual({
      't1021-002-exec-smb-file': ['ProcessExecOnSMBFile'],
      't1021-002-service-created': ['CreateService', 'ModifyServiceBinary'],
      't1021-002-admin-share-opened': ['SmbServerShareOpenedEtw'],
      't1021-002-admin-share-write': ['NewExecutableWritten', 'PeFileWritten'],
      't1021-002-smb445-fanout-host': ['NetworkConnectIP4', 'NetworkConnectIP6'],
      't1021-002-smb445-fanout-process': ['NetworkConnectIP4', 'NetworkConnectIP6'],
      't1021-002-smb445': ['NetworkConnectIP4', 'NetworkConnectIP6'],
      't1021-002-smb-admin-shares': ['ProcessRollup2', 'SyntheticProcessRollup2'],
    });
  });
});
