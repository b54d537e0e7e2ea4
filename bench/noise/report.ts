/** The noise measurement as text: what was generated, what fired, what was suppressed or throttled, the verdict. */
import type { AlertRecord } from '../../lambda/alerts/types';
import type { Background } from './background';
import type { NoiseTally } from './measure';

const SHOWN_UNEXPECTED = 20;
const n = (x: number): string => x.toLocaleString('en-US');
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Alerts other than the documented low-severity ones: a regression (or a false positive) to look at. */
export function noiseOk(t: NoiseTally): boolean {
  return t.unexpected.length === 0 && t.errors.length === 0;
}

function byCount(m: Record<string, number>): string {
  const e = Object.entries(m).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k} ${n(v)}`).join(', ');
}

function describe(a: AlertRecord): string {
  const f = (k: string, v: unknown) => (v === null || v === undefined || v === '' ? '' : ` ${k}=${JSON.stringify(v)}`);
  return (
    `${a.alert_type} (${a.severity}, rule ${a.rule_id}) at ${a['@timestamp'] === null ? '?' : new Date(a['@timestamp']).toISOString()} ${a.source.key}:${a.source.line}` +
    f('event', a.event_simpleName) + f('ComputerName', a.ComputerName) + f('UserName', a.UserName) + f('FileName', a.FileName) +
    f('CommandLine', a.CommandLine) + f('RemoteAddressIP4', a.RemoteAddressIP4) + f('attribution', a.attribution) + f('fields', a.fields)
  );
}

export function formatNoise(bg: Background, t: NoiseTally, genMs: number, rules: number): string[] {
  const perM = (x: number) => ((x / t.events) * 1e6).toFixed(1);
  const minutes = (bg.lastTs - bg.firstTs) / 60_000;
  const span = minutes >= 120 ? `${(minutes / 60).toFixed(1)} h` : `${minutes.toFixed(0)} min`;
  const ctx = bg.context;
  const out = [
    `noise: benign background, ${n(t.events)} events in ${t.objects} objects (${(bg.plainBytes / 1e6).toFixed(0)} MB plain, ${(bg.gzBytes / 1e6).toFixed(1)} MB gzip), ${bg.fleet.hosts.length} hosts, event time ${iso(bg.firstTs)} → ${iso(bg.lastTs)} UTC (${span})`,
    `  context: written by the bench from its fleet next to the objects (${ctx.hosts?.length ?? 0} tagged hosts: ${ctx.hosts?.map((h) => `${h.computerName} ${h.tags?.join('+')}`).join(', ')}; ${ctx.users?.length ?? 0} psexec-sanctioned accounts)`,
    `  generated in ${(genMs / 1000).toFixed(1)} s; ${rules} rules (the shipped packs), replay-style run in ${(t.ms / 1000).toFixed(1)} s: ${(t.plainBytes / 1e6 / (t.ms / 1000)).toFixed(0)} MB/s, ${n(Math.round(t.events / (t.ms / 1000)))} events/s`,
    `  alerts by type and severity (per million background events):`,
  ];
  const rows = Object.entries(t.alerts).sort((a, b) => b[1] - a[1]);
  if (rows.length === 0) out.push('    none');
  for (const [k, v] of rows) out.push(`    ${k.padEnd(36)} ${n(v).padStart(7)}  ${perM(v).padStart(8)} / M`);
  const total = Object.values(t.alerts).reduce((a, b) => a + b, 0);
  out.push(
    `  suppressed by type: ${byCount(t.suppressed)}`,
    `  suppressed by context entry: ${byCount(t.suppressedBy)}`,
    `  throttled by type: ${byCount(t.throttled)}`,
    `  alerts per million background events: ${perM(total)} in all; ${perM(total - t.documentedLow)} excluding the documented low-severity ones (SMB445Connection, attribution unresolved: ${n(t.documentedLow)})`,
    `  matches per object: at most ${n(t.maxMatchesPerObject)} (per-object cap 1,000; folded ${n(t.folded)}); late events ${n(t.lateEvents)}; fan-out groups quiet after a firing ${n(t.quiet)}`,
  );
  for (const e of t.errors) out.push(`  error: ${e}`);
  if (noiseOk(t)) {
    out.push('  PASS: no alert other than the documented low-severity ones');
  } else if (t.unexpected.length > 0) {
    const kinds: Record<string, number> = {};
    for (const a of t.unexpected) kinds[`${a.alert_type} ${a.severity}`] = (kinds[`${a.alert_type} ${a.severity}`] ?? 0) + 1;
    out.push(`  FAIL: ${n(t.unexpected.length)} alerts other than the documented low-severity ones (${byCount(kinds)}):`);
    for (const a of t.unexpected.slice(0, SHOWN_UNEXPECTED)) out.push(`    ${describe(a)}`);
    if (t.unexpected.length > SHOWN_UNEXPECTED) out.push(`    … and ${n(t.unexpected.length - SHOWN_UNEXPECTED)} more`);
  }
  return out;
}
