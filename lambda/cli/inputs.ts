/** Expands replay inputs (files, directories) into object refs for the file source. */
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { ObjectRef } from '../ports';

/** FDR marker files and things that are not event data. */
function isEventDataFile(name: string): boolean {
  return name !== '_SUCCESS' && !name.startsWith('.') && !/\.(md|txt|cql|ts|js)$/i.test(name);
}

/** True for paths inside FDR secondary data (`fdrv2/…`): context, not events. */
export function isSecondaryPath(path: string): boolean {
  return path.split(/[\\/]/).includes('fdrv2');
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() && isEventDataFile(e.name)) out.push(p);
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
        (isSecondaryPath(f.split(sep).join('/')) ? result.secondary : result.events).push(ref);
      }
    } catch (err) {
      result.missing.push({ path: p, error: (err as Error).message });
    }
  }
  return result;
}
