/**
 * One gzip member inflated by synchronous calls on zlib's handle, into buffers the caller provides: the worker thread's
 * engine (fdr/inflate-worker.ts), which inflates straight into the slots of the ring it shares with the decoder.
 *
 * Why: zlib's stream runs each inflate call on libuv's pool and starts the next from a callback on the calling thread.
 * In a worker that is a third busy thread beside the worker's own and the decoder's, and on 2 cores they took turns
 * on the one core beside the decoder; every call's output was also a fresh buffer. Synchronous calls keep the worker
 * to one thread and allocate nothing per call (the bench's 400 MB input inflated into a ring: 0.57–0.65 s instead of
 * 0.66–0.71 s for the stream).
 *
 * The calls are the ones the stream makes (fdr/inflate.ts `member`), with the same inputs and output sizes, so what
 * comes out is the same, failures included: a failing call's output is dropped, as the stream drops it; the byte
 * where damage was found counts what the calls before it consumed; the input's end is a finishing call, which fails
 * on a truncated member; a member that ends with input left gives the rest back to the input.
 *
 * zlib's handle (`_handle.writeSync`, `_writeState`) is not public API. `syncMember` returns null where it is not as
 * expected, and the worker inflates through the stream instead.
 */
import { constants, createGunzip, type Gunzip } from 'node:zlib';
import { fail, writeSize, type MemberInflate } from './inflate';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

/** zlib's handle and the state a write leaves ([0] output space left, [1] input left), or null where Node differs. */
function handleOf(gz: Gunzip): { handle: ZlibHandle; state: Uint32Array } | null {
  const g = gz as unknown as { _handle?: Partial<ZlibHandle> | null; _writeState?: unknown };
  const handle = g._handle;
  const state = g._writeState;
  if (!handle || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) return null;
  return { handle: handle as ZlibHandle, state };
}

const EMPTY = Buffer.alloc(0);

/**
 * A MemberInflate that inflates each call into `slot()` (a buffer of at least one inflate chunk, free until the output
 * yielded from it is consumed), or null when zlib's handle is not as this module expects.
 */
export function syncMember(slot: () => Buffer | Promise<Buffer>): MemberInflate | null {
  const probe = createGunzip();
  const usable = handleOf(probe) !== null;
  probe.destroy();
  if (!usable) return null;

  return async function* inflateMember(input, o, offset, report) {
    const gz = createGunzip({ chunkSize: o.chunkSize });
    gz.on('error', () => undefined); // zlib's error destroys the stream; it is read from `errored` below
    const z = handleOf(gz)!;
    let fed = 0; // compressed bytes this instance consumed
    let closeInput = true; // unless the input ended or a next member follows
    /** One inflate call; null when zlib failed (recorded). */
    const call = async (flush: number, b: Buffer, inOff: number, inLen: number): Promise<{ out: Buffer; used: number; full: boolean } | null> => {
      const out = await slot();
      const size = Math.min(out.length, o.chunkSize);
      z.handle.writeSync(flush, b, inOff, inLen, out, 0, size);
      if (gz.destroyed) {
        const e = gz.errored;
        fail(report, 'corrupt-gzip', e?.message ?? 'zlib failed', offset + fed, e ?? undefined);
        return null;
      }
      const [availOut, availIn] = z.state;
      return { out: out.subarray(0, size - availOut), used: inLen - availIn, full: availOut === 0 };
    };
    try {
      for (let b = await input.nextAtLeast(o.step); b !== null; b = await input.nextAtLeast(o.step)) {
        for (let off = 0; off < b.length; ) {
          let inOff = off;
          let inLen = Math.min(writeSize(o, offset + fed), b.length - off);
          off += inLen;
          for (;;) {
            const r = await call(constants.Z_NO_FLUSH, b, inOff, inLen);
            if (r === null) return null;
            fed += r.used;
            inOff += r.used;
            inLen -= r.used;
            if (r.out.length > 0) yield r.out;
            if (!r.full) break; // the call took what it could of the input
          }
          if (inLen > 0) {
            // zlib ended a member and left the rest of the input alone (it stops at zero padding): give it back.
            input.unshift(b.subarray(inOff));
            closeInput = false;
            return fed;
          }
        }
      }
      closeInput = false; // it ended (or failed, and said so)
      // Finish: a truncated member fails here, after all its output was yielded.
      for (;;) {
        const r = await call(constants.Z_FINISH, EMPTY, 0, 0);
        if (r === null) return null;
        if (r.out.length > 0) yield r.out;
        if (!r.full) return null;
      }
    } finally {
      gz.destroy();
      // zlib failed, or the consumer left early: the input is not read on.
      if (closeInput) await input.close();
    }
  };
}
