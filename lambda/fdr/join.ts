import { baseName, dirPath } from './fieldview';
import { rawString, readValue, valueAt } from './extract';

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
 * Entries live in parallel arrays used as a ring (slot = insertion count modulo capacity), indexed by Maps from
 * aid and pid to the slot: a process start costs no object of its own, and the Maps hold small integers (no pointers
 * for the garbage collector to follow). Re-adding a key moves it to a new slot (the youngest); the old slot is
 * then dead and skipped when the ring comes round to it.
 */
export class ProcessIndex {
  /** aid → pid → slot: two lookups of strings the line gave, rather than one of a key built (and hashed) per start. */
  private readonly slots = new Map<string, Map<string, number>>();
  private live = 0;
  private readonly slotAids: (string | undefined)[] = [];
  private readonly slotPids: (string | undefined)[] = [];
  /** A start read from its line keeps its ImageFileName; FileName and FilePath are derived from it when asked for. */
  private readonly images: (string | undefined)[] = [];
  private readonly fileNames: (string | undefined)[] = [];
  private readonly filePaths: (string | undefined)[] = [];
  private readonly commandLines: (string | undefined)[] = [];
  private readonly userSids: (string | undefined)[] = [];
  private next = 0;
  private forgotten = 0;
  private readonly strings = new Map<string, string>();
  /** Raw (still JSON-escaped) values of a line → their decoded copies: a repeated image name or SID is not decoded again. */
  private readonly rawStrings = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_PROCESS_CAPACITY) {}

  /** Processes forgotten to stay within capacity. */
  get evicted(): number {
    return this.forgotten;
  }

  add(aid: string | undefined, pid: string | undefined, info: ProcessInfo): void {
    if (!aid || !pid) return;
    const slot = this.slotFor(aid, pid);
    this.images[slot] = undefined;
    this.fileNames[slot] = this.intern(info.FileName);
    this.filePaths[slot] = info.FilePath === undefined ? undefined : this.intern(info.FilePath);
    this.userSids[slot] = info.UserSid === undefined ? undefined : this.intern(info.UserSid);
    const cmd = info.CommandLine;
    // A fresh copy: a slice would keep the whole source string alive.
    this.commandLines[slot] = cmd !== undefined && cmd.length > MAX_JOINED_COMMANDLINE ? Buffer.from(cmd.slice(0, MAX_JOINED_COMMANDLINE)).toString() : cmd;
  }

  /**
   * A process start read from its line's text, without JSON.parse: the same entry as `add` with what `processInfo`
   * takes from the parsed line (FileName and FilePath from ImageFileName, else its own FileName and FilePath). The
   * text must be one flat JSON object (`mayNest` false); a key given twice resolves as JSON.parse resolves it.
   */
  addLine(text: string): void {
    const aid = this.internRaw(text, valueAt(text, 'aid'));
    const pid = readValue(text, valueAt(text, 'TargetProcessId'));
    if (!aid || !pid) return;
    const image = this.internRaw(text, valueAt(text, 'ImageFileName'));
    let fileName: string | undefined;
    let filePath: string | undefined;
    if (image === undefined) {
      fileName = readValue(text, valueAt(text, 'FileName'));
      if (fileName === undefined) return; // names no process: nothing to join to (as processInfo)
      filePath = readValue(text, valueAt(text, 'FilePath'));
    }
    const slot = this.slotFor(aid, pid);
    this.images[slot] = image;
    this.fileNames[slot] = fileName === undefined ? undefined : this.intern(fileName);
    this.filePaths[slot] = filePath === undefined ? undefined : this.intern(filePath);
    this.userSids[slot] = this.internRaw(text, valueAt(text, 'UserSid'));
    this.commandLines[slot] = readValue(text, valueAt(text, 'CommandLine'), MAX_JOINED_COMMANDLINE);
  }

  /** The slot for a (re-)started process: the youngest, forgetting the oldest start when the ring is full. */
  private slotFor(aid: string, pid: string): number {
    let pids = this.slots.get(aid);
    if (pids === undefined) this.slots.set(aid, (pids = new Map()));
    const had = pids.get(pid);
    if (had !== undefined) this.slotAids[had] = undefined; // moved to the young end
    else this.live++;
    const slot = this.next++ % this.capacity;
    const oldAid = this.slotAids[slot];
    if (oldAid !== undefined) {
      const oldPids = this.slots.get(oldAid)!;
      oldPids.delete(this.slotPids[slot]!);
      if (oldPids.size === 0) this.slots.delete(oldAid);
      this.live--;
      this.forgotten++;
    }
    this.slotAids[slot] = aid;
    this.slotPids[slot] = pid;
    pids.set(pid, slot);
    return slot;
  }

  get(aid: string | undefined, pid: string | undefined): ProcessInfo | undefined {
    if (!aid || !pid) return undefined;
    const slot = this.slots.get(aid)?.get(pid);
    if (slot === undefined) return undefined;
    const image = this.images[slot];
    const entry: ProcessInfo = image !== undefined ? { FileName: baseName(image), FilePath: dirPath(image) } : { FileName: this.fileNames[slot]! };
    if (image === undefined && this.filePaths[slot] !== undefined) entry.FilePath = this.filePaths[slot];
    if (this.commandLines[slot] !== undefined) entry.CommandLine = this.commandLines[slot];
    if (this.userSids[slot] !== undefined) entry.UserSid = this.userSids[slot];
    return entry;
  }

  get size(): number {
    return this.live;
  }

  /**
   * The string value at `i` of a line, decoded once per distinct raw form: image names, SIDs and aids repeat across
   * processes. A value that is not a string is read as `readValue` reads it (not interned).
   */
  private internRaw(text: string, i: number): string | undefined {
    const raw = rawString(text, i);
    if (raw === undefined) return readValue(text, i);
    const have = this.rawStrings.get(raw);
    if (have !== undefined) return have;
    const value = readValue(text, i);
    if (value === undefined) return undefined;
    if (this.rawStrings.size >= this.capacity) this.rawStrings.clear();
    // The key must not be a slice of the line (it would keep the line alive): the decoded copy when nothing was
    // escaped, else a fresh copy of the raw text.
    this.rawStrings.set(raw.includes('\\') ? Buffer.from(raw).toString() : value, value);
    return value;
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
