import { describe, expect, it } from 'vitest';
import { IdentityIndex } from '../../lambda/fdr/identity';

const aid = 'a'.repeat(32);
const SID = 'S-1-5-21-1-2-3-1001';

/** Every name an index gives for the aids, SIDs and logon ids of `lines`. */
function names(index: IdentityIndex, lines: object[]): unknown[] {
  return lines.map((ev) => {
    const e = ev as Record<string, unknown>;
    const a = typeof e.aid === 'string' ? e.aid : String(e.aid);
    return [index.computerName(a), index.userName(a, String(e.UserSid)), index.userName(a, undefined, String(e.AuthenticationId))];
  });
}

describe('same-object identity', () => {
  it('names users by (aid, SID) and (aid, logon id), with their domain; hosts by aid, the newest name winning', () => {
    const x = new IdentityIndex();
    x.add({ event_simpleName: 'UserLogon', aid, UserSid: SID, UserName: 'mallory', LogonDomain: 'CORP', AuthenticationId: '101187' });
    x.add({ event_simpleName: 'AgentOnline', aid, ComputerName: 'WKS-NEW', timestamp: '20' });
    x.add({ event_simpleName: 'HostnameChanged', aid, ComputerName: 'WKS-OLD', timestamp: '10' });
    x.add({ event_simpleName: 'UserIdentity', aid, UserSid: 'S-1-5-18', UserName: 'WKS$', AuthenticationId: '999' });
    expect(x.userName(aid, SID)).toBe('CORP\\mallory');
    expect(x.userName(aid, 'S-1-5-21-9', '101187')).toBe('CORP\\mallory');
    expect(x.userName('b'.repeat(32), SID)).toBeUndefined();
    expect(x.computerName(aid)).toBe('WKS-NEW');
    expect(x.userName(aid, 'S-1-5-18', '999')).toBeUndefined(); // a machine account is not the user behind a process
  });

  // Each line alone, then all of them in one index: what reading the text gives must be what a parse gives.
  const lines: object[] = [
    { event_simpleName: 'UserLogon', aid, UserSid: SID, UserName: 'mallory', LogonDomain: 'CORP', AuthenticationId: '101187' },
    { event_simpleName: 'UserIdentity', aid, UserSid: SID, UserName: 'bob@corp.example', UserDomain: 'CORP', AuthenticationId: 7 },
    { event_simpleName: 'UserIdentity', aid, UserSid: 'S-1-5-21-1-2-3-1002', UserName: 'CORP\\ädmin \u2603', DomainName: 'X' },
    { event_simpleName: 'UserLogon', aid, UserSid: 'S-1-5-21-1-2-3-1003', UserName: 'eve', LogonDomain: null, UserDomain: 'DOM' },
    { event_simpleName: 'UserLogon', aid, UserSid: 'S-1-5-21-1-2-3-1004', UserName: 'carol', LogonDomain: '' },
    { event_simpleName: 'UserLogon', aid, UserSid: 'S-1-5-20', UserName: 'NETWORK SERVICE', AuthenticationId: '996' },
    { event_simpleName: 'UserLogon', aid, UserSid: 'S-1-5-21-1-2-3-1005', UserName: 'DWM-3' },
    { event_simpleName: 'UserLogon', aid, UserSid: 'S-1-5-21-1-2-3-1006', UserName: '', AuthenticationId: '5' },
    { event_simpleName: 'UserLogon', aid: '', UserSid: 'S-1-5-21-1-2-3-1007', UserName: 'nohost' },
    { event_simpleName: 'UserLogon', aid, UserSid: 'S-1-5-21-1-2-3-1008', UserName: ['not', 'a', 'name'] },
    { event_simpleName: 'UserLogon', aid, UserSid: 1009, UserName: true, AuthenticationId: 1e3 },
    { event_simpleName: 'AgentOnline', aid, ComputerName: 'WKS-A', timestamp: '1790000000000' },
    { event_simpleName: 'HostnameChanged', aid, ComputerName: 'WKS-B', timestamp: 1790000000001 },
    { event_simpleName: 'AgentOnline', aid, ComputerName: 'WKS-C', timestamp: 'not a time' },
    { event_simpleName: 'AgentOnline', aid, ComputerName: null },
    { event_simpleName: 'AgentOnline', aid: 12, ComputerName: 'NUMERIC-AID' },
  ];
  const type = (ev: object) => (ev as { event_simpleName: string }).event_simpleName;

  it('an event read from its line text (addLine) gives what add(JSON.parse(line)) gives', () => {
    for (const ev of lines) {
      const text = JSON.stringify(ev);
      const [viaText, viaParse] = [new IdentityIndex(), new IdentityIndex()];
      viaText.addLine(text, type(ev));
      viaParse.add(JSON.parse(text) as Record<string, unknown>);
      expect([text, names(viaText, lines)]).toEqual([text, names(viaParse, lines)]);
    }
    const [allText, allParse] = [new IdentityIndex(), new IdentityIndex()];
    for (const ev of lines) {
      allText.addLine(JSON.stringify(ev), type(ev));
      allParse.add(ev as Record<string, unknown>);
    }
    expect(names(allText, lines)).toEqual(names(allParse, lines));
    expect(allText.userName(aid, SID)).toBe('bob@corp.example'); // the later logon of the SID wins (a UPN is not qualified)
    expect(allText.userName(aid, 'S-1-5-21-1-2-3-1003')).toBe('DOM\\eve');
    expect(allText.computerName(aid)).toBe('WKS-B');
  });

  it('reads through escapes, spacing and a key given twice as JSON.parse does', () => {
    const texts = [
      String.raw`{"event_simpleName":"UserLogon","aid":"${aid}","UserSid":"${SID}","UserName":"o\u0027brien","LogonDomain":"C\u004fRP"}`,
      `{ "event_simpleName" : "UserLogon" , "aid" : "${aid}" , "UserSid" : "${SID}" , "UserName" : "first" , "UserName" : "second" }`,
    ];
    for (const text of texts) {
      const [viaText, viaParse] = [new IdentityIndex(), new IdentityIndex()];
      viaText.addLine(text, 'UserLogon');
      viaParse.add(JSON.parse(text) as Record<string, unknown>);
      expect(viaText.userName(aid, SID)).toBe(viaParse.userName(aid, SID));
      expect(viaText.userName(aid, SID)).toBeDefined();
    }
  });

  it('finds a logon by its id in whatever form the line writes it, as a parse does (0 included)', () => {
    // The id as a process event would carry it → the logon line's AuthenticationId as written.
    const forms: [string, string][] = [
      ['0', '"0"'],
      ['0', '0'],
      ['12', String.raw`"\u0031\u0032"`],
      ['12', '1.2e1'],
      ['012', '"012"'],
      ['77', '77 '],
      ['999999999999999', '"999999999999999"'],
      ['1234567890123456', '"1234567890123456"'],
    ];
    for (const [asRead, written] of forms) {
      const text = `{"event_simpleName":"UserLogon","aid":"${aid}","UserSid":"${SID}","UserName":"u","LogonDomain":"D","AuthenticationId":${written}}`;
      const [viaText, viaParse] = [new IdentityIndex(), new IdentityIndex()];
      viaText.addLine(text, 'UserLogon');
      viaParse.add(JSON.parse(text) as Record<string, unknown>);
      expect([written, viaText.userName(aid, undefined, asRead)]).toEqual([written, 'D\\u']);
      expect([written, viaParse.userName(aid, undefined, asRead)]).toEqual([written, 'D\\u']);
    }
    const x = new IdentityIndex();
    x.addLine(`{"event_simpleName":"UserLogon","aid":"${aid}","UserSid":"${SID}","UserName":"u","AuthenticationId":"012"}`, 'UserLogon');
    expect([x.userName(aid, undefined, '12'), x.userName(aid, undefined, '012')]).toEqual([undefined, 'u']);
  });

  it('ignores lines of other types', () => {
    const x = new IdentityIndex();
    x.addLine(JSON.stringify({ event_simpleName: 'DnsRequest', aid, ComputerName: 'NOPE', UserSid: SID, UserName: 'x' }), 'DnsRequest');
    expect([x.computerName(aid), x.userName(aid, SID)]).toEqual([undefined, undefined]);
  });

  it('a name seen again in another domain is qualified with that domain; logon ids in any form stay apart', () => {
    const x = new IdentityIndex();
    const logon = (sid: string, name: string, domain: string, auth?: unknown) =>
      x.addLine(JSON.stringify({ event_simpleName: 'UserLogon', aid, UserSid: sid, UserName: name, LogonDomain: domain, AuthenticationId: auth }), 'UserLogon');
    logon('S-1', 'admin', 'CORP', '0x3e7');
    logon('S-2', 'admin', 'LAB', '012');
    logon('S-3', 'admin', 'CORP', '12');
    logon('S-4', 'SVC$', 'CORP');
    logon('S-5', 'SVC$', 'LAB'); // a machine account in any domain is no one's user
    expect([x.userName(aid, 'S-1'), x.userName(aid, 'S-2'), x.userName(aid, 'S-3')]).toEqual(['CORP\\admin', 'LAB\\admin', 'CORP\\admin']);
    expect([x.userName(aid, 'S-4'), x.userName(aid, 'S-5')]).toEqual([undefined, undefined]);
    expect([x.userName(aid, undefined, '0x3e7'), x.userName(aid, undefined, '012'), x.userName(aid, undefined, '12')]).toEqual(['CORP\\admin', 'LAB\\admin', 'CORP\\admin']);
    expect(x.userName(aid, undefined, '0x3E7')).toBeUndefined();
    expect(x.userName(aid, 'S-unknown', '13')).toBeUndefined();
  });

  it('stays bounded: past its capacity the oldest logons are forgotten, the newest still named', () => {
    const x = new IdentityIndex(50);
    for (let i = 0; i < 1000; i++)
      x.addLine(JSON.stringify({ event_simpleName: 'UserLogon', aid, UserSid: `S-${i}`, UserName: `u${i}`, LogonDomain: `D${i % 7}`, AuthenticationId: String(i) }), 'UserLogon');
    expect(x.userName(aid, 'S-999')).toBe('D5\\u999');
    expect(x.userName(aid, undefined, '998')).toBe('D4\\u998');
    expect(x.userName(aid, 'S-10')).toBeUndefined();
    expect(x.userName(aid, undefined, '10')).toBeUndefined();
  });

  it('never names a held logon with another user, however many names come and go; names held stay bounded', () => {
    const capacity = 30;
    const x = new IdentityIndex(capacity);
    const bySid = new Map<string, string>();
    const byAuth = new Map<string, string>();
    const sids: string[] = [];
    const auths: string[] = [];
    for (let i = 0; i < 3000; i++) {
      // SIDs and logon ids repeat (a slot's name changes), names are mostly new (their ids are freed and reused).
      const sid = `S-1-5-21-${i % 25}`; // (fewer than capacity: the key ids never start afresh)
      const auth = String(1 + (i % 22));
      const user = i % 4 === 0 ? `shared${i % 3}` : `user${i}`;
      x.addLine(JSON.stringify({ event_simpleName: i % 2 ? 'UserLogon' : 'UserIdentity', aid, UserSid: sid, UserName: user, LogonDomain: 'CORP', AuthenticationId: auth }), 'UserLogon');
      bySid.set(sid, `CORP\\${user}`);
      byAuth.set(auth, `CORP\\${user}`);
      sids.push(sid);
      auths.push(auth);
      if (i % 41 === 0 || i === 2999) {
        for (const s of new Set(sids.slice(-capacity))) expect([s, x.userName(aid, s)]).toEqual([s, bySid.get(s)]);
        for (const a of new Set(auths.slice(-capacity))) expect([a, x.userName(aid, 'S-none', a)]).toEqual([a, byAuth.get(a)]);
      }
    }
    expect(x.nameCount).toBeLessThanOrEqual(2 * capacity);
  });
});
