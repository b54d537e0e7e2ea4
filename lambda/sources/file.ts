/** Local adapters of the ObjectSource port: files on disk (replay) and in-memory bytes (samples, tests). */
import { createReadStream } from 'node:fs';
import type { ObjectRef, ObjectSource } from '../ports';

/** Reads `ref.key` as a local path, streamed in 1 MiB reads. */
export class FileObjectSource implements ObjectSource {
  async open(ref: ObjectRef): Promise<AsyncIterable<Uint8Array>> {
    const stream = createReadStream(ref.key, { highWaterMark: 1024 * 1024 });
    // Surface ENOENT/EISDIR at open time rather than mid-iteration.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }
}

/** Serves fixed bytes by key: sample cases and tests. */
export class MemoryObjectSource implements ObjectSource {
  constructor(private readonly objects: Map<string, Uint8Array>) {}

  async open(ref: ObjectRef): Promise<AsyncIterable<Uint8Array>> {
    const body = this.objects.get(ref.key);
    if (!body) throw Object.assign(new Error(`no such object: ${ref.key}`), { name: 'NoSuchKey' });
    return (async function* () {
      yield body;
    })();
  }

  static ndjson(key: string, events: readonly object[]): MemoryObjectSource {
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    return new MemoryObjectSource(new Map([[key, Buffer.from(text)]]));
  }
}
