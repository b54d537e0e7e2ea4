/**
 * A discrete-event clock for the background: activities are tasks due at an event time; running one builds its
 * lines at that time (the builder's clock) and may schedule more. Lines therefore come out in (nearly) time order,
 * as an FDR batch holds them, and periodic activity (polls, pushes, throttle periods, fan-out windows) lands where
 * it would in production.
 */
import { FdrEvents, type FdrEvent } from '../../events/fdr-shapes';
import type { Fleet } from './fleet';
import type { Rng } from './random';

export type Task = (sim: Sim) => void;

interface Entry {
  at: number;
  seq: number;
  task: Task;
}

export class Sim {
  readonly b: FdrEvents;
  private readonly heap: Entry[] = [];
  private seq = 0;
  private readonly out: FdrEvent[] = [];

  constructor(
    readonly rng: Rng,
    readonly fleet: Fleet,
    readonly t0: number,
    seed: bigint,
  ) {
    this.b = new FdrEvents(fleet.cid, t0, 7, seed);
  }

  /** Event time of the task being run (ms). */
  get now(): number {
    return this.b.clock;
  }

  at(time: number, task: Task): void {
    const e = { at: time, seq: this.seq++, task };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  after(ms: number, task: Task): void {
    this.at(this.now + ms, task);
  }

  /** Schedules `task` now and then every `meanMs` on average (exponential gaps), starting `firstMs` from t0. */
  every(meanMs: number, task: Task, firstMs = this.rng.exp(meanMs)): void {
    const again: Task = (s) => {
      task(s);
      s.after(s.rng.exp(meanMs), again);
    };
    this.at(this.t0 + firstMs, again);
  }

  emit(...events: FdrEvent[]): void {
    for (const e of events) this.out.push(e);
  }

  /** Runs tasks until at least `n` lines are out; returns them (and forgets them). */
  take(n: number): FdrEvent[] {
    while (this.out.length < n && this.heap.length > 0) {
      const e = this.pop();
      this.b.clock = e.at; // a task's lines start at its time
      e.task(this);
    }
    return this.out.splice(0, n);
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
