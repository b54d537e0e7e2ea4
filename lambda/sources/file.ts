/**
 * Local adapters of the ObjectSource port: files on disk (replay) and in-memory bytes (samples, tests).
 * Each maps its own errors to SourceError: a missing, unreadable or wrong-kind path is permanent; anything else
 * (too many open files, an I/O error) is transient, as for every source.
 */
import { createReadStream } from 'node:fs';
import { SourceError, type ObjectRef, type ObjectSource } from '../ports';

const PERMANENT_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'not-found',
  ENOTDIR: 'not-found',
  EISDIR: 'not-a-file',
  EACCES: 'access-denied',
  EPERM: 'access-denied',
  ELOOP: 'invalid-path',
  ENAMETOOLONG: 'invalid-path',
};

function fileError(err: unknown, path: string): SourceError {
  if (err instanceof SourceError) return err;
  const code = (err as { code?: string })?.code ?? '';
  const message = `${path}: ${(err as Error)?.message ?? String(err)}`;
  const permanent = PERMANENT_CODES[code];
  return new SourceError(message, permanent === undefined, permanent ?? (code.toLowerCase() || 'unknown'), { cause: err });
}

async function* classified(stream: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (err) {
    throw fileError(err, path);
  }
}

/** Reads `ref.key` as a local path, streamed in 1 MiB reads. */
export class FileObjectSource implements ObjectSource {
  async open(ref: ObjectRef): Promise<AsyncIterable<Uint8Array>> {
    const stream = createReadStream(ref.key, { highWaterMark: 1024 * 1024 });
    // Surface ENOENT/EISDIR at open time rather than mid-iteration.
    try {
      await new Promise<void>((resolve, reject) => {
        stream.once('ready', () => resolve());
        stream.once('error', reject);
      });
    } catch (err) {
      stream.destroy();
      throw fileError(err, ref.key);
    }
    return classified(stream, ref.key);
  }
}

/** Serves fixed bytes by key: sample cases and tests. */
export class MemoryObjectSource implements ObjectSource {
  constructor(private readonly objects: Map<string, Uint8Array>) {}

  async open(ref: ObjectRef): Promise<AsyncIterable<Uint8Array>> {
    const body = this.objects.get(ref.key);
    if (!body) throw new SourceError(`no such object: ${ref.key}`, false, 'not-found');
    return (async function* () {
      yield body;
    })();
  }

  static ndjson(key: string, events: readonly object[]): MemoryObjectSource {
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    return new MemoryObjectSource(new Map([[key, Buffer.from(text)]]));
  }
}
