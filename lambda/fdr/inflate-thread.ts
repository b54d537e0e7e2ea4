/**
 * The gzip stage in a worker thread: fdr/inflate.ts's `inflateMembers`, the same code the decoder runs inline, on a
 * thread of its own, so that inflate runs beside the line work instead of taking turns with it.
 *
 * Why: Node's zlib runs one inflate call at a time on libuv's pool and starts the next only from a callback on the
 * main thread, so inline inflate gets at most one call ahead of the line work and the main thread waits for it about
 * once per inflate chunk. In a worker the callbacks run on the worker's own event loop: inflate keeps `lead` chunks
 * ahead whatever the main thread is doing. Worth it where more than one core is free beside the main thread (inflate,
 * the worker's event loop and V8's helper threads share what is left: on 2 cores it is no faster than inline in the
 * bench; not on a 1-vCPU Lambda), and for objects large enough to pay for the thread's start (tens of milliseconds).
 *
 * The source stays on the calling thread (an S3 body cannot move between threads): its bytes are copied to the
 * worker in pieces of one zlib write, at most `inputAhead` bytes ahead of what the worker has taken. Inflated chunks
 * come back through a ring of `lead` slots of one inflate chunk each in shared memory: the worker copies a chunk
 * into the next free slot, the decoder reads it in place and frees the slot when it asks for the next chunk (a
 * yielded chunk is valid until then, as the Inflater contract says). Sent as transferred messages instead, each chunk
 * was an event and a fresh buffer on the decoder's thread (its garbage collector counted every one): replay of the
 * bench's 400 MB input in a thread took 6 % longer (2 cores, medians of 8). Memory stays bounded: `inputAhead` + the
 * ring + zlib's own read-ahead.
 *
 * What the decoder guarantees holds here too, because the worker runs the same gzip code over an input that behaves
 * as the source does: members and padding, fine steps near damage, the byte where damage was found, nothing lost on
 * truncation, and which error is reported when the source fails (the worker learns that the input failed rather than
 * ended, at the position where it did, so a corrupt member before the failure is reported as inline). A worker that
 * cannot start or dies is a transient `inflate-worker` error after everything it inflated was yielded.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InflatedChunk, Inflater, InflateOptions, InflateReport, PullInput } from './inflate';
import type { DecodeError } from './types';

export interface WorkerInflaterOptions {
  /** Inflated chunks the worker may have sent that the decoder has not read yet. Default 16. */
  lead?: number;
  /** Compressed bytes sent to the worker that it has not taken yet. Default 1 MiB. */
  inputAhead?: number;
  /** The worker's script, for a bundle that puts `inflate-worker.js` elsewhere. Default: next to this module. */
  script?: URL;
  /**
   * How the worker runs zlib. `handle` (the default): synchronous calls straight into the ring (fdr/inflate-sync.ts),
   * or the stream where Node's zlib does not allow them; `stream`: zlib's stream, its chunks copied into the ring.
   */
  engine?: 'handle' | 'stream';
}

/** What the worker is started with. */
export interface InflateWorkerData {
  o: InflateOptions;
  /** Slots in the ring. */
  lead: number;
  /**
   * Int32Array over it: [READ] chunks the decoder is done with; [WAKE_AT] while the worker waits, the READ to wake it
   * at; [WRITTEN] chunks the worker has put in the ring; [LENGTHS + slot] the length of the chunk in that slot.
   */
  credit: SharedArrayBuffer;
  /** `lead` slots of `slotSize` bytes: chunk n is in slot n % lead. */
  ring: SharedArrayBuffer;
  slotSize: number;
  /** Int32Array over it: per slot, the chunk's key hits (`keyLayout`), or -1 first when they were not found. */
  keys: SharedArrayBuffer;
  engine: 'handle' | 'stream';
}

/**
 * Credit for the worker's lead lives in shared memory, not in messages: a message wakes the worker's thread, and on a
 * busy machine the scheduler may hand it the core of the thread that woke it (the decoder's) — acknowledging chunks
 * by message cost the decoder's thread milliseconds per message (240 ms over the bench's 400 MB input). A worker out of
 * credit waits until half its lead has been read, and is woken (Atomics.notify) then, once.
 */
export const READ = 0;
export const WAKE_AT = 1;
export const WRITTEN = 2;
export const LENGTHS = 3;

/**
 * Where a slot's key hits are in `keys`: [count, otherCount, positions…, type indexes…, other keys…], room for `cap` of
 * each (a key and its type take at least 30 bytes of a line: more hits than that in a slot are left to the decoder).
 */
