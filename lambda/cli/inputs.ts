/** Expands replay inputs (files, directories) into object refs for the file source. */
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isSecondaryKey, markerReason } from '../keys';
import type { ObjectRef } from '../ports';

/** Files a directory walk leaves out: FDR markers, hidden files, and notes or code kept next to the data. */
function isDataFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf(sep) + 1);
  return markerReason(path) === null && !name.startsWith('.') && !/\.(md|txt|cql|ts|js)$/i.test(name);
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() && isDataFile(p)) out.push(p);
  }
}

export interface ExpandedInputs {
  /** Event-data files, in a stable order. */
  events: ObjectRef[];
  /** FDR secondary-data files found under `fdrv2/` in the given directories. */
  secondary: ObjectRef[];
  /** Inputs that do not exist or cannot be listed. */
  missing: { path: string; error: string }[];
}

export async function expandLocalInputs(paths: string[]): Promise<ExpandedInputs> {
  const result: ExpandedInputs = { events: [], secondary: [], missing: [] };
  for (const p of paths) {
    try {
      const st = await stat(p);
      const files: string[] = [];
      if (st.isDirectory()) await walk(p, files);
      else files.push(p);
      for (const f of files) {
        const ref: ObjectRef = { bucket: null, key: f, size: st.isDirectory() ? undefined : st.size };
        (isSecondaryKey(f) ? result.secondary : result.events).push(ref);
      }
    } catch (err) {
      result.missing.push({ path: p, error: (err as Error).message });
    }
  }
  return result;
}
