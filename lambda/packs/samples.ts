/**
 * Sample events kept next to each rule: positive and negative cases per alert type, each case one small object
 * run through the real pipeline. A rule without a positive AND a negative case for every alert type it can
 * raise fails, as does any case whose alerts differ from what it expects.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StaticContextStore } from '../context/file';
import { processObject } from '../pipeline';
import type { LoadedRule } from '../rules/rule';
import { MemoryObjectSource } from '../sources/file';

export interface SampleCase {
  name: string;
  /** The alert type this case is about (a negative case names the type it must NOT raise). */
  about: string;
  /** The alert types the case's events must raise, in line order. */
  expect: string[];
  /** Optional: the attribution every alert of the case must carry. */
  attribution?: 'event' | 'joined' | 'unresolved';
  events: Record<string, unknown>[];
}

export interface SampleReport {
  rule: string;
  cases: number;
  failures: string[];
}

export function readSamples(rule: LoadedRule): SampleCase[] {
  const path = resolve(dirname(rule.path), rule.meta.samples);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { cases?: SampleCase[] };
  return doc.cases ?? [];
}

/** The alert types a rule declares (its severity map, less `default`). */
export function declaredAlertTypes(rule: LoadedRule): string[] {
  return Object.keys(rule.meta.severity).filter((k) => k !== 'default');
}

export async function runSamples(rule: LoadedRule, cases: SampleCase[] = readSamples(rule)): Promise<SampleReport> {
  const failures: string[] = [];
  for (const type of declaredAlertTypes(rule)) {
    const about = cases.filter((c) => c.about === type);
    if (!about.some((c) => c.expect.includes(type))) failures.push(`${type}: no positive sample case`);
    if (!about.some((c) => !c.expect.includes(type))) failures.push(`${type}: no negative sample case`);
  }
  for (const c of cases) {
    const key = `samples/${c.name}`;
    const res = await processObject(
      { bucket: null, key },
      { source: MemoryObjectSource.ndjson(key, c.events), rules: [rule], context: new StaticContextStore() },
    );
    const got = res.alerts.map((a) => a.alert_type);
    if (JSON.stringify(got) !== JSON.stringify(c.expect)) {
      failures.push(`case "${c.name}": expected [${c.expect.join(', ')}], got [${got.join(', ')}]`);
    }
    if (c.attribution) {
      const wrong = res.alerts.filter((a) => a.attribution !== c.attribution);
      if (wrong.length > 0) failures.push(`case "${c.name}": expected attribution ${c.attribution}, got ${wrong.map((a) => a.attribution).join(', ')}`);
    }
    const skipped = Object.values(res.stats.skipped).reduce((a, b) => a + b, 0);
    if (skipped > 0 || res.error) failures.push(`case "${c.name}": sample events did not decode cleanly`);
  }
  return { rule: rule.meta.id, cases: cases.length, failures };
}