export function keyLayout(slotSize: number): { cap: number; stride: number } {
  const cap = Math.max(1, Math.ceil(slotSize / 30));
  return { cap, stride: 2 + 3 * cap };
}

/** Atomics.waitAsync (V8 has it; TypeScript's ES2023 lib does not declare it). */
export const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/** Calling thread → worker. */
export type ToWorker =
  | { t: 'data'; buf: Uint8Array }
  /** The input ended; `failed`: it failed there (the decoder reports the source's error unless zlib's came first). */
  | { t: 'end'; failed: boolean };

/** A zlib error as it crosses threads. */
export interface WorkerError extends Omit<DecodeError, 'cause'> {
  cause?: { name: string; message: string; code?: string };
}

/** Worker → calling thread. */
export type FromWorker =
  /** `n` compressed bytes were taken from the queue. */
  | { t: 'took'; n: number }
  /** The gzip stage stopped reading: the source is to be closed. */
  | { t: 'close' }
  | { t: 'done'; error?: WorkerError; gzipPaddingBytes?: number };

const DEFAULT_LEAD = 16;
/**
 * The worker's young generation, small: the compressed pieces it is sent are buffers the calling thread allocated, and
 * they are freed (and uncounted from the calling thread's memory) only when the worker collects them. The worker
 * allocates little, so with V8's default its collections were rare and most of the input stayed resident: the bench's
 * peak RSS was 111 → 135 MB for 100 → 400 MB of input, 105 → 120 MB with 1 MB, and no slower.
 */
const WORKER_YOUNG_MB = 1;
export const DEFAULT_INPUT_AHEAD = 1024 * 1024;
/** Inflated chunks between two turns of the event loop, which delivers the worker's messages and the source's reads. */
const CHUNKS_PER_TURN = 2;

/**
 * The worker's script: the compiled `inflate-worker.js` next to this module's chunk in dist/ or, running from sources
 * (tests, `npm run replay`), the TypeScript source through tsx's loader, registered in the worker first (Node 20
 * does not apply `--import` hooks to a worker's entry module).
 */
