/**
 * The benign background as FDR batches: the fleet's everyday activity and its sanctioned infrastructure on one
 * event clock, split in time order into `objects` gzip objects (`data/<batch>/part-00000.gz`, several gzip members
 * each, lines escaped as FDR writes them), plus the context file that tags the infrastructure.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fdrLine } from '../../events/fdr-shapes';
import type { ContextFile } from '../../lambda/context/types';
import { agentOnline, copyToShare, falconRtr, netUse, serviceInstall, smbToDc, smbToFileServer, systemActivity, userApp, userLogon } from './everyday';
import { buildFleet, fleetContext, type Fleet } from './fleet';
import { scheduleInfrastructure } from './infra';
import { Rng } from './random';
import { Sim } from './sim';

const MINUTE = 60_000;
/** Lines per gzip member: FDR objects often hold several. */
const MEMBER_LINES = 20_000;
export const NOISE_T0 = Date.parse('2026-11-16T06:00:00Z');

export interface BackgroundOptions {
  /** Lines in all. */
  events: number;
  objects: number;
  /** Where the objects and context.json go. */
  dir: string;
  seed?: number;
}

export interface Background {
  dir: string;
  /** Object paths, in time order. */
  objects: string[];
  contextPath: string;
  context: ContextFile;
  fleet: Fleet;
  events: number;
  plainBytes: number;
  gzBytes: number;
  /** Event time covered (ms). */
  firstTs: number;
  lastTs: number;
  /** Lines per event type. */
  counts: Record<string, number>;
}

/** Everything the fleet does, on the clock. Means are per host: a workstation starts an application every 25 s. */
function scheduleFleet(s: Sim): void {
  const { fleet, rng } = s;
  for (const h of fleet.hosts) {
    s.every(h.user ? 30_000 : 40_000, (x) => systemActivity(x, h));
    if (h.role !== 'dc') s.every(20 * MINUTE, (x) => smbToDc(x, h));
    // Sensors (re)connect now and then: AgentOnline is where a batch names its hosts.
    s.every(3 * 60 * MINUTE, (x) => agentOnline(x, h), rng.int(0, 3 * 60 * MINUTE));
    if (!h.user) continue;
    s.every(25_000, (x) => userApp(x, h));
    s.at(s.t0 + rng.int(0, 20 * MINUTE), (x) => {
      userLogon(x, h);
      netUse(x, h, true);
    });
    s.every(90 * MINUTE, (x) => userLogon(x, h, '7'));
    s.every(15 * MINUTE, (x) => smbToFileServer(x, h));
    s.every(3 * 60 * MINUTE, (x) => netUse(x, h), rng.int(0, 20 * MINUTE));
    s.every(2 * 60 * MINUTE, (x) => copyToShare(x, h), rng.int(0, 30 * MINUTE));
  }
  s.every(12 * MINUTE, (x) => serviceInstall(x, x.rng.pick(x.fleet.hosts)));
  const current = fleet.hosts.filter((h) => h.sensor === 'new');
  s.every(60 * MINUTE, (x) => falconRtr(x, x.rng.pick(current)), 5 * MINUTE);
  scheduleInfrastructure(s);
}

export function generateBackground(o: BackgroundOptions): Background {
  const rng = new Rng(o.seed ?? 0x4e015e);
  const fleet = buildFleet(rng);
  const sim = new Sim(rng, fleet, NOISE_T0, BigInt(o.seed ?? 0x4e015e));
  scheduleFleet(sim);
  const context = fleetContext(fleet);
  mkdirSync(o.dir, { recursive: true });
  const contextPath = join(o.dir, 'context.json');
  writeFileSync(contextPath, JSON.stringify(context, null, 1));

  const counts: Record<string, number> = {};
  const objects: string[] = [];
  let events = 0, plainBytes = 0, gzBytes = 0;
  let firstTs = Infinity, lastTs = -Infinity;
  for (let k = 0; k < o.objects; k++) {
    const want = Math.ceil((o.events * (k + 1)) / o.objects) - events;
    const path = join(o.dir, 'data', `noise-${String(k).padStart(3, '0')}`, 'part-00000.gz');
    mkdirSync(join(path, '..'), { recursive: true });
    const fd = openSync(path, 'w');
    try {
      for (let left = want; left > 0; left -= MEMBER_LINES) {
        const lines = sim.take(Math.min(MEMBER_LINES, left));
        if (lines.length === 0) break;
        const text = lines.map((e) => {
          counts[e.event_simpleName] = (counts[e.event_simpleName] ?? 0) + 1;
          const ts = Number(e.timestamp);
          if (ts < firstTs) firstTs = ts;
          if (ts > lastTs) lastTs = ts;
          return fdrLine(e);
        }).join('\n') + '\n';
        const member = gzipSync(text, { level: 4 });
        writeSync(fd, member);
        events += lines.length;
        plainBytes += Buffer.byteLength(text);
        gzBytes += member.length;
      }
    } finally {
      closeSync(fd);
    }
    objects.push(path);
  }
  return { dir: o.dir, objects, contextPath, context, fleet, events, plainBytes, gzBytes, firstTs, lastTs, counts };
}
