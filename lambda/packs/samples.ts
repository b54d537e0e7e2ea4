/**
 * Sample events kept next to each rule: positive and negative cases per alert type, each case one small object
 * (or several, in order, for aggregate rules whose windows span objects) run through the real pipeline and the
 * stateful stage, with state in memory for the case. A rule without a positive AND a negative case for every alert
 * type it can raise fails, as does any case whose alerts differ from what it expects.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StaticContextStore } from '../context/file';
import { policyOf } from '../context/policy';
import { processObject } from '../pipeline';
import type { LoadedRule } from '../rules/rule';
import { MemoryObjectSource } from '../sources/file';
import { applyState } from '../stateful/index';
import { MemoryStateStore } from '../stores/state-memory';
import { declaredAlertTypes } from './loader';

export { declaredAlertTypes };

export interface SampleCase {
  name: string;
  /** The alert type this case is about (a negative case names the type it must NOT raise). */
  about: string;
  /** The alert types the case's events must raise (published, or held back as a shadow rule's), in order. */
  expect: string[];
  /** Optional: the alert types the rule's throttle must hold back, in order. */
  throttled?: string[];
  /** Optional: the attribution every alert of the case must carry. */
  attribution?: 'event' | 'joined' | 'unresolved';
  /** One object's events… */
  events?: Record<string, unknown>[];
  /** …or several objects, processed in order with the same state (a window that spans objects). */
  objects?: Record<string, unknown>[][];
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

const list = (xs: readonly string[]): string => `[${xs.join(', ')}]`;

export async function runSamples(rule: LoadedRule, cases: SampleCase[] = readSamples(rule)): Promise<SampleReport> {
  const failures: string[] = [];
  for (const type of declaredAlertTypes(rule.meta)) {
    const about = cases.filter((c) => c.about === type);
    if (!about.some((c) => c.expect.includes(type))) failures.push(`${type}: no positive sample case`);
    if (!about.some((c) => !c.expect.includes(type))) failures.push(`${type}: no negative sample case`);
  }
  const policy = policyOf([rule]);
  const context = new StaticContextStore();
  for (const c of cases) {
    const objects = c.objects ?? (c.events ? [c.events] : []);
    if (objects.length === 0) {
      failures.push(`case "${c.name}": no events`);
      continue;
    }
    const store = new MemoryStateStore();
    const got: string[] = [];
    const throttled: string[] = [];
    const attributions: (string | null)[] = [];
    let unclean = false;
    for (const [i, events] of objects.entries()) {
      const key = `samples/${c.name}/${i}`;
      const res = await processObject({ bucket: null, key }, { source: MemoryObjectSource.ndjson(key, events), rules: [rule], context, policy });
      const state = await applyState(res, { store, context, policy });
      for (const a of [...state.publish, ...state.shadow]) {
        got.push(a.alert_type);
        attributions.push(a.attribution);
      }
      throttled.push(...state.throttled.map((a) => a.alert_type));
      const skipped = Object.values(res.stats.skipped).reduce((a, b) => a + b, 0);
      if (skipped > 0 || res.error) unclean = true;
    }
    if (JSON.stringify(got) !== JSON.stringify(c.expect)) failures.push(`case "${c.name}": expected ${list(c.expect)}, got ${list(got)}`);
    if (c.throttled && JSON.stringify(throttled) !== JSON.stringify(c.throttled)) {
      failures.push(`case "${c.name}": expected throttled ${list(c.throttled)}, got ${list(throttled)}`);
    }
    if (c.attribution) {
      const wrong = attributions.filter((a) => a !== c.attribution);
      if (wrong.length > 0) failures.push(`case "${c.name}": expected attribution ${c.attribution}, got ${wrong.join(', ')}`);
    }
    if (unclean) failures.push(`case "${c.name}": sample events did not decode cleanly`);
  }
  return { rule: rule.meta.id, cases: cases.length, failures };
}
