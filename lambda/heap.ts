/**
 * V8's young generation for a long streaming pass (the CLI and the Lambda handler set it when they start). V8 doubles the young generation (up to 16 MB per semi-space, three
 * of them resident) whenever a scavenge finds many survivors, and a replay's queued chunks and pending lines look like
 * survivors: over the bench's 400 MB input it grows to its maximum, the largest part of what replay's peak RSS gained
 * over the 100 MB input. Kept at its initial size, collections are more frequent and smaller: inline replay of the
 * 400 MB input 1.41 s instead of 1.49 s, peak RSS 89 MB instead of 111 (100 MB input: 83 instead of 93; alternating
 * whole-process runs, medians of 6). `--semi-space-growth-factor` is read each time V8 grows the young generation, so
 * setting it after start-up takes effect (unlike `--max-semi-space-size`, read once when the heap is set up).
 */
import { setFlagsFromString } from 'node:v8';

/** Stop V8 from growing the young generation from now on (the whole process, its workers included). */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
