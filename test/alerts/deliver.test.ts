// deliverAlerts: claim → publish → confirm/release, with in-memory dedupe and sink (the protocol, not the store).
import { describe, expect, it } from 'vitest';
import { deliverAlerts } from '../../lambda/alerts/deliver';
import type { AlertRecord } from '../../lambda/alerts/types';
import type { AlertSink, DedupeStore } from '../../lambda/ports';
import { makeAlert } from '../support/alert-fixtures';

class MemoryDedupe implements DedupeStore {
  readonly state = new Map<string, 'pending' | 'published'>();
  async claim(ids: string[]) {
    const out = { fresh: [] as string[], duplicate: [] as string[], busy: [] as string[] };
    for (const id of ids) {
      const s = this.state.get(id);
      if (s === 'published') out.duplicate.push(id);
      else if (s === 'pending') out.busy.push(id);
      else {
        this.state.set(id, 'pending');
        out.fresh.push(id);
      }
    }
    return out;
  }
  async confirm(ids: string[]) {
    for (const id of ids) this.state.set(id, 'published');
  }
  async release(ids: string[]) {
    for (const id of ids) if (this.state.get(id) === 'pending') this.state.delete(id);
  }
}

const sinkOf = (fail: Set<string> = new Set()): AlertSink & { got: AlertRecord[] } => {
  const got: AlertRecord[] = [];
  return {
    got,
    async publish(alerts) {
      got.push(...alerts);
      return {
        published: alerts.filter((a) => !fail.has(a.alert_id)).map((a) => a.alert_id),
        failed: alerts.filter((a) => fail.has(a.alert_id)).map((a) => ({ alert_id: a.alert_id, error: 'nope' })),
      };
    },
  };
};

describe('deliverAlerts', () => {
  it('never hands suppression data to a sink', async () => {
    const sink = sinkOf();
    await deliverAlerts([makeAlert({ alert_id: 'a', suppressed: { reason: 'x', entry: {} } })], { dedupe: new MemoryDedupe(), sink });
    expect(sink.got).toHaveLength(1);
    expect(sink.got[0]).not.toHaveProperty('suppressed');
  });

  it('releases the claims of alerts the sink failed, so a retry publishes them; confirmed ones are duplicates', async () => {
    const dedupe = new MemoryDedupe();
    const first = await deliverAlerts([makeAlert({ alert_id: 'ok' }), makeAlert({ alert_id: 'bad' })], { dedupe, sink: sinkOf(new Set(['bad'])) });
    expect(first.published).toEqual(['ok']);
    expect(first.failed.map((f) => f.alert_id)).toEqual(['bad']);
    const again = await deliverAlerts([makeAlert({ alert_id: 'ok' }), makeAlert({ alert_id: 'bad' })], { dedupe, sink: sinkOf() });
    expect(again.published).toEqual(['bad']);
    expect(again.deduplicated).toEqual(['ok']);
  });

  it('counts an alert the sink neither published nor reported as failed (nothing may vanish)', async () => {
    const sink: AlertSink = { publish: async () => ({ published: [], failed: [] }) };
    const r = await deliverAlerts([makeAlert({ alert_id: 'x' })], { dedupe: new MemoryDedupe(), sink });
    expect(r.failed).toEqual([{ alert_id: 'x', error: 'not reported by sink' }]);
  });
});
