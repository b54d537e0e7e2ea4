/**
 * Per-object process index: (aid, TargetProcessId) → what the process start said. Network events join to it by
 * (aid, ContextProcessId). Keys never cross aids: process ids are only unique per host.
 */
export interface ProcessInfo {
  FileName: string;
  FilePath?: string;
  CommandLine?: string;
  UserSid?: string;
}

/** CommandLines can be long; the join only needs enough to show an analyst. Bounds memory per process. */
const MAX_JOINED_COMMANDLINE = 1024;

export class ProcessIndex {
  private readonly byKey = new Map<string, ProcessInfo>();

  add(aid: string | undefined, pid: string | undefined, info: ProcessInfo): void {
    if (!aid || !pid) return;
    if (info.CommandLine && info.CommandLine.length > MAX_JOINED_COMMANDLINE) {
      info = { ...info, CommandLine: info.CommandLine.slice(0, MAX_JOINED_COMMANDLINE) };
    }
    this.byKey.set(`${aid}\u0000${pid}`, info);
  }

  get(aid: string | undefined, pid: string | undefined): ProcessInfo | undefined {
    if (!aid || !pid) return undefined;
    return this.byKey.get(`${aid}\u0000${pid}`);
  }

  get size(): number {
    return this.byKey.size;
  }
}
