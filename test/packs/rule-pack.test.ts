import { describe, expect, it } from 'vitest';
import { loadRulePacks } from '../../lambda/packs/loader';
import { readSamples, runSamples } from '../../lambda/packs/samples';

const rules = loadRulePacks();

describe('shipped rule pack', () => {
  for (const rule of rules) {
    it(`${rule.meta.id}: every sample case gives the expected alerts, with positive and negative cases per type`, async () => {
      const report = await runSamples(rule);
      expect(report.failures).toEqual([]);
      expect(report.cases).toBeGreaterThan(10);
    });
  }

  it('the sample runner fails a rule that lacks a negative case', async () => {
    const rule = rules[0];
    const positivesOnly = readSamples(rule).filter((c) => c.expect.includes(c.about));
    const report = await runSamples(rule, positivesOnly);
    expect(report.failures).toEqual(expect.arrayContaining(['PsExecExecution: no negative sample case']));
  });

  it('the sample runner fails a rule that lacks a positive case, and a case whose expectation is wrong', async () => {
    const rule = rules[0];
    const cases = readSamples(rule).filter((c) => !(c.about === 'SMB445Connection' && c.expect.length > 0));
    cases.push({ name: 'wrong', about: 'PsExecExecution', expect: [], events: [{ event_simpleName: 'ProcessRollup2', ImageFileName: 'C:\\PsExec.exe', aid: 'a' }] });
    const report = await runSamples(rule, cases);
    expect(report.failures).toEqual(expect.arrayContaining(['SMB445Connection: no positive sample case', 'case "wrong": expected [], got [PsExecExecution]']));
  });

  it('derives the prefilter event types from the rule', () => {
    expect(rules[0].query.eventTypes?.sort()).toEqual(['NetworkConnectIP4', 'ProcessRollup2']);
  });
});
