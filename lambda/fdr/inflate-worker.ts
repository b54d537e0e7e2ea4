/**
 * The worker thread of fdr/inflate-thread.ts: `inflateMembers` over the compressed bytes the calling thread sends,
 * inflated chunks put in the shared ring, at most `lead` of them unread. zlib inflates straight into the ring's slots
 * by synchronous calls (fdr/inflate-sync.ts); where Node's zlib does not allow that, through its stream, with each chunk
 * copied into the ring.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { inflateMembers, PullInput, type InflateReport } from './inflate';
import { syncMember } from './inflate-sync';
import { keyLayout, LENGTHS, READ, WAKE_AT, waitAsync, WRITTEN, type FromWorker, type InflateWorkerData, type ToWorker, type WorkerError } from './inflate-thread';
import { createPrefilter } from './prefilter';

const port = parentPort!;
const { o, lead, credit, ring, slotSize, keys, engine } = workerData as InflateWorkerData;
const shared = new Int32Array(credit);
const send = (m: FromWorker): void => port.postMessage(m);
const report: InflateReport = {};

/** The compressed bytes as they arrive; pulling past a failed input's end records where it failed. */
class PortInput extends PullInput {
  private readonly queue: Buffer[] = [];
  private ended: 'no' | 'ended' | 'failed' = 'no';
  /** Compressed bytes received: where a failed input failed. */
  private received = 0;
  private closed = false;
  private waiting: ((b: Buffer | null) => void) | null = null;

  arrive(m: ToWorker): void {
    if (this.closed) return;
    if (m.t === 'data') {
      const b = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
      this.received += b.length;
      const w = this.waiting;
      this.waiting = null;
      if (w) w(this.take(b));
      else this.queue.push(b);
    } else if (m.t === 'end') {
      this.ended = m.failed ? 'failed' : 'ended';
      const w = this.waiting;
      this.waiting = null;
      w?.(this.atEnd());
    }
  }

  protected pull(): Promise<Buffer | null> {
    const b = this.queue.shift();
    if (b !== undefined) return Promise.resolve(this.take(b));
    if (this.closed) return Promise.resolve(null);
    if (this.ended !== 'no') return Promise.resolve(this.atEnd());
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  protected async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    send({ t: 'close' });
    const w = this.waiting;
    this.waiting = null;
    w?.(null);
  }

  private take(b: Buffer): Buffer {
    send({ t: 'took', n: b.length });
    return b;
  }

  /** The end of the input, as the gzip stage meets it; a failed input's error comes first, as inline. */
  private atEnd(): null {
    // A stand-in: the calling thread holds the source's real error and puts it back in place of this one.
    if (this.ended === 'failed') report.error ??= { stage: 'source', message: 'the source failed', transient: true, code: 'source', atByte: this.received };
    return null;
  }
}

const input = new PortInput();
port.on('message', (m: ToWorker) => input.arrive(m));

/**
 * Until a slot is free (fewer than `lead` written chunks unread); once out of credit, until no more than half the lead
 * is unread (one wake-up per half lead, not per chunk). Sequentially consistent atomics: the decoder's notify is never
 * missed.
 */
async function credited(sent: number): Promise<void> {
  if (sent - Atomics.load(shared, READ) < lead) return;
  const wakeAt = sent - Math.floor(lead / 2);
  Atomics.store(shared, WAKE_AT, wakeAt);
  for (let read = Atomics.load(shared, READ); read < wakeAt; read = Atomics.load(shared, READ)) {
    const w = waitAsync(shared, READ, read);
    if (w.async) await w.value;
  }
  Atomics.store(shared, WAKE_AT, 0);
}

/** The ring's slots, as buffers (chunk n goes into slot n % lead). */
const views = Array.from({ length: lead }, (_, i) => Buffer.from(ring, i * slotSize, slotSize));
/** Chunks put in the ring. */
let sent = 0;

/** The slot of the next chunk, once it is free. */
async function nextSlot(): Promise<Buffer> {
  await credited(sent);
  return views[sent % lead];
}

/**
 * The decoder's search for type keys, done here on each chunk (this thread has time to spare: inflate alone is faster
 * than the line work). Key hits by their type's index in keyTypes.
 */
const prefilter = o.keyTypes === undefined ? null : createPrefilter(o.keyTypes);
const keyIndex = new Int32Array(keys);
const { cap, stride } = keyLayout(slotSize);
const typeIndex = new Map<string, number>();
o.keyTypes?.forEach((t, i) => typeIndex.has(t) || typeIndex.set(t, i));
const hitPositions: number[] = [];
const hitTypes: (string | undefined)[] = [];
const otherKeys: number[] = [];

/** The key hits of the chunk in `slot`, into its place in `keys` (-1: too many, or none looked for). */
function findKeys(slot: number, chunk: Buffer): void {
  const at = slot * stride;
  if (prefilter === null) return;
  const n = prefilter.typedHits(chunk, 0, chunk.length, hitPositions, hitTypes, otherKeys);
  const m = otherKeys.length;
  if (n > cap || m > cap) {
    keyIndex[at] = -1;
    return;
  }
  keyIndex[at] = n;
  keyIndex[at + 1] = m;
  const from = at + 2;
  for (let i = 0; i < n; i++) {
    keyIndex[from + i] = hitPositions[i];
    keyIndex[from + cap + i] = typeIndex.get(hitTypes[i]!)!;
  }
  for (let i = 0; i < m; i++) keyIndex[from + 2 * cap + i] = otherKeys[i];
}

/** The next chunk (`length` bytes) is in its slot: the decoder may read it. */
function publish(length: number): void {
  findKeys(sent % lead, views[sent % lead].subarray(0, length));
  shared[LENGTHS + (sent % lead)] = length;
  // Published by this store (sequentially consistent): the decoder loads WRITTEN before it reads the slot.
  Atomics.store(shared, WRITTEN, ++sent);
  Atomics.notify(shared, WRITTEN);
}

async function main(): Promise<void> {
  const inPlace = engine === 'handle' ? syncMember(nextSlot) : null;
  if (inPlace !== null) {
    // Each chunk is the output of one call, in the slot the call was given.
    for await (const c of inflateMembers(input, o, report, inPlace)) publish(c.length);
  } else {
    // Through zlib's stream: each chunk copied into the ring (its reads may join chunks: one slot per slotSize bytes).
    for await (const c of inflateMembers(input, o, report)) {
      for (let off = 0; off < c.length; off += slotSize) {
        const piece = c.subarray(off, off + slotSize);
        (await nextSlot()).set(piece);
        publish(piece.length);
      }
    }
  }
  finish();
}

function finish(): void {
  const e = report.error;
  const error: WorkerError | undefined =
    e === undefined
      ? undefined
      : {
          stage: e.stage,
          message: e.message,
          transient: e.transient,
          code: e.code,
          atByte: e.atByte,
          cause: e.cause instanceof Error ? { name: e.cause.name, message: e.cause.message, code: (e.cause as NodeJS.ErrnoException).code } : undefined,
        };
  send({ t: 'done', error, gzipPaddingBytes: report.gzipPaddingBytes });
  port.close();
}

void main();
