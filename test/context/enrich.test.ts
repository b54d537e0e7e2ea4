// What a match looks up: the remote host of an event is found by its address only, in whichever form FDR wrote it.
import { describe, expect, it } from 'vitest';
import { subjectOf, type Names } from '../../lambda/context/enrich';
import { StaticContextStore } from '../../lambda/context/file';
import { loadRulePacks } from '../../lambda/packs/loader';
import { processObject } from '../../lambda/pipeline';
import { MemoryObjectSource } from '../../lambda/sources/file';

const NAMES: Names = { ComputerName: null, ComputerNameSource: null, UserName: null, UserNameSource: null };

describe('the remote host of an event', () => {
  it('an IPv4-mapped IPv6 address is also looked up as the IPv4 host; other IPv6 addresses are not mapped', () => {
    for (const ip6 of ['::ffff:10.0.5.10', '0:0:0:0:0:ffff:a00:50a', '::FFFF:0A00:050A']) {
      expect(subjectOf({ RemoteAddressIP6: ip6 }, NAMES).remoteHost!.ips).toContain('10.0.5.10');
    }
    expect(subjectOf({ RemoteAddressIP6: 'fe80::a00:50a' }, NAMES).remoteHost!.ips!.filter(Boolean)).toEqual(['fe80::a00:50a']);
    expect(subjectOf({ RemoteAddressIP4: '10.0.5.10' }, NAMES).remoteHost!.ips!.filter(Boolean)).toEqual(['10.0.5.10']);
  });

  it("an ADMIN$ open from an it-admin host's IPv4-mapped address is suppressed like one from its IPv4 address", async () => {
    const context = new StaticContextStore({ hosts: [{ ips: ['10.0.5.10'], tags: ['it-admin'], reason: 'deployment server' }] });
    const open = (id: string, addr: Record<string, string>) => ({
      event_simpleName: 'SmbServerShareOpenedEtw', id, aid: 'aaaa0000aaaa0000aaaa0000aaaa0001', UserName: 'svc_deploy', SmbShareName: 'ADMIN$',
      timestamp: '1795000000000', ...addr,
    });
    const events = [open('v4', { RemoteAddressIP4: '10.0.5.10' }), open('mapped', { RemoteAddressIP6: '::ffff:10.0.5.10' }), open('other', { RemoteAddressIP6: '::ffff:10.0.5.11' })];
    const r = await processObject({ bucket: null, key: 'k' }, { source: MemoryObjectSource.ndjson('k', events), rules: loadRulePacks(), context });
    expect(r.suppressed.map((a) => a.event_id).sort()).toEqual(['mapped', 'v4']);
    expect(r.alerts.map((a) => a.event_id)).toEqual(['other']);
  });
});
