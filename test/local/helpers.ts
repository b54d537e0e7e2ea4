// Helpers for the local-tooling tests (npm run local, fdr-detect invoke).
import { Writable } from 'node:stream';
import type { Io } from '../../lambda/cli/replay';

export function captureIo(): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  return {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    out: () => out,
    err: () => err,
  };
}
