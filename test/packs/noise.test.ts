// The noise bench's background (bench/noise/) at a small size through the shipped pack as replay runs it: only the
// documented low-severity alert fires; the tagged infrastructure's look-alikes are there and are suppressed (each
// tagged server's); and without the tags the same lines alert — the background is benign because of the context,
// not because it is empty.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBackground } from '../../bench/noise/background';
import { untagged } from '../../bench/noise/fleet';
import { measureNoise, type NoiseTally } from '../../bench/noise/measure';
import type { AlertRecord } from '../../lambda/alerts/types';
import { loadContextFile, StaticContextStore } from '../../lambda/context/file';

const dir = mkdtempSync(join(tmpdir(), 'fdr-noise-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EVENTS = 40_000;
const bg = generateBackground({ events: EVENTS, objects: 3, dir });
const fleet = bg.fleet;
const tagged = [fleet.jump, fleet.pdq, fleet.sccm, fleet.monitoring, fleet.backup];

const brief = (a: AlertRecord) => `${a.alert_type}/${a.severity} ${a.ComputerName ?? a.aid} ${a.FileName ?? ''} ${a.source.key?.slice(-30)}:${a.source.line}`;
const kinds = (t: NoiseTally) => Object.keys(t.alerts).sort();

describe('noise: a benign background through the shipped pack', () => {
  it('is what was asked for: every line read, hours of fleet activity scaled down to minutes, 3 objects', () => {
    expect(bg.events).toBe(EVENTS);
    expect(bg.objects).toHaveLength(3);
    expect(bg.lastTs - bg.firstTs).toBeGreaterThan(5 * 60_000);
    for (const t of ['ProcessRollup2', 'NetworkConnectIP4', 'NetworkConnectIP6', 'NetworkReceiveAcceptIP4', 'SmbServerShareOpenedEtw', 'ProcessExecOnSMBFile', 'PeFileWritten', 'NewExecutableWritten', 'CreateService', 'UserLogon', 'AgentOnline', 'DnsRequest']) {
      expect(bg.counts[t], t).toBeGreaterThan(0);
    }
  });

  it('raises no alert but the documented low-severity one (unresolved SMB445Connection); the tagged servers are suppressed', async () => {
    const t = await measureNoise(bg.objects, await loadContextFile(bg.contextPath));
    expect(t.errors).toEqual([]);
    expect(t.events).toBe(EVENTS);
    expect(t.unexpected.map(brief)).toEqual([]);
    expect(kinds(t)).toEqual(['SMB445Connection low']);
    expect(t.documentedLow).toBeGreaterThan(0);
    expect(t.folded).toBe(0);
    // Suppression happened, for each kind of look-alike and each tagged server.
    for (const type of ['AdminShareOpened', 'ExecOfSmbWrittenFile', 'AdminShareFileWrite', 'SMB445Connection', 'SMB445FanOut', 'NetUseAdminShare', 'AdminShareCommand']) {
      expect(t.suppressed[type] ?? 0, type).toBeGreaterThan(0);
    }
    for (const h of tagged) expect(t.suppressedBy[h.name] ?? 0, h.name).toBeGreaterThan(0);
    // The unresolved connections beyond the first per host and hour are throttled, as in production.
    expect(t.throttled.SMB445Connection ?? 0).toBeGreaterThan(0);
  });

  it('control: without the context tags the same background raises the look-alike alerts, all from the tagged infrastructure', async () => {
    const t = await measureNoise(bg.objects, new StaticContextStore(untagged(bg.context)));
    expect(Object.keys(t.suppressed)).toEqual([]);
    const types = new Set(t.unexpected.map((a) => `${a.alert_type} ${a.severity}`));
    for (const k of ['AdminShareOpened medium', 'ExecOfSmbWrittenFile high', 'ExecOfSmbWrittenFile medium', 'AdminShareFileWrite medium', 'SMB445Connection medium', 'SMB445FanOut high', 'NetUseAdminShare medium', 'AdminShareCommand medium']) {
      expect(types.has(k), `${k} in ${[...types].join(', ')}`).toBe(true);
    }
    // Every one of them is the infrastructure's: on a tagged host, or on a target reached from a tagged address.
    const aids = new Set(tagged.map((h) => h.aid));
    const ips = new Set(tagged.map((h) => h.ip));
    const foreign = t.unexpected.filter((a) => !aids.has(a.aid ?? '') && !ips.has(a.RemoteAddressIP4 ?? a.fields.RemoteAddress ?? ''));
    expect(foreign.map(brief)).toEqual([]);
  });
});
