import { describe, expect, it } from 'vitest';
import { ContextIndex } from '../../lambda/context/memory';
import { isExpired, policyOf, suppressionFor } from '../../lambda/context/policy';
import { loadRulePacks } from '../../lambda/packs/loader';
import { validateContext } from '../../lambda/context/validate';

const SANCTIONED = { userSid: 'S-1-5-21-1-2-3-1104', userName: 'CORP\\svc_deploy', tags: ['psexec-sanctioned'], owner: 'it-ops', reason: 'deploy' };
const JUMP = { aid: 'a1', computerName: 'IT-JUMP01', ips: ['10.0.5.10'], tags: ['it-admin'], owner: 'it-ops', reason: 'jump host' };
const MON = { computerName: 'MON01', ips: ['10.0.9.5'], tags: ['monitoring'] };
const T = Date.parse('2026-11-20T00:00:00Z');

describe('context snapshot precedence', () => {
  const ctx = new ContextIndex({ users: [SANCTIONED, { userName: 'bob', tags: ['x'] }], hosts: [JUMP, MON] });

  it('finds users by SID first, then by name case-insensitively with or without domain', () => {
    expect(ctx.user({ userSid: 'S-1-5-21-1-2-3-1104' })).toBe(SANCTIONED);
    expect(ctx.user({ userSid: 's-1-5-21-1-2-3-1104' })).toBe(SANCTIONED);
    expect(ctx.user({ userName: 'corp\\SVC_DEPLOY' })).toBe(SANCTIONED);
    expect(ctx.user({ userName: 'svc_deploy' })).toBe(SANCTIONED);
    expect(ctx.user({ userName: 'OTHER\\svc_deploy' })).toBeNull();
    expect(ctx.user({ userName: 'OTHER\\bob' })?.userName).toBe('bob');
    expect(ctx.user({ userSid: 'S-1-5-21-9-9-9-9' })).toBeNull();
  });

  it('finds hosts by aid, then computerName, then any event IP', () => {
    expect(ctx.host({ aid: 'A1' })).toBe(JUMP);
    expect(ctx.host({ aid: 'zz', computerName: 'mon01' })).toBe(MON);
    expect(ctx.host({ aid: 'zz', computerName: 'nope', ips: [null, '10.0.9.5'] })).toBe(MON);
    expect(ctx.host({ aid: 'zz', computerName: 'nope', ips: ['10.9.9.9'] })).toBeNull();
  });
});

const POLICY = policyOf(loadRulePacks());

describe('suppression policy', () => {
  it('suppresses PsExec only for a sanctioned user on an it-admin host, keeping entries and reason', () => {
    const s = suppressionFor('PsExecExecution', { user: SANCTIONED, host: JUMP }, T, POLICY);
    expect(s?.reason).toMatch(/sanctioned/);
    expect(s?.entry.user).toBe(SANCTIONED);
    expect(s?.entry.host).toBe(JUMP);
    // A sanctioned account from an unknown workstation still alerts.
    expect(suppressionFor('PsExecExecution', { user: SANCTIONED, host: null }, T, POLICY)).toBeNull();
    expect(suppressionFor('PsExecExecution', { user: SANCTIONED, host: MON }, T, POLICY)).toBeNull();
    expect(suppressionFor('PsExecExecution', { user: null, host: JUMP }, T, POLICY)).toBeNull();
  });

  it('suppresses SMB445 from monitoring, backup or scanner hosts only', () => {
    expect(suppressionFor('SMB445Connection', { user: null, host: MON }, T, POLICY)?.entry.host).toBe(MON);
    expect(suppressionFor('SMB445Connection', { user: null, host: { ...MON, tags: ['backup'] } }, T, POLICY)).not.toBeNull();
    expect(suppressionFor('SMB445Connection', { user: null, host: { ...MON, tags: ['scanner'] } }, T, POLICY)).not.toBeNull();
    expect(suppressionFor('SMB445Connection', { user: null, host: JUMP }, T, POLICY)).toBeNull();
    // A tag on the event's own host never suppresses what the policy ties to the remote host.
    expect(suppressionFor('AdminShareOpened', { user: SANCTIONED, host: JUMP }, T, POLICY)).toBeNull();
  });

  it('suppresses by the remote host only when a rule names remoteHostTags', () => {
    const rules = [{ alert_type: 'AdminShareOpened', remoteHostTags: ['it-admin'], reason: 'from an IT admin host' }];
    expect(suppressionFor('AdminShareOpened', { user: null, host: null, remoteHost: JUMP }, T, rules)?.entry).toEqual({ remoteHost: JUMP });
    expect(suppressionFor('AdminShareOpened', { user: null, host: JUMP, remoteHost: MON }, T, rules)).toBeNull();
    expect(suppressionFor('AdminShareOpened', { user: null, host: null }, T, rules)).toBeNull();
  });

  it('ignores entries past expiresAt, compared with the event time', () => {
    const expiring = { ...SANCTIONED, expiresAt: '2026-11-01T00:00:00Z' };
    expect(isExpired(expiring, Date.parse('2026-10-31T23:59:59Z'))).toBe(false);
    expect(isExpired(expiring, Date.parse('2026-11-01T00:00:00Z'))).toBe(true);
    expect(suppressionFor('PsExecExecution', { user: expiring, host: JUMP }, Date.parse('2026-10-01T00:00:00Z'), POLICY)).not.toBeNull();
    expect(suppressionFor('PsExecExecution', { user: expiring, host: JUMP }, T, POLICY)).toBeNull();
    expect(suppressionFor('SMB445Connection', { user: null, host: { ...MON, expiresAt: '2020-01-01T00:00:00Z' } }, T, POLICY)).toBeNull();
  });
});

