/** The file adapter of the context port: a context file (DESIGN.md §5) read once, answered from memory. */
import { readFile } from 'node:fs/promises';
import { MemoryContext } from './memory';
import type { ContextFile, ContextSnapshot, ContextStore } from './types';
import { validateContext, type ContextProblem } from './validate';

export class ContextFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ContextProblem[],
  ) {
    super(`${file}: invalid context file:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
}

export class StaticContextStore implements ContextStore {
  private readonly snapshot: MemoryContext;

  constructor(file: ContextFile = {}) {
    this.snapshot = new MemoryContext(file);
  }

  async lookup(): Promise<ContextSnapshot> {
    return this.snapshot;
  }
}

/** Reads and validates a context file. Any invalid entry is an error: replay should not half-apply an allowlist. */
export async function loadContextFile(path: string): Promise<StaticContextStore> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ContextFileError(path, [{ path: '$', message: (err as Error).message }]);
  }
  const { context, problems } = validateContext(parsed);
  if (problems.length > 0) throw new ContextFileError(path, problems);
  return new StaticContextStore(context);
}
