/**
 * FDR event lines as Windows sensors write them, for sample batches, rule samples and the noise bench: the key sets
 * of real lines (docs/fdr.md), every value a string, process ids (UPIDs) above 2^53, IPv6 written in full
 * (0:0:0:0:0:0:0:1), and per sensor generation what it sends:
 *   - `old` (ConfigBuild 1007.3.0011603.1, 2020): NetworkConnect*V5 without ContextBaseFileName, EventOrigin or
 *     RemoteAddressString; NewExecutableWritten without the writer's name;
 *   - `mid` (1007.3.0016810.10, 2023): NetworkConnect*V12 with EventOrigin and RemoteAddressString, still no
 *     ContextBaseFileName; file events name their writer (ContextBaseFileName, ContextImageFileName);
 *   - `new` (1007.3.0019507.15, 2025): network events carry ContextBaseFileName — sometimes empty.
 * Lines are serialised as FDR does, with `=`, `<`, `>` and `&` escaped in strings (\u003d \u003c \u003e \u0026).
 * Key sets without a public real line (CreateService) follow the closest real one (ModifyServiceBinary).
 */

export type Sensor = 'old' | 'mid' | 'new';

export interface Host {
  aid: string;
  name: string;
  ip: string;
  sensor: Sensor;
  /** The host's IPv6 address, when it has one. */
  ip6?: string;
}

export interface User {
  sid: string;
  name: string;
  domain: string;
}

export type FdrEvent = Record<string, string>;

const BUILD: Record<Sensor, string> = { old: '1007.3.0011603.1', mid: '1007.3.0016810.10', new: '1007.3.0019507.15' };
const STATE_HASH: Record<Sensor, string> = { old: '2602391615', mid: '2181989539', new: '2202829340' };

export const SYSTEM_SID = 'S-1-5-18';
export const SYSTEM_AUTH = '999';

