/**
 * The field view: raw FDR → the LogScale field names a CQL rule reads (README "The field view").
 * Raw FDR values are JSON strings (numbers and times too); rules compare string forms, so every scalar becomes a
 * string. Process ids exceed 2^53 and stay strings throughout.
 */
import type { Fields } from '../rules/types';
import type { RawEvent } from './types';
import type { ProcessIndex, ProcessInfo } from './join';

/** Event types that describe a process start: their (aid, TargetProcessId) is what network events join to. */
export const PROCESS_EVENT_TYPES = ['ProcessRollup2', 'SyntheticProcessRollup2'] as const;
const PROCESS_TYPES = new Set<string>(PROCESS_EVENT_TYPES);

/** Fields a network event takes from its process, and that stay unknown until the join resolves. */
export const JOINED_FIELDS: ReadonlySet<string> = new Set(['FileName', 'FilePath', 'CommandLine']);

export type Attribution = 'event' | 'joined' | 'unresolved';

export interface View {
  fields: Fields;
  /** For network events: how the process was identified. Null for other events. */
  attribution: Attribution | null;
}

/** The string form of a raw scalar; objects/arrays/null are absent. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** `\Device\HarddiskVolume2\Windows\System32\net.exe` → net.exe; `/usr/bin/ssh` → ssh. */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return i < 0 ? path : path.slice(i + 1);
}

const DEVICE_PREFIX = /^\\Device\\[^\\]+(?=\\)/i;

/** `\Device\HarddiskVolume2\Windows\System32\net.exe` → `\Windows\System32\`. */
export function dirPath(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  const dir = i < 0 ? '' : path.slice(0, i + 1);
  return dir.replace(DEVICE_PREFIX, '');
}

export function isProcessEvent(type: string | undefined): boolean {
  return type !== undefined && PROCESS_TYPES.has(type);
}

/** What a process start contributes to a later join. */
export function processInfo(ev: RawEvent): ProcessInfo | undefined {
  const image = str(ev.ImageFileName);
  const fileName = image !== undefined ? baseName(image) : str(ev.FileName);
  if (fileName === undefined) return undefined;
  return {
    FileName: fileName,
    FilePath: image !== undefined ? dirPath(image) : str(ev.FilePath),
    CommandLine: str(ev.CommandLine),
    UserSid: str(ev.UserSid),
  };
}

/** Copy every scalar raw field as a string, then add the LogScale names. */
function baseFields(ev: RawEvent): Fields {
  const f: Fields = {};
  for (const k in ev) {
    const s = str(ev[k]);
    if (s !== undefined) f[k] = s;
  }
  f['#event_simpleName'] = str(ev.event_simpleName);
  f['@timestamp'] = str(ev.timestamp);
  return f;
}

/**
 * Events that name the process behind them only through `Context*` fields: connections (`Network*`), file writes
 * (`NewExecutableWritten`, `PeFileWritten`, any `*Written`) and the execution of a file written over SMB
 * (`ProcessExecOnSMBFile`). Their views always say how the process was identified, even without a process reference.
 */
export function namesContextProcess(type: string | undefined): boolean {
  return type !== undefined && (type.startsWith('Network') || type.endsWith('Written') || type === 'ProcessExecOnSMBFile');
}

/**
 * Build the view of one event. For an event with a context process (a connection, a file write, …: ContextProcessId),
 * the process comes from ContextBaseFileName (or the basename of ContextImageFileName, which file events of newer
 * sensors carry), else from `processes` (same object, same aid). When neither knows it yet, `pending` is true: the
 * caller may wait for the rest of the object, then call again with `final` to fail open.
 */
export function viewOf(ev: RawEvent, processes: ProcessIndex, final = false): View & { pending: boolean } {
  const f = baseFields(ev);
  const type = f['#event_simpleName'];
  if (isProcessEvent(type)) {
    const p = processInfo(ev);
    if (p) {
      f.FileName = p.FileName;
      if (p.FilePath !== undefined) f.FilePath = p.FilePath;
    }
    return { fields: f, attribution: null, pending: false };
  }
  // A file operation names its own account (FileOperatorSid): that is the write's user, not the writing process's
  // (a SYSTEM service such as SCCM's smsexec.exe writes as the push account; the join would lend it S-1-5-18).
  if (f.UserSid === undefined && f.FileOperatorSid) f.UserSid = f.FileOperatorSid;
  const contextPid = f.ContextProcessId || undefined;
  // An empty name names nothing (newer sensors sometimes write ContextBaseFileName ""); so does an empty path.
  const image = f.ContextImageFileName || undefined;
  const base = f.ContextBaseFileName || (image !== undefined ? baseName(image) : '') || undefined;
  if (!namesContextProcess(type) && contextPid === undefined && base === undefined) {
    return { fields: f, attribution: null, pending: false };
  }
  if (base !== undefined) {
    f.FileName = base;
    if (image !== undefined) f.FilePath = dirPath(image);
    joinRest(f, processes.get(f.aid, contextPid));
    return { fields: f, attribution: 'event', pending: false };
  }
  const p = processes.get(f.aid, contextPid);
  if (p) {
    f.FileName = p.FileName;
    joinRest(f, p);
    return { fields: f, attribution: 'joined', pending: false };
  }
  // Without a process reference there is nothing to wait for.
  return { fields: f, attribution: 'unresolved', pending: !final && contextPid !== undefined && f.aid !== undefined };
}

/** What the joined process adds to what the event says itself (its own fields win). */
function joinRest(f: Fields, p: ProcessInfo | undefined): void {
  if (!p) return;
  if (f.FilePath === undefined && p.FilePath !== undefined) f.FilePath = p.FilePath;
  if (f.CommandLine === undefined && p.CommandLine !== undefined) f.CommandLine = p.CommandLine;
  if (f.UserSid === undefined && p.UserSid !== undefined) f.UserSid = p.UserSid;
}
