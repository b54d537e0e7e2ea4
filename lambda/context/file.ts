/** The file adapter of the context port: a context file (operator entries) read once, answered from memory. */
import { readFile } from 'node:fs/promises';
import type { ContextSnapshot, ContextStore } from '../ports';
import { ContextIndex } from './memory';
import type { ContextFile } from './types';
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
  private readonly snapshot: ContextIndex;

  constructor(file: ContextFile = {}) {
    this.snapshot = new ContextIndex(file);
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
