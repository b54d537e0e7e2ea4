import { StringIds, TextRing } from './bounded';
import { baseName, dirPath } from './fieldview';
import { rawString, readValue, valueAt } from './extract';
import { canonicalNumber, canonicalNumberAt, grown, KeyIds, KeyRing } from './keyring';

/**
 * Per-object process index: (aid, TargetProcessId) → what the process start said. Network events join to it by
 * (aid, ContextProcessId). Keys never cross aids: process ids are only unique per host.
 *
 * Memory is bounded whatever the object size: at most `capacity` processes are kept (the oldest starts are
 * forgotten first — a connection usually follows its process start closely; one whose process was forgotten
 * fails open as `attribution: "unresolved"`, it is never dropped), command lines are cut, and the few distinct
 * image names, folders and SIDs are shared between entries.
 *
 * A process start costs no JavaScript heap of its own: its key lives in typed arrays (fdr/keyring.ts: a canonical
 * decimal pid is kept as its number, not as a string), its names as ids of shared strings (StringIds) in typed arrays,
 * and its cut command line as bytes in chunks outside the heap (TextRing), decoded only when a join asks for it.
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
  /** Raw (still JSON-escaped) image names and SIDs of lines → their ids in `strings` (see nameAt). */
  private readonly rawIds = new Map<string, number>();
  /**
   * Per slot, ids in `strings` (0: none). A start read from its line keeps its ImageFileName; FileName and FilePath are
   * derived from it when asked for. Grown with the slots of `keys`.
   */
  private images = new Int32Array(0);
  private fileNames = new Int32Array(0);
  private filePaths = new Int32Array(0);
  private userSids = new Int32Array(0);
  private readonly strings = new StringIds();
  /** Per slot, its cut command line. The slots of `keys` come in ring order, as TextRing needs. */
  private readonly commandLines: TextRing;

  constructor(private readonly capacity = DEFAULT_PROCESS_CAPACITY) {
    this.keys = new KeyRing(capacity);
    this.aids = new KeyIds(capacity);
    this.pidStrings = new KeyIds(capacity);
    this.commandLines = new TextRing(capacity, MAX_JOINED_COMMANDLINE);
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
    const slot = this.slotOf(this.aids.idOf(aid), num, num >= 0 ? undefined : pid);
    const cmd = info.CommandLine;
    const strings = this.strings;
    // Cut as readValue cuts (through UTF-8: a surrogate pair cut in half reads as U+FFFD).
    this.fill(
      slot,
      0,
      strings.acquire(fresh(info.FileName)),
      strings.acquire(fresh(info.FilePath)),
      strings.acquire(fresh(info.UserSid)),
      cmd !== undefined && cmd.length > MAX_JOINED_COMMANDLINE ? Buffer.from(cmd.slice(0, MAX_JOINED_COMMANDLINE)).toString() : cmd,
    );
  }

  /**
   * A process start read from its line's text, without JSON.parse: the same entry as `add` with what `processInfo`
   * takes from the parsed line (FileName and FilePath from ImageFileName, else its own FileName and FilePath). The
   * text must be one flat JSON object (`mayNest` false); a key given twice resolves as JSON.parse resolves it.
   */
  addLine(text: string): void {
    const a = this.aids.idAt(text, valueAt(text, 'aid'));
    if (a === -1) return;
    const p = valueAt(text, 'TargetProcessId');
    const num = canonicalNumberAt(text, p);
    const pid = num >= 0 ? undefined : readValue(text, p);
    if (num < 0 && !pid) return;
    const strings = this.strings;
    const image = this.nameAt(text, valueAt(text, 'ImageFileName'));
    let fileName = 0;
    let filePath = 0;
    if (image === 0) {
      const name = readValue(text, valueAt(text, 'FileName'));
      if (name === undefined) return; // names no process: nothing to join to (as processInfo)
      fileName = strings.acquire(fresh(name));
      filePath = strings.acquire(fresh(readValue(text, valueAt(text, 'FilePath'))));
    }
    const sid = this.nameAt(text, valueAt(text, 'UserSid'));
    const slot = this.slotOf(a, num, pid);
    this.fill(slot, image, fileName, filePath, sid, readValue(text, valueAt(text, 'CommandLine'), MAX_JOINED_COMMANDLINE));
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
    const strings = this.strings;
    const image = strings.value(this.images[slot]);
    const entry: ProcessInfo = image !== undefined ? { FileName: baseName(image), FilePath: dirPath(image) } : { FileName: strings.value(this.fileNames[slot])! };
    const filePath = strings.value(this.filePaths[slot]);
    if (image === undefined && filePath !== undefined) entry.FilePath = filePath;
    const cmd = this.commandLines.get(slot);
    if (cmd !== undefined) entry.CommandLine = cmd;
    const sid = strings.value(this.userSids[slot]);
    if (sid !== undefined) entry.UserSid = sid;
    return entry;
  }

  /** Distinct names (images, file names, folders, SIDs) held by the slots and by the cache of raw forms. */
  get names(): number {
    return this.strings.size;
  }

  /**
   * What a start keeps, in its slot: the ids of its names, each already held once for it (what the slot held before
   * is let go), and its command line.
   */
  private fill(slot: number, image: number, fileName: number, filePath: number, sid: number, cmd: string | undefined): void {
    if (slot >= this.images.length) {
      const n = Math.min(this.capacity, Math.max(slot + 1, this.images.length * 2, 1024));
      this.images = grown(this.images, n);
      this.fileNames = grown(this.fileNames, n);
      this.filePaths = grown(this.filePaths, n);
      this.userSids = grown(this.userSids, n);
    }
    const strings = this.strings;
    // The new ids are held before the old ones are released: a name the slot keeps is not forgotten and copied again.
    strings.release(this.images[slot]);
    strings.release(this.fileNames[slot]);
    strings.release(this.filePaths[slot]);
    strings.release(this.userSids[slot]);
    this.images[slot] = image;
    this.fileNames[slot] = fileName;
    this.filePaths[slot] = filePath;
    this.userSids[slot] = sid;
    this.commandLines.set(slot, cmd);
  }

  /** The slot for a (re-)started process: the youngest, forgetting the oldest start when the ring is full. */
  private slotOf(a: number, num: number, pid: string | undefined): number {
    // The key: a canonical decimal pid as its number (read in place by addLine, or from the string), else a string id.
    if (num < 0) num = canonicalNumber(pid!);
    return this.keys.insert(a, num >= 0 ? num : -this.pidStrings.idOf(pid!));
  }

  /**
   * The value at `i` of a line as an id of `strings`, held once for the caller (0: none). A string is decoded once per
   * distinct raw form (image names and SIDs repeat across processes): `rawIds` maps the raw form to the id, holding one
   * reference of its own, so an id it gives is always live. A value that is not a string is read as `readValue` reads it.
   */
  private nameAt(text: string, i: number): number {
    const raw = rawString(text, i);
    if (raw === undefined) return this.strings.acquire(readValue(text, i));
    let id = this.rawIds.get(raw);
    if (id === undefined) {
      const value = readValue(text, i);
      if (value === undefined) return 0;
      if (this.rawIds.size >= this.capacity) {
        for (const held of this.rawIds.values()) this.strings.release(held);
        this.rawIds.clear();
      }
      id = this.strings.acquire(value);
      // The key must not be a slice of the line (it would keep the line alive): the decoded copy when nothing was
      // escaped, else a fresh copy of the raw text.
      this.rawIds.set(raw.includes('\\') ? Buffer.from(raw).toString() : value, id);
    }
    return this.strings.hold(id);
  }
}


/** A copy of a longer string (a slice, or a value of a parsed line, would keep more than itself alive). */
function fresh(s: string | undefined): string | undefined {
  return s === undefined || s.length <= 12 ? s : Buffer.from(s).toString();
}
