/**
 * An alert as a responder reads it (the email an SNS email subscriber receives): what happened, on which host, by
 * whom, the evidence, why it matters for the technique, how to tune it, and the alert id. The words come from the
 * rule's `guide` for the alert type; everything else from the record, whose secrets are already redacted.
 * Bounded: each value at most VALUE_MAX characters, the whole text at most TEXT_MAX.
 */
import type { AlertGuide, LoadedRule } from '../rules/rule';
import type { AlertRecord } from './types';

export const VALUE_MAX = 1_000;
export const TEXT_MAX = 16_000;

/** The guide of every alert type the rules declare. */
export function guidesOf(rules: readonly LoadedRule[]): Map<string, AlertGuide> {
  const out = new Map<string, AlertGuide>();
  for (const r of rules) for (const [type, g] of Object.entries(r.meta.guide ?? {})) out.set(type, g);
  return out;
}

const cut = (s: string, max = VALUE_MAX): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const flat = (s: string): string => s.replace(/[\r\n\t]+/g, ' ');
const iso = (ms: number | null | undefined): string | null =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : null;

function line(label: string, value: string | null | undefined): string[] {
  return value ? [`${label}: ${cut(flat(value))}`] : [];
}

export function alertText(a: AlertRecord, guide?: AlertGuide): string {
  const host = a.ComputerName ?? (a.aid ? `aid ${a.aid}` : 'an unknown host');
  const out: string[] = [`[${a.severity.toUpperCase()}] ${a.alert_type} on ${host}${a.UserName ? ` by ${a.UserName}` : ''}`, ''];
  out.push(...line('What happened', guide?.summary ?? `${a.alert_type} (rule ${a.rule_id})`));
  out.push(...line('When', iso(a['@timestamp'])));
  out.push(...line('Host', [a.ComputerName, a.aid ? `aid ${a.aid}` : null].filter(Boolean).join(', ')));
  out.push(...line('User', [a.UserName, a.UserSid].filter(Boolean).join(', ')));
  out.push(...line('Process', a.FileName));
  out.push(...line('Command line', a.CommandLine));
  if (a.RemoteAddressIP4) out.push(...line('Remote address', `${a.RemoteAddressIP4}${a.RemotePort ? `:${a.RemotePort}` : ''}`));

  const evidence = Object.entries(a.fields).filter(([, v]) => v !== null) as [string, string][];
  const order = guide?.evidence ?? [];
  evidence.sort(([x], [y]) => (order.includes(x) ? order.indexOf(x) : order.length) - (order.includes(y) ? order.indexOf(y) : order.length));
  if (evidence.length > 0) {
    out.push('Evidence:');
    for (const [k, v] of evidence.slice(0, 30)) out.push(`  ${k}: ${cut(flat(v))}`);
  }
  if (a.aggregate) {
    const g = a.aggregate;
    out.push(
      `Aggregate: ${g.count} events from ${iso(g.first_seen)} to ${iso(g.last_seen)} (window ${g.window.size}); group ${Object.entries(g.group).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    );
    for (const [k, v] of Object.entries(g.values)) out.push(`  ${k}: ${cut(flat(v.split('\n').join(', ')))}`);
  }
  if (a.overflow) out.push(`Folded: ${a.overflow.folded} more alerts of this object past the per-object cap (${a.overflow.cap})`);
  if (a.context.degraded) out.push(`Context: not checked for suppression (${cut(a.context.degraded, 200)})`);
  if (a.context.host?.tags?.length) out.push(`Host tags: ${a.context.host.tags.join(', ')}`);
  if (a.context.user?.tags?.length) out.push(`User tags: ${a.context.user.tags.join(', ')}`);
  out.push('');
  out.push(...line(`Why it matters (${a.technique}, ${a.tactic})`, guide?.why));
  out.push(...line('Known false positives', guide?.falsePositives));
  out.push(...line('Tuning', guide?.tuning));
  out.push('');
  const src = a.source.key ? `${a.source.bucket ? `s3://${a.source.bucket}/` : ''}${a.source.key}${a.source.line ? ` line ${a.source.line}` : ''}` : null;
  out.push(`Alert id: ${a.alert_id} · rule ${a.rule_id}${src ? ` · ${cut(src, 300)}` : ''}`);
  const text = out.join('\n') + '\n';
  return text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 20)}\n…[truncated]\n` : text;
}
