/**
 * The state of stateful detections in memory: replay's StateStore, across every input of one run (a fan-out split
 * over two batch files fires as it would in the Lambda). The same contract as the DynamoDB store: contributions
 * replace their contributor's, throttle slots and firing markers are conditional.
 */
import type { AggregateContribution, AggregateFiring, GroupRange, StateStore, ThrottleSlot } from '../ports';

const gk = (rule: string, group: string): string => `${rule}\u0000${group}`;

export class MemoryStateStore implements StateStore {
  private readonly slots = new Map<string, string>();
  /** group → bucket → contributor → contribution */
  private readonly contributions = new Map<string, Map<number, Map<string, AggregateContribution>>>();
  private readonly firings = new Map<string, AggregateFiring>();
  private readonly marks = new Map<string, number>();

  async claimThrottles(slots: ThrottleSlot[]): Promise<Map<string, string | null>> {
    const held = new Map<string, string | null>();
    for (const s of slots) {
      const holder = this.slots.get(s.key);
      if (holder === undefined) this.slots.set(s.key, s.holder);
      held.set(s.key, holder ?? s.holder);
    }
    return held;
  }

  async putContributions(items: AggregateContribution[]): Promise<void> {
    for (const c of items) {
      const k = gk(c.rule, c.group);
      const buckets = this.contributions.get(k) ?? this.contributions.set(k, new Map()).get(k)!;
      const byContributor = buckets.get(c.bucket) ?? buckets.set(c.bucket, new Map()).get(c.bucket)!;
      byContributor.set(c.contributor, c);
    }
  }

  async readContributions(ranges: GroupRange[]): Promise<AggregateContribution[]> {
    const out: AggregateContribution[] = [];
    for (const r of ranges) {
      const buckets = this.contributions.get(gk(r.rule, r.group));
      if (!buckets) continue;
      for (const [bucket, byContributor] of buckets) {
        if (bucket >= r.fromBucket && bucket <= r.toBucket) out.push(...byContributor.values());
      }
    }
    return out;
  }

  async readFirings(groups: { rule: string; group: string }[]): Promise<AggregateFiring[]> {
    return groups.map((g) => this.firings.get(gk(g.rule, g.group))).filter((f): f is AggregateFiring => f !== undefined);
  }

  async claimFiring(f: AggregateFiring): Promise<boolean> {
    const k = gk(f.rule, f.group);
    const cur = this.firings.get(k);
    if (cur && cur.alertId !== f.alertId && cur.quietUntil > f.runStart) return false;
    this.firings.set(k, f);
    return true;
  }

  async readWatermarks(rules: string[]): Promise<Map<string, number>> {
    return new Map(rules.map((r) => [r, this.marks.get(r) ?? 0]));
  }

  async raiseWatermarks(marks: Map<string, number>): Promise<void> {
    for (const [r, t] of marks) if (t > (this.marks.get(r) ?? 0)) this.marks.set(r, t);
  }
}