describe('context file validation', () => {
  it('reports every bad entry with its JSON path and keeps the good ones', () => {
    const { context, problems } = validateContext({
      users: [SANCTIONED, { userSid: 'not-a-sid' }, { tags: 'x' }, 7],
      hosts: [JUMP, { ips: ['10.0.0.300'] }, { computerName: 'X', expiresAt: 'soon' }],
      extra: 1,
    });
    expect(context.users).toEqual([SANCTIONED]);
    expect(context.hosts).toEqual([JUMP]);
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['$.users[1].userSid', '$.users[2].tags', '$.users[2]', '$.users[3]', '$.hosts[1].ips[0]', '$.hosts[2].expiresAt', '$.extra']),
    );
  });

  it('rejects a non-object document', () => {
    expect(validateContext([1, 2]).problems).toEqual([{ path: '$', message: expect.stringMatching(/JSON object/) }]);
  });
});

describe('operator and FDR entries merged on lookup', () => {
  it('finds the operator entry keyed by the aid the FDR entry supplies, when the query only had a name', () => {
    const ctx = new ContextIndex({
      hosts: [
        { aid: 'A7', tags: ['backup'], owner: 'storage' },
        { aid: 'a7', computerName: 'BKP01', source: 'fdr:aidmaster' },
      ],
    });
    expect(ctx.host({ computerName: 'bkp01' })).toMatchObject({ aid: 'A7', computerName: 'BKP01', tags: ['backup'], source: 'operator+fdr:aidmaster' });
  });
});

describe('identity conflicts', () => {
  it('never matches by name or IP an entry whose aid or SID says it is another host or account', () => {
    const ctx = new ContextIndex({
      users: [{ userSid: 'S-1-5-21-9-9-9-9', userName: 'CORP\\svc_deploy', tags: ['psexec-sanctioned'] }],
      hosts: [{ aid: 'zzz', computerName: 'IT-JUMP01', ips: ['10.0.5.10'], tags: ['it-admin'] }],
    });
    // A different machine that calls itself IT-JUMP01 (or reuses its IP) is not the jump host.
    expect(ctx.host({ aid: 'aid-other', computerName: 'it-jump01', ips: ['10.0.5.10'] })).toBeNull();
    expect(ctx.host({ computerName: 'it-jump01' })?.aid).toBe('zzz');
    // Another account with the same name is not the sanctioned one.
    expect(ctx.user({ userSid: 'S-1-5-21-1-1-1-1', userName: 'CORP\\svc_deploy' })).toBeNull();
    expect(ctx.user({ userName: 'CORP\\svc_deploy' })?.userSid).toBe('S-1-5-21-9-9-9-9');
  });
});