/** `fd00::7:40` → `fd00:0:0:0:0:0:7:40`: IPv6 as FDR writes it (every group, no leading zeros). */
export function fullIp6(addr: string): string {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An IPv4-mapped tail (::ffff:127.0.0.1) takes two groups and stays dotted.
  const width = 8 - (t.length > 0 && t[t.length - 1].includes('.') ? 1 : 0);
  const groups = tail === undefined ? h : [...h, ...Array(width - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => (g.replace(/^0+(?=.)/, '') || '0').toLowerCase()).join(':');
}

/** One line as FDR writes it: JSON with the HTML-safe escapes of `=`, `<`, `>` and `&` inside strings. */
export function fdrLine(ev: Record<string, unknown>): string {
  return JSON.stringify(ev).replace(/=/g, '\\u003d').replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function fdrNdjson(events: readonly Record<string, unknown>[]): Buffer {
  return Buffer.from(events.map(fdrLine).join('\n') + '\n');
}

/** A deterministic hex string of `len` characters. */
function hex(n: bigint, len: number): string {
  let s = '';
  let x = n;
  while (s.length < len) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    s += x.toString(16).padStart(16, '0');
  }
  return s.slice(0, len);
}

/**
 * Builds events in time order: each event takes the clock (epoch ms, `timestamp` as FDR writes it: when the cloud
 * got it), then the clock moves on by `step` ms. Ids, hashes and UPIDs are derived from a counter, so a builder
 * started alike builds the same lines.
 */
export class FdrEvents {
  private n = 0n;

  constructor(
    readonly cid: string,
    public clock: number,
    public step = 1000,
    private readonly seed = 1n,
  ) {}

  /** Moves the clock on (ms). */
  wait(ms: number): this {
    this.clock += ms;
    return this;
  }

  /** A Falcon process id (UPID): a decimal string above 2^53. */
  upid(): string {
    return String(4_611_686_018_427_387_904n + this.seed * 1_000_000_007n + ++this.n * 7_919_000_003n);
  }

  /** An event id (FDR's `id`, what alert ids derive from): unique per builder, seed and time. */
  private uuid(ts: number): string {
    const h = hex(BigInt(ts) * 1_000_003n + this.seed * 7_919n + ++this.n, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  private common(type: string, name: string, h: Host): FdrEvent {
    const ts = this.clock;
    this.clock += this.step;
    const ev: FdrEvent = {
      event_simpleName: type,
      name,
      event_platform: 'Win',
      aid: h.aid,
      aip: h.ip,
      cid: this.cid,
      id: this.uuid(ts),
      timestamp: String(ts),
      ConfigBuild: BUILD[h.sensor],
      ConfigStateHash: STATE_HASH[h.sensor],
      Entitlements: '15',
      EffectiveTransmissionClass: '3',
    };
    if (h.sensor !== 'old') ev.EventOrigin = '1';
    return ev;
  }

  /** Sensor time of the event being built (epoch seconds with milliseconds, a little before `timestamp`). */
  private contextTime(): string {
    return ((this.clock - 420) / 1000).toFixed(3);
  }

  /** ProcessRollup2 (V19 key set); `synthetic` for a SyntheticProcessRollup2 (a process the sensor found running). */
  process(
    h: Host,
    o: { sid: string; auth: string; image: string; cmd: string; parent: string; pid?: string; parentPid?: string; synthetic?: boolean },
  ): FdrEvent {
    const type = o.synthetic ? 'SyntheticProcessRollup2' : 'ProcessRollup2';
    const ev = this.common(type, o.synthetic ? 'SyntheticProcessRollup2V2' : 'ProcessRollup2V19', h);
    const parentPid = o.parentPid ?? this.upid();
    const sha = hex(BigInt(o.image.length) * 31n + BigInt(o.image.charCodeAt(o.image.length - 5)), 64);
    Object.assign(ev, {
      TargetProcessId: o.pid ?? this.upid(),
      ParentProcessId: parentPid,
      SourceProcessId: parentPid,
      SourceThreadId: this.upid(),
      RawProcessId: String(1000 + Number(this.n % 60000n)),
      ImageFileName: o.image,
      CommandLine: o.cmd,
      ParentBaseFileName: o.parent,
      UserSid: o.sid,
      AuthenticationId: o.auth,
      ParentAuthenticationId: o.auth,
      TokenType: '1',
      IntegrityLevel: o.sid === SYSTEM_SID ? '16384' : '12288',
      ProcessCreateFlags: '1024',
      ProcessParameterFlags: '24577',
      ProcessSxsFlags: '64',
      ImageSubsystem: '3',
      SessionId: o.sid === SYSTEM_SID ? '0' : '2',
      WindowFlags: '1',
      ShowWindowFlags: '0',
      SignInfoFlags: '8683538',
      SHA256HashData: sha,
      SHA1HashData: '0000000000000000000000000000000000000000',
      MD5HashData: sha.slice(0, 32),
      AuthenticodeHashData: sha.slice(0, 40),
      ProcessStartTime: ((this.clock - this.step) / 1000).toFixed(3),
      ProcessEndTime: '',
    });
    if (o.synthetic) Object.assign(ev, { ContextTimeStamp: this.contextTime(), SyntheticPR2Flags: '0' });
    return ev;
  }

  /**
   * NetworkConnectIP4 / NetworkConnectIP6 (by the remote address's family). `process` is ContextBaseFileName as a
   * `new` sensor writes it (`''`: present but empty); older sensors never write one.
   */
  connect(h: Host, o: { remote: string; port: string; pid: string; process?: string; direction?: string; localPort?: string }): FdrEvent {
    const v6 = o.remote.includes(':');
    const type = v6 ? 'NetworkConnectIP6' : 'NetworkConnectIP4';
    const ev = this.common(type, `${type}${h.sensor === 'old' ? 'V5' : 'V12'}`, h);
    const remote = v6 ? fullIp6(o.remote) : o.remote;
    Object.assign(ev, {
      ...(v6 ? { LocalAddressIP6: fullIp6(h.ip6 ?? 'fd00::1'), RemoteAddressIP6: remote } : { LocalAddressIP4: h.ip, RemoteAddressIP4: remote }),
      LocalPort: o.localPort ?? String(49152 + Number(this.n % 16000n)),
      RemotePort: o.port,
      Protocol: '6',
      ConnectionDirection: o.direction ?? '0',
      ConnectionFlags: '0',
      InContext: '0',
      ContextProcessId: o.pid,
      ContextTimeStamp: this.contextTime(),
    });
    if (h.sensor !== 'old') ev.RemoteAddressString = remote;
    if (h.sensor === 'new') ev.ContextBaseFileName = o.process ?? '';
    return ev;
  }

  /** NetworkReceiveAcceptIP4: an inbound connection accepted on `localPort`. */
  accept(h: Host, o: { remote: string; localPort: string; pid: string; process?: string }): FdrEvent {
    const ev = this.common('NetworkReceiveAcceptIP4', `NetworkReceiveAcceptIP4${h.sensor === 'old' ? 'V5' : 'V12'}`, h);
    Object.assign(ev, {
      LocalAddressIP4: h.ip,
      RemoteAddressIP4: o.remote,
      LocalPort: o.localPort,
      RemotePort: String(49152 + Number(this.n % 16000n)),
      Protocol: '6',
      ConnectionDirection: '1',
      ConnectionFlags: '0',
      InContext: '0',
      ContextProcessId: o.pid,
      ContextTimeStamp: this.contextTime(),
    });
    if (h.sensor === 'new') ev.ContextBaseFileName = o.process ?? '';
    return ev;
  }

  /** SmbServerShareOpenedEtw (V1): a remote client opened one of this host's shares. No process, no ComputerName. */
  shareOpened(h: Host, o: { share: string; remote: string; user: string; domain: string }): FdrEvent {
    const ev = this.common('SmbServerShareOpenedEtw', 'SmbServerShareOpenedEtwV1', h);
    ev.EventOrigin = '17';
    const v6 = o.remote.includes(':');
    Object.assign(ev, {
      SmbShareName: o.share,
      UserName: o.user,
      DomainName: o.domain,
      ...(v6 ? { RemoteAddressIP6: fullIp6(o.remote) } : { RemoteAddressIP4: o.remote }),
    });
    return ev;
  }

  /** ProcessExecOnSMBFile: a PE written over SMB was executed; the event names the client and its user. */
  execOnSmb(h: Host, o: { pid: string; remote: string; client: string; user: User; auth: string }): FdrEvent {
    const ev = this.common('ProcessExecOnSMBFile', 'ProcessExecOnSMBFileV1', h);
    Object.assign(ev, {
      ContextProcessId: o.pid,
      UserName: o.user.name,
      LogonDomain: o.user.domain,
      UserSid: o.user.sid,
      UserPrincipal: o.user.name.endsWith('$') ? '' : `${o.user.name.toLowerCase()}@${o.user.domain.toLowerCase()}.example`,
      AuthenticationId: o.auth,
      ClientComputerName: o.client,
      RemoteAddressIP4: o.remote,
      PatternId: '459',
    });
    return ev;
  }

  /** CreateService (`modify`: ModifyServiceBinary, an existing service's binary changed); `user`: who created it. */
  service(h: Host, o: { display: string; imagePath: string; pid: string; modify?: boolean; start?: string; user?: string }): FdrEvent {
    const type = o.modify ? 'ModifyServiceBinary' : 'CreateService';
    const ev = this.common(type, o.modify ? 'ModifyServiceBinaryV2' : 'CreateServiceV1', h);
    Object.assign(ev, {
      ContextProcessId: o.pid,
      ContextThreadId: this.upid(),
      ContextTimeStamp: this.contextTime(),
      ServiceDisplayName: o.display,
      ServiceImagePath: o.imagePath,
      ServiceDescription: '',
      ServiceStart: o.start ?? '3',
      ServiceType: '16',
      ServiceErrorControl: '1',
    });
    if (o.modify) Object.assign(ev, { ServiceSecurity: '1', ServiceFailureActions: '0' });
    if (o.user && !o.modify) ev.UserName = o.user;
    return ev;
  }

  /**
   * NewExecutableWritten (`pe`: PeFileWritten) of `target` by the process `pid`. Sensors newer than `old` name the
   * writer (`process`: ContextBaseFileName and ContextImageFileName; `''`: written empty).
   */
  fileWritten(h: Host, o: { target: string; pid: string; image?: string; process?: string; pe?: boolean; user?: string; operatorSid?: string }): FdrEvent {
    const type = o.pe ? 'PeFileWritten' : 'NewExecutableWritten';
    const ev = this.common(type, o.pe ? 'PeFileWrittenV14' : h.sensor === 'old' ? 'NewExecutableWrittenV1' : 'NewExecutableWrittenV3', h);
    Object.assign(ev, {
      TargetFileName: o.target,
      ContextProcessId: o.pid,
      ContextThreadId: this.upid(),
      ContextTimeStamp: this.contextTime(),
    });
    if (h.sensor !== 'old') {
      ev.ContextBaseFileName = o.process ?? (o.image ? o.image.slice(o.image.lastIndexOf('\\') + 1) : '');
      ev.ContextImageFileName = o.process === '' ? '' : (o.image ?? '');
    }
    if (o.pe) {
      const onNetwork = o.target.toLowerCase().startsWith('\\device\\mup\\') ? '1' : '0';
      Object.assign(ev, { IsOnNetwork: onNetwork, IsOnRemovableDisk: '0', Size: '381816', SHA256HashData: hex(BigInt(o.target.length), 64) });
      if (o.operatorSid) ev.FileOperatorSid = o.operatorSid;
      if (o.user) ev.UserName = o.user;
    } else ev.DesiredAccess = '1180054';
    return ev;
  }

  /** UserLogon (V8): maps (aid, UserSid) and (aid, AuthenticationId) to the user. */
  logon(h: Host, u: User, o: { auth: string; type?: string; remote?: string }): FdrEvent {
    const ev = this.common('UserLogon', 'UserLogonV8', h);
    Object.assign(ev, {
      UserSid: u.sid,
      UserName: u.name,
      LogonDomain: u.domain,
      UserPrincipal: `${u.name.toLowerCase()}@${u.domain.toLowerCase()}.example`,
      AuthenticationId: o.auth,
      LogonType: o.type ?? '2',
      LogonTime: ((this.clock - this.step) / 1000).toFixed(3),
      RemoteAccount: o.type === '3' ? '1' : '0',
      ClientComputerName: '-',
    });
    if (o.remote) ev.RemoteAddressIP4 = o.remote;
    return ev;
  }

  /** AgentOnline: names the host. */
  online(h: Host): FdrEvent {
    const ev = this.common('AgentOnline', 'AgentOnlineV9', h);
    Object.assign(ev, { ComputerName: h.name, AgentVersion: '7.20.19507.0', AgentLocalTime: ((this.clock - this.step) / 1000).toFixed(3) });
    return ev;
  }

  /** Any other event of `type` with `fields` (DNS requests, process ends…). */
  other(h: Host, type: string, fields: Record<string, string>): FdrEvent {
    return Object.assign(this.common(type, `${type}V5`, h), fields);
  }
}
