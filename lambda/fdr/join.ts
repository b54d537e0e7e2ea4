import { baseName, dirPath } from './fieldview';
import { rawString, readValue, valueAt } from './extract';
import { canonicalNumber, canonicalNumberAt, KeyIds, KeyRing } from './keyring';

/**
 * Per-object process index: (aid, TargetProcessId) → what the process start said. Network events join to it by
 * (aid, ContextProcessId). Keys never cross aids: process ids are only unique per host.
 *
 * Memory is bounded whatever the object size: at most `capacity` processes are kept (the oldest starts are
 * forgotten first — a connection usually follows its process start closely; one whose process was forgotten
 * fails open as `attribution: "unresolved"`, it is never dropped), command lines are cut, and the few distinct
 * image names, folders and SIDs are shared between entries.
 *
 * A process start costs no heap object of its own beyond its cut command line: its key lives in arrays of numbers
 * (fdr/keyring.ts: a canonical decimal pid is kept as its number, not as a string), and names are shared strings.
 */

export interface ProcessInfo {
  FileName: string;
  FilePath?: string;
  CommandLine?: string;
  UserSid?: string;
}

/** CommandLines can be long; the join only needs enough to show an analyst. */
export const MAX_JOINED_COMMANDLINE = 256;
/** Processes remembered per object: about what a 90 MB FDR part holds. */
export const DEFAULT_PROCESS_CAPACITY = 100_000;

export class ProcessIndex {
  private readonly keys: KeyRing;
  private readonly aids: KeyIds;
  /** Process ids that are not canonical decimals (rare): keyed by a string id, as a negative number. */
  private readonly pidStrings: KeyIds;
  /** Raw (still JSON-escaped) values of a line → their decoded copies: a repeated aid, image name or SID is not decoded again. */
  private readonly rawStrings = new Map<string, string>();
  /** A start read from its line keeps its ImageFileName; FileName and FilePath are derived from it when asked for. */
  private readonly images: (string | undefined)[] = [];
  private readonly fileNames: (string | undefined)[] = [];
  private readonly filePaths: (string | undefined)[] = [];
  private readonly userSids: (string | undefined)[] = [];
  private readonly commandLines: (string | undefined)[] = [];
  private readonly strings = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_PROCESS_CAPACITY) {
    this.keys = new KeyRing(capacity);
    this.aids = new KeyIds(capacity);
    this.pidStrings = new KeyIds(capacity);
  }

  /** Processes forgotten to stay within bounds. */
  get evicted(): number {
    return this.keys.evicted;
  }

  get size(): number {
    return this.keys.size;
  }

  add(aid: string | undefined, pid: string | undefined, info: ProcessInfo): void {
    if (!aid || !pid) return;
    const num = canonicalNumber(pid);
    const slot = this.slotOf(aid, num, num >= 0 ? undefined : pid);
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
    if (!aid) return;
    const p = valueAt(text, 'TargetProcessId');
    const num = canonicalNumberAt(text, p);
    const pid = num >= 0 ? undefined : readValue(text, p);
    if (num < 0 && !pid) return;
    const image = this.internRaw(text, valueAt(text, 'ImageFileName'));
    let fileName: string | undefined;
    let filePath: string | undefined;
    if (image === undefined) {
      fileName = readValue(text, valueAt(text, 'FileName'));
      if (fileName === undefined) return; // names no process: nothing to join to (as processInfo)
      filePath = readValue(text, valueAt(text, 'FilePath'));
    }
    const sid = this.internRaw(text, valueAt(text, 'UserSid'));
    const slot = this.slotOf(aid, num, pid);
    this.images[slot] = image;
    this.fileNames[slot] = fileName === undefined ? undefined : this.intern(fileName);
    this.filePaths[slot] = filePath === undefined ? undefined : this.intern(filePath);
    this.userSids[slot] = sid;
    this.commandLines[slot] = readValue(text, valueAt(text, 'CommandLine'), MAX_JOINED_COMMANDLINE);
  }

  get(aid: string | undefined, pid: string | undefined): ProcessInfo | undefined {
    if (!aid || !pid) return undefined;
    const a = this.aids.peek(aid);
    if (a === -1) return undefined;
    let b = canonicalNumber(pid);
    if (b < 0) {
      const id = this.pidStrings.peek(pid);
      if (id === -1) return undefined;
      b = -id;
    }
    const slot = this.keys.find(a, b);
    if (slot === -1) return undefined;
    const image = this.images[slot];
    const entry: ProcessInfo = image !== undefined ? { FileName: baseName(image), FilePath: dirPath(image) } : { FileName: this.fileNames[slot]! };
    if (image === undefined && this.filePaths[slot] !== undefined) entry.FilePath = this.filePaths[slot];
    if (this.commandLines[slot] !== undefined) entry.CommandLine = this.commandLines[slot];
    if (this.userSids[slot] !== undefined) entry.UserSid = this.userSids[slot];
    return entry;
  }

  /** The slot for a (re-)started process: the youngest, forgetting the oldest start when the ring is full. */
  private slotOf(aid: string, num: number, pid: string | undefined): number {
    // The key: a canonical decimal pid as its number (read in place by addLine, or from the string), else a string id.
    if (num < 0) num = canonicalNumber(pid!);
    return this.keys.insert(this.aids.idOf(aid), num >= 0 ? num : -this.pidStrings.idOf(pid!));
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

