/**
 * Per-object process index: (aid, TargetProcessId) → what the process start said. Network events join to it by
 * (aid, ContextProcessId). Keys never cross aids: process ids are only unique per host.
 *
 * Memory is bounded whatever the object size: at most `capacity` processes are kept (the oldest starts are
 * forgotten first — a connection usually follows its process start closely; one whose process was forgotten
 * fails open as `attribution: "unresolved"`, it is never dropped), command lines are cut, and the few distinct
 * image names, folders and SIDs are shared between entries.
 */

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

/**
 * Entries live in parallel arrays used as a ring (slot = insertion count modulo capacity), indexed by a Map from
 * the key to its slot: a process start costs no object of its own, and the Map holds small integers (no pointers
 * for the garbage collector to follow). Re-adding a key moves it to a new slot (the youngest); the old slot is
 * then dead and skipped when the ring comes round to it.
 */
export class ProcessIndex {
  private readonly slots = new Map<string, number>();
  private readonly keys: (string | undefined)[] = [];
  private readonly fileNames: string[] = [];
  private readonly filePaths: (string | undefined)[] = [];
  private readonly commandLines: (string | undefined)[] = [];
  private readonly userSids: (string | undefined)[] = [];
  private next = 0;
  private forgotten = 0;
  private readonly strings = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_PROCESS_CAPACITY) {}

  /** Processes forgotten to stay within capacity. */
  get evicted(): number {
    return this.forgotten;
  }

  add(aid: string | undefined, pid: string | undefined, info: ProcessInfo): void {
    if (!aid || !pid) return;
    const key = `${aid}\u0000${pid}`;
    const had = this.slots.get(key);
    if (had !== undefined) this.keys[had] = undefined; // moved to the young end
    const slot = this.next++ % this.capacity;
    const old = this.keys[slot];
    if (old !== undefined) {
      this.slots.delete(old);
      this.forgotten++;
    }
    this.keys[slot] = key;
    this.slots.set(key, slot);
    this.fileNames[slot] = this.intern(info.FileName);
    this.filePaths[slot] = info.FilePath === undefined ? undefined : this.intern(info.FilePath);
    this.userSids[slot] = info.UserSid === undefined ? undefined : this.intern(info.UserSid);
    const cmd = info.CommandLine;
    // A fresh copy: a slice would keep the whole source string alive.
    this.commandLines[slot] = cmd !== undefined && cmd.length > MAX_JOINED_COMMANDLINE ? Buffer.from(cmd.slice(0, MAX_JOINED_COMMANDLINE)).toString() : cmd;
  }

  get(aid: string | undefined, pid: string | undefined): ProcessInfo | undefined {
    if (!aid || !pid) return undefined;
    const slot = this.slots.get(`${aid}\u0000${pid}`);
    if (slot === undefined) return undefined;
    const entry: ProcessInfo = { FileName: this.fileNames[slot] };
    if (this.filePaths[slot] !== undefined) entry.FilePath = this.filePaths[slot];
    if (this.commandLines[slot] !== undefined) entry.CommandLine = this.commandLines[slot];
    if (this.userSids[slot] !== undefined) entry.UserSid = this.userSids[slot];
    return entry;
  }

  get size(): number {
    return this.slots.size;
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