function workerScript(): { script: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { script: new URL('./inflate-worker.js', import.meta.url), eval: false };
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
  const tsx = pathToFileURL(join(dirname(pkg), api)).href;
  const entry = new URL('./inflate-worker.ts', import.meta.url).href;
  return { script: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/** An Inflater that runs the gzip stage in a worker thread (one per object, ended with it). */
export function workerInflater(opts: WorkerInflaterOptions = {}): Inflater {
  const lead = Math.max(1, Math.floor(opts.lead ?? DEFAULT_LEAD));
  const inputAhead = Math.max(1, Math.floor(opts.inputAhead ?? DEFAULT_INPUT_AHEAD));
  const script = opts.script;
  const engine = opts.engine ?? 'handle';
  // Only the options cross to the worker (workerData is cloned: the decoder's own fields, functions among them, stay).
  return (input, o, report) =>
    inflateInWorker(input, { chunkSize: o.chunkSize, step: o.step, fine: o.fine, keyTypes: o.keyTypes }, report, lead, inputAhead, script, engine);
}

async function* inflateInWorker(
  input: PullInput,
  o: InflateOptions,
  report: InflateReport,
  lead: number,
  inputAhead: number,
  scriptUrl: URL | undefined,
  engine: 'handle' | 'stream',
): AsyncGenerator<InflatedChunk, void, undefined> {
  const { script, eval: isCode } = scriptUrl !== undefined ? { script: scriptUrl, eval: false } : workerScript();
  const credit = new SharedArrayBuffer(4 * (LENGTHS + lead));
  const shared = new Int32Array(credit);
  const slotSize = o.chunkSize;
  const ring = new SharedArrayBuffer(lead * slotSize);
  const { cap, stride } = keyLayout(slotSize);
  const keys = new SharedArrayBuffer(o.keyTypes === undefined ? 4 : 4 * lead * stride);
  const keyIndex = new Int32Array(keys);
  const data: InflateWorkerData = { o, lead, credit, ring, slotSize, keys, engine };
  const worker = new Worker(script, { workerData: data, eval: isCode, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
  const send = (m: ToWorker, transfer?: ArrayBuffer[]): void => worker.postMessage(m, transfer);

  let done: Extract<FromWorker, { t: 'done' }> | null = null;
  let died: Error | null = null;
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  // The source, read ahead of the worker by at most `inputAhead` bytes; one read at a time.
  let ahead = 0;
  let inputDone = false; // ended, failed or closed: not read again
  let closeWanted = false;
  let reading = false;
  /** The source's error, held back until the worker says whether zlib failed first. */
  let sourceError: DecodeError | undefined;
  const fill = async (): Promise<void> => {
    if (reading) return;
    reading = true;
    try {
      while (!inputDone && !closeWanted && ahead < inputAhead) {
        const before = report.error;
        // Whole zlib writes: fewer, bigger messages (the worker joins pieces to this size anyway).
        const b = await input.nextAtLeast(o.step);
        // The source failed during this read (possibly after some bytes, which are still sent): its error waits.
        const failed = before === undefined && report.error !== undefined;
        if (failed) {
          sourceError = report.error;
          report.error = undefined;
        }
        if (closeWanted) break;
        if (b !== null) {
          ahead += b.length;
          const copy = new Uint8Array(b); // the source may reuse its buffers: the worker gets its own
          send({ t: 'data', buf: copy }, [copy.buffer]);
        }
        if (b === null || failed) {
          inputDone = true;
          send({ t: 'end', failed });
          break;
        }
      }
    } catch (e) {
      died ??= e instanceof Error ? e : new Error(String(e));
      signal();
    } finally {
      reading = false;
    }
    if (closeWanted && !inputDone) {
      inputDone = true;
      await input.close();
    }
  };
  /** Close the source now, or when the read in flight returns (closing under a pending read could fail it). */
  const closeInput = (): void => {
    closeWanted = true;
    if (!reading) void fill();
  };

  worker.on('message', (m: FromWorker) => {
    switch (m.t) {
      case 'took':
        ahead -= m.n;
        void fill();
        break;
      case 'close':
        closeInput();
        break;
      case 'done':
        done = m;
        signal();
        break;
    }
  });
  worker.on('error', (e: Error) => {
    died ??= e;
    signal();
  });
  worker.on('exit', (code) => {
    if (done === null) died ??= new Error(`inflate worker exited with code ${code}`);
    signal();
  });
  void fill();

  let sinceTurn = 0;
  let read = 0;
  try {
    for (;;) {
      // The worker stores WRITTEN after the slot's bytes and length, and before it posts `done`: what it loads is there.
      const written = Atomics.load(shared, WRITTEN);
      if (read < written) {
        const slot = read % lead;
        const c: InflatedChunk = Buffer.from(ring, slot * slotSize, shared[LENGTHS + slot]);
        const at = slot * stride;
        const count = o.keyTypes === undefined ? -1 : keyIndex[at];
        if (count >= 0) {
          const otherCount = keyIndex[at + 1];
          const from = at + 2;
          c.keyHits = {
            count,
            positions: keyIndex.subarray(from, from + count),
            types: keyIndex.subarray(from + cap, from + cap + count),
            otherCount,
            others: keyIndex.subarray(from + 2 * cap, from + 2 * cap + otherCount),
          };
        }
        yield c;
        // Asked for the next chunk: the decoder is done with this one, its slot is free.
        Atomics.store(shared, READ, ++read);
        const wakeAt = Atomics.load(shared, WAKE_AT);
        if (wakeAt !== 0 && read >= wakeAt) Atomics.notify(shared, READ);
        if (++sinceTurn >= CHUNKS_PER_TURN) {
          sinceTurn = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        continue;
      }
      if (done !== null || died !== null) break;
      // Until the worker writes a chunk, or a message (done, a failure) arrives.
      await new Promise<void>((resolve) => {
        wake = resolve;
        const w = waitAsync(shared, WRITTEN, written);
        if (w.async) void (w.value as Promise<string>).then(signal);
        else signal();
      });
    }
  } finally {
    void worker.terminate();
    Atomics.notify(shared, WRITTEN); // a wait still pending on the ring ends with it
    closeInput(); // a no-op when the source was read to its end
  }

  // Set by the message and error handlers (closures), which TypeScript's narrowing does not see.
  const finished = done as Extract<FromWorker, { t: 'done' }> | null;
  const dead = died as Error | null;
  if (finished?.error !== undefined) {
    const { cause, ...rest } = finished.error;
    // zlib's error reached before the input's end or failure, as it would inline.
    report.error ??= { ...rest, cause: cause && Object.assign(new Error(cause.message), { name: cause.name, code: cause.code }) };
  }
  if (finished === null && dead !== null) {
    // Not the data's fault, and not a place in it: a transient failure, as a source that broke off.
    report.error ??= { stage: 'source', code: 'inflate-worker', message: `inflate worker failed: ${dead.message}`, transient: true, atByte: 0, cause: dead };
  }
  if (sourceError !== undefined && (report.error === undefined || report.error.stage === 'source')) report.error = sourceError;
  if (finished?.gzipPaddingBytes !== undefined) report.gzipPaddingBytes = (report.gzipPaddingBytes ?? 0) + finished.gzipPaddingBytes;
}
