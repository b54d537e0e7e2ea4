/** The replay summary on stderr (events, matches, alerts, suppressed, skipped lines by reason, MB/s) and progress. */
import type { ObjectResult } from '../pipeline';
import type { StatefulResult } from '../stateful/index';
import type { SyncResult } from '../context/sync';
import { secondarySkipReason } from '../keys';
import type { ObjectRef } from '../ports';

export class Summary {
  private readonly started = process.hrtime.bigint();
  objects = 0;
  secondary = 0;
  events = 0;
  bytesIn = 0;
  bytesOut = 0;
  matches = 0;
  repairedUtf8 = 0;
  alerts = 0;
  suppressed = 0;
  folded = 0;
  throttled = 0;
  shadow = 0;
  aggregateFirings = 0;
  lateEvents = 0;
  aggregateCapped = 0;
  decidedEarly = 0;
  threadInflated = 0;
  readonly skipped = new Map<string, number>();
  readonly errors: string[] = [];
  private lastProgress = 0;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }) {}

  get hadInputErrors(): boolean {
    return this.errors.length > 0;
  }

  inputError(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  /** An object's gzip was inflated in a worker thread (`thread_inflated=N`: where inflate ran is part of a timing). */
  inflatedInThread(): void {
    this.threadInflated++;
  }

  startObject(ref: ObjectRef): void {
    if (!this.out.isTTY) return;
    const now = Date.now();
    if (now - this.lastProgress < 200) return;
    this.lastProgress = now;
    const mb = (this.bytesOut / 1e6).toFixed(0);
    this.out.write(`\r\x1b[K[${this.objects} objects, ${mb} MB, ${this.alerts} alerts] ${ref.key.slice(-60)}`);
  }

  addObject(r: ObjectResult, s?: StatefulResult): void {
    this.objects++;
    this.events += r.stats.lines;
    this.bytesIn += r.stats.bytesIn;
    this.bytesOut += r.stats.bytesOut;
    this.matches += r.matches;
    this.alerts += s ? s.publish.length : r.alerts.length;
    this.suppressed += r.suppressed.length + r.folded.suppressed + r.repeats.suppressed + (s?.suppressed.length ?? 0);
    this.throttled += (s?.throttled.length ?? 0) + r.repeats.throttled;
    this.shadow += s?.shadow.length ?? 0;
    this.aggregateFirings += s?.fired ?? 0;
    this.lateEvents += s?.lateEvents ?? 0;
    this.aggregateCapped += s?.aggregateCapped ?? 0;
    this.folded += r.folded.alerts;
    this.decidedEarly += r.join.decidedEarly;
    this.repairedUtf8 += r.stats.repairedUtf8 ?? 0;
    for (const [reason, n] of Object.entries(r.stats.skipped)) {
      if (n > 0) this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + n);
    }
    const where = r.ref.bucket ? `s3://${r.ref.bucket}/${r.ref.key}` : r.ref.key;
    for (const s of r.stats.skippedSamples) this.out.write(`skipped ${where}:${s.line}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}\n`);
    if (r.error) this.errors.push(`${where}: ${r.error.kind} error: ${r.error.message}`);
    if (r.contextDegraded) this.out.write(`warning: ${where}: ${r.contextDegraded} (alerts were not checked for suppression)\n`);
    if (r.folded.matches > 0) {
      this.out.write(`note: ${where}: ${r.folded.matches} matches past the per-object cap folded into one summary alert (${r.folded.alerts} alerts, ${r.folded.suppressed} suppressed)\n`);
    }
  }

  /** A secondary-data (fdrv2/) object synced into replay's context (as the Lambda syncs it). */
  addSecondary(ref: ObjectRef, r: SyncResult): void {
    this.secondary++;
    if (r.status === 'skipped') {
      this.out.write(`note: ${ref.key}: ${secondarySkipReason(r.route) ?? 'not synced'}; skipped\n`);
      return;
    }
    this.bytesIn += r.bytesIn;
    for (const [reason, n] of Object.entries(r.skipped)) {
      if (n && n > 0) this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + n);
    }
    for (const s of r.skippedSamples) this.out.write(`skipped ${ref.key}:${s.line}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}\n`);
    if (r.error) this.errors.push(`${ref.key}: ${r.error.kind} error: ${r.error.message}`);
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[K');
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    const mbOut = this.bytesOut / 1e6;
    const skipped = [...this.skipped].map(([r, n]) => `${r}=${n}`).join(', ') || '0';
    for (const e of this.errors) this.out.write(`error: ${e}\n`);
    this.out.write(
      `objects=${this.objects}${this.secondary ? ` secondary=${this.secondary}` : ''} events=${this.events} matches=${this.matches} alerts=${this.alerts} suppressed=${this.suppressed} ` +
        (this.throttled ? `throttled=${this.throttled} ` : '') +
        (this.shadow ? `shadow=${this.shadow} ` : '') +
        (this.aggregateFirings ? `aggregate_firings=${this.aggregateFirings} ` : '') +
        (this.lateEvents ? `late_events=${this.lateEvents} ` : '') +
        (this.aggregateCapped ? `aggregate_capped=${this.aggregateCapped} ` : '') +
        (this.folded ? `folded=${this.folded} ` : '') +
        (this.decidedEarly ? `joins_decided_early=${this.decidedEarly} ` : '') +
        (this.threadInflated ? `thread_inflated=${this.threadInflated} ` : '') +
        `skipped_lines=${skipped}${this.repairedUtf8 ? ` repaired_utf8=${this.repairedUtf8}` : ''} errors=${this.errors.length} ` +
        `read=${(this.bytesIn / 1e6).toFixed(2)}MB decoded=${mbOut.toFixed(2)}MB in ${seconds.toFixed(2)}s (${(mbOut / Math.max(seconds, 1e-9)).toFixed(1)} MB/s)\n`,
    );
  }
}
