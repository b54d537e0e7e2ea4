/**
 * One object's contribution to its aggregate rules: per rule, per group, per time bucket, a partial aggregate of the
 * events its event part passed (stateful/partial.ts). Nothing here is shared or stored: the stateful stage
 * (stateful/aggregate.ts) writes these contributions and evaluates the windows.
 *
 * Bounded: at most the rule's group limit (groupBy's `limit`, default 20,000) groups and MAX_CELLS (group, bucket)
 * cells per object and rule, and MAX_VALUES distinct or collected values in all its partials; events of further
 * groups, events lacking a group field and events without a usable `@timestamp` are counted, not kept, and so are
 * values past MAX_VALUES (a distinct count is then a lower bound): the object's memory is bounded whatever it holds.
 */
import { createHash } from 'node:crypto';
import type { Attribution } from '../alerts/types';
import type { LoadedRule } from '../rules/rule';
import type { Fields } from '../rules/types';
import { addEvent, emptyPartial, type Partial, type ValueBudget } from './partial';

export const MAX_CELLS = 100_000;
/** Distinct and collected values kept per object and rule, over all its partials. */
export const MAX_VALUES = 200_000;

/** The event fields an aggregate alert shows (its fixed record fields come from the window's latest event). */
export const SAMPLE_FIELDS = [
  '#event_simpleName', 'aid', 'cid', 'aip', 'LocalAddressIP4', 'UserSid', 'AuthenticationId', 'ComputerName', 'UserName',
  'FileName', 'FilePath', 'CommandLine', 'RemoteAddressIP4', 'RemoteAddressIP6', 'RemotePort', 'ContextProcessId', 'id',
] as const;
/** Where the sample keeps its event's attribution (how the process was identified). */
export const SAMPLE_ATTRIBUTION = '_attribution';

export interface GroupCells {
  values: Record<string, string>;
  buckets: Map<number, Partial>;
}

/** A stable id for a group's field values. */
export function groupId(values: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32);
}

function sampleOf(fields: Fields, attribution: Attribution): Fields {
  const out: Fields = {};
  for (const k of SAMPLE_FIELDS) if (fields[k] !== undefined) out[k] = fields[k];
  if (attribution) out[SAMPLE_ATTRIBUTION] = attribution;
  return out;
}

export class RuleAggregation {
  readonly groups = new Map<string, GroupCells>();
  /** Events past the group or cell limits. */
  overLimit = 0;
  /** Values the partials could keep, and those past MAX_VALUES (counted, not kept). */
  readonly values: ValueBudget = { left: MAX_VALUES, dropped: 0 };
  /** Events lacking a group field (LogScale's groupBy leaves them out). */
  ungrouped = 0;
  /** Events without a usable @timestamp (an aggregate window is event time). */
  untimed = 0;
  events = 0;
  /** Newest event time seen (ms). */
  maxTs = -Infinity;
  private cells = 0;
  /** Each cell's latest event so far, and its attribution, until samples() makes the cell's sample of it. */
  private readonly latest = new Map<Partial, [Fields, Attribution]>();
  /** Group ids by the group's raw values: the id (a hash) is computed once per group, not per event. */
  private readonly ids = new Map<string, string>();

  constructor(readonly rule: LoadedRule) {}

  add(fields: Fields, attribution: Attribution): void {
    const spec = this.rule.query.aggregate!;
    const plan = this.rule.aggregate!;
    const ts = Number(fields['@timestamp']);
    if (!Number.isFinite(ts)) return void this.untimed++;
    const values: string[] = [];
    for (const f of spec.groupBy) {
      const v = fields[f];
      if (typeof v !== 'string') return void this.ungrouped++;
      values.push(v);
    }
    const raw = values.length === 1 ? values[0] : values.join('\u0000');
    let id = this.ids.get(raw);
    if (id === undefined) {
      id = groupId(values);
      if (this.ids.size < spec.limit) this.ids.set(raw, id);
    }
    let g = this.groups.get(id);
    if (!g) {
      if (this.groups.size >= spec.limit) return void this.overLimit++;
      g = { values: Object.fromEntries(spec.groupBy.map((f, i) => [f, values[i]])), buckets: new Map() };
      this.groups.set(id, g);
    }
    const bucket = Math.floor(ts / plan.bucketMs) * plan.bucketMs;
    let p = g.buckets.get(bucket);
    if (!p) {
      if (this.cells >= MAX_CELLS) return void this.overLimit++;
      p = emptyPartial(spec.functions);
      g.buckets.set(bucket, p);
      this.cells++;
    }
    // Only the latest event's sample is kept, and it is made once the object is read (samples()): until then the
    // latest event of each cell is remembered by reference (bounded by the cells).
    if (ts >= p.last) this.latest.set(p, [fields, attribution]);
    addEvent(p, spec.functions, fields, ts, p.sample, this.values);
    this.events++;
    if (ts > this.maxTs) this.maxTs = ts;
  }

  /** Every partial's sample, once the whole object has been read (to complete names from the object's identities). */
  *samples(): Generator<Fields> {
    for (const [p, [fields, attribution]] of this.latest) p.sample = sampleOf(fields, attribution);
    this.latest.clear();
    for (const g of this.groups.values()) for (const p of g.buckets.values()) yield p.sample;
  }
}
