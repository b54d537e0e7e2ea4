/**
 * Per-object process index: (aid, TargetProcessId) → what the process start said. Network events join to it by
 * (aid, ContextProcessId). Keys never cross aids: process ids are only unique per host.
 *
 * Memory is bounded whatever the object size: at most `capacity` processes are kept (the oldest starts are
 * forgotten first — a connection usually follows its process start closely; one whose process was forgotten
 * fails open as `attribution: "unresolved"`, it is never dropped), command lines are cut, and the few distinct
 * image names, folders and SIDs are shared between entries.
 */
import { BoundedMap } from './bounded';

export interface ProcessInfo {
  FileName: string;
  FilePath?: string;
  CommandLine?: string;
  UserSid?: string;
}

/** CommandLines can be long; the join only needs enough to show an analyst. */
export const MAX_JOINED_COMMANDLINE = 256;
/** Processes remembered per object: about what a 90 MB FDR part holds (≈ 0.5 KB each: ≈ 50 MB at most). */
export const DEFAULT_PROCESS_CAPACITY = 100_000;

export class ProcessIndex {
  private readonly byKey: BoundedMap<string, ProcessInfo>;
  private readonly strings = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_PROCESS_CAPACITY) {
    this.byKey = new BoundedMap(capacity);
  }

  /** Processes forgotten to stay within capacity. */
  get evicted(): number {
    return this.byKey.evicted;
  }

  add(aid: string | undefined, pid: string | undefined, info: ProcessInfo): void {
    if (!aid || !pid) return;
    const entry: ProcessInfo = { FileName: this.intern(info.FileName) };
    if (info.FilePath !== undefined) entry.FilePath = this.intern(info.FilePath);
    if (info.UserSid !== undefined) entry.UserSid = this.intern(info.UserSid);
    if (info.CommandLine !== undefined) {
      // A fresh copy: a slice would keep the whole source string alive.
      entry.CommandLine =
        info.CommandLine.length > MAX_JOINED_COMMANDLINE ? Buffer.from(info.CommandLine.slice(0, MAX_JOINED_COMMANDLINE)).toString() : info.CommandLine;
    }
    this.byKey.set(`${aid}\u0000${pid}`, entry);
  }

  get(aid: string | undefined, pid: string | undefined): ProcessInfo | undefined {
    if (!aid || !pid) return undefined;
    return this.byKey.get(`${aid}\u0000${pid}`);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Image names, folders and SIDs repeat across processes: keep one copy of each (bounded with the index). */
  private intern(s: string): string {
    const have = this.strings.get(s);
    if (have !== undefined) return have;
    if (this.strings.size >= this.capacity) this.strings.clear();
    const copy = s.length > 12 ? Buffer.from(s).toString() : s;
    this.strings.set(copy, copy);
    return copy;
  }
}
