/**
 * Deterministic synthetic FDR batches for the benchmark (real Windows sensor shapes), gzip-compressed in several
 * members, written under `.bench/` (gitignored). Files are reused when present with matching metadata.
 *
 *   tsx bench/generate.ts [--scale 0.1]      (or BENCH_SCALE=0.1)
 *
 * Mix: ~10% ProcessRollup2 (Windows, no FileName/ComputerName/UserName), ~10% NetworkConnectIP4 (about half with
 * ContextBaseFileName), ~1% SyntheticProcessRollup2, identity events (UserIdentity, UserLogon, AgentOnline) and
 * the rest other types; a sprinkling of PsExec, `net use \\host\C$` and port-445 events.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BENCH_DIR = resolve(process.cwd(), '.bench');
const GENERATOR_VERSION = 4;
/** Plain bytes per gzip member: at least 4 members per file, at most 48 MiB each. */
const memberBytes = (total: number) => Math.min(48 * 1024 * 1024, Math.max(1024 * 1024, Math.ceil(total / 4)));

export interface BenchFile {
  path: string;
  plainBytes: number;
  gzBytes: number;
  lines: number;
  members: number;
  counts: Record<string, number>;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  private readonly r: () => number;
  private ts = 1_790_000_000_000;
  private readonly cid: string;
  private readonly hosts: { aid: string; ip: string; name: string }[];
  private readonly users: { sid: string; name: string }[];
  private nextPid = 1;

  constructor(seed: number) {
    this.r = prng(seed);
    this.cid = this.hex(32);
    this.hosts = Array.from({ length: 300 }, (_, i) => ({
      aid: this.hex(32),
      ip: `10.${this.int(0, 40)}.${this.int(0, 255)}.${this.int(1, 254)}`,
      name: `WS-${String(1000 + i)}`,
    }));
    this.users = Array.from({ length: 400 }, (_, i) => ({
      sid: `S-1-5-21-1111111111-2222222222-3333333333-${1100 + i}`,
      name: `user${i}`,
    }));
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)];
  }
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += Math.floor(this.r() * 0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
  pid(): string {
    // FDR process ids exceed 2^53: strings.
    return String(BigInt(this.int(1, 2 ** 30)) * 4096n + BigInt(this.nextPid++));
  }

  private base(type: string, host: { aid: string; ip: string }): Record<string, string> {
    this.ts += this.int(0, 3);
    return {
      event_simpleName: type,
      ConfigBuild: '1007.3.0018706.1',
      ConfigStateHash: String(this.int(1, 4_000_000_000)),
      EffectiveTransmissionClass: '3',
      Entitlements: '15',
      aid: host.aid,
      aip: host.ip,
      cid: this.cid,
      event_platform: 'Win',
      id: this.uuid(),
      timestamp: String(this.ts),
    };
  }

  private static readonly IMAGES: [string, string][] = [
    ['Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule'],
    ['Program Files\\Google\\Chrome\\Application\\chrome.exe', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --field-trial-handle=1864,i,4491866183432384620'],
    ['Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\scripts\\inventory.ps1'],
    ['Windows\\System32\\cmd.exe', 'C:\\Windows\\system32\\cmd.exe /c "dir C:\\Users\\Public"'],
    ['Windows\\System32\\conhost.exe', '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1'],
    ['Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE'],
    ['Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" /recycle'],
    ['Windows\\System32\\net.exe', 'net  localgroup administrators'],
    ['Windows\\System32\\taskhostw.exe', 'taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}'],
  ];

  private process(type: string): Record<string, string> {
    const host = this.pick(this.hosts);
    const user = this.pick(this.users);
    const roll = this.r();
    let image: string, cmd: string;
    if (roll < 0.002) {
      image = 'Users\\admin\\Downloads\\PsExec64.exe';
      cmd = `PsExec64.exe \\\\${this.pick(this.hosts).name} -s -accepteula cmd.exe /c ipconfig`;
    } else if (roll < 0.004) {
      image = 'Windows\\System32\\net.exe';
      cmd = `net use \\\\${this.pick(this.hosts).name}\\C$ /user:CORP\\${user.name}`;
    } else {
      [image, cmd] = this.pick(Gen.IMAGES);
    }
    const parent = this.pick(Gen.IMAGES)[0];
    return {
      ...this.base(type, host),
      AuthenticationId: String(this.int(100000, 99999999)),
      CommandLine: cmd,
      ImageFileName: `\\Device\\HarddiskVolume2\\${image}`,
      IntegrityLevel: '12288',
      MD5HashData: this.hex(32),
      ParentBaseFileName: parent.slice(parent.lastIndexOf('\\') + 1),
      ParentProcessId: this.pid(),
      ProcessStartTime: (this.ts / 1000).toFixed(3),
      RawProcessId: String(this.int(100, 65000)),
      SHA256HashData: this.hex(64),
      SessionId: String(this.int(0, 5)),
      TargetProcessId: this.pid(),
      TokenType: '1',
      TreeId: this.pid(),
      UserSid: user.sid,
      name: type === 'ProcessRollup2' ? 'ProcessRollup2V19' : 'SyntheticProcessRollup2V2',
    };
  }

  private network(): Record<string, string> {
    const host = this.pick(this.hosts);
    const smb = this.r() < 0.003;
    const e: Record<string, string> = {
      ...this.base('NetworkConnectIP4', host),
      ConnectionDirection: '0',
      ContextProcessId: this.pid(),
      ContextThreadId: this.pid(),
      ContextTimeStamp: (this.ts / 1000).toFixed(3),
      InContext: '0',
      LocalAddressIP4: host.ip,
      LocalPort: String(this.int(49152, 65535)),
      Protocol: '6',
      RemoteAddressIP4: smb ? this.pick(this.hosts).ip : `${this.int(1, 223)}.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`,
      RemotePort: smb ? '445' : this.pick(['443', '443', '443', '80', '53', '8080', '3389']),
      name: 'NetworkConnectIP4MacV5',
    };
    if (this.r() < 0.5) e.ContextBaseFileName = smb ? this.pick(['powershell.exe', 'System', 'svchost.exe']) : this.pick(['chrome.exe', 'svchost.exe', 'OUTLOOK.EXE', 'Teams.exe']);
    return e;
  }

  private other(): Record<string, string> {
    const host = this.pick(this.hosts);
    const roll = this.r();
    if (roll < 0.02) {
      const u = this.pick(this.users);
      return { ...this.base('UserLogon', host), UserSid: u.sid, UserName: u.name, LogonDomain: 'CORP', LogonType: '2', AuthenticationId: String(this.int(100000, 99999999)), LogonTime: (this.ts / 1000).toFixed(3) };
    }
    if (roll < 0.04) {
      const u = this.pick(this.users);
      return { ...this.base('UserIdentity', host), UserSid: u.sid, UserName: u.name, UserPrincipal: `${u.name}@corp.example`, AuthenticationId: String(this.int(100000, 99999999)), LogonDomain: 'CORP' };
    }
    if (roll < 0.045) {
      return { ...this.base('AgentOnline', host), ComputerName: host.name, AgentVersion: '7.18.18006.0', BaseTime: String(this.ts), ProvisionState: '1' };
    }
    const type = this.pick(['DnsRequest', 'DnsRequest', 'ImageHash', 'ImageHash', 'EndOfProcess', 'FileOpenInfo', 'RegGenericValueUpdate', 'NewExecutableWritten', 'ScriptControlScanInfo']);
    const e: Record<string, string> = { ...this.base(type, host), ContextProcessId: this.pid(), ContextTimeStamp: (this.ts / 1000).toFixed(3) };
    switch (type) {
      case 'DnsRequest':
        e.DomainName = `${this.pick(['www', 'api', 'login', 'cdn'])}.${this.pick(['microsoft.com', 'google.com', 'corp.example', 'office.net'])}`;
        e.RequestType = '1';
        break;
      case 'ImageHash':
        e.ImageFileName = `\\Device\\HarddiskVolume2\\${this.pick(Gen.IMAGES)[0]}`;
        e.SHA256HashData = this.hex(64);
        e.MD5HashData = this.hex(32);
        break;
      case 'EndOfProcess':
        e.TargetProcessId = this.pid();
        e.RawProcessId = String(this.int(100, 65000));
        break;
      default:
        e.TargetFileName = `\\Device\\HarddiskVolume2\\Users\\${this.pick(this.users).name}\\AppData\\Local\\Temp\\${this.hex(8)}.tmp`;
        e.Size = String(this.int(0, 10_000_000));
    }
    return e;
  }

  line(): Record<string, string> {
    const roll = this.r();
    if (roll < 0.1) return this.process('ProcessRollup2');
    if (roll < 0.2) return this.network();
    if (roll < 0.21) return this.process('SyntheticProcessRollup2');
    return this.other();
  }
}

/** Write a deterministic batch of about `plainBytes` bytes (uncompressed) to `path` unless already there. */
export function ensureFile(path: string, plainBytes: number, seed: number, log = true): BenchFile {
  const metaPath = `${path}.meta.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as BenchFile & { version: number; target: number; seed: number };
    if (meta.version === GENERATOR_VERSION && meta.target === plainBytes && meta.seed === seed) return meta;
  }
  mkdirSync(BENCH_DIR, { recursive: true });
  const t0 = performance.now();
  const gen = new Gen(seed);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  const counts: Record<string, number> = {};
  let plain = 0, gz = 0, lines = 0, members = 0;
  try {
    while (plain < plainBytes) {
      const parts: string[] = [];
      let size = 0;
      const target = Math.min(memberBytes(plainBytes), plainBytes - plain);
      while (size < target) {
        const e = gen.line();
        const s = JSON.stringify(e) + '\n';
        parts.push(s);
        size += s.length; // ASCII only
        counts[e.event_simpleName] = (counts[e.event_simpleName] ?? 0) + 1;
        lines++;
      }
      const member = gzipSync(parts.join(''), { level: 6 });
      writeSync(fd, member);
      plain += size;
      gz += member.length;
      members++;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const meta: BenchFile = { path, plainBytes: plain, gzBytes: gz, lines, members, counts };
  writeFileSync(metaPath, JSON.stringify({ ...meta, version: GENERATOR_VERSION, target: plainBytes, seed }, null, 1));
  if (log) {
    console.error(
      `generated ${path}: ${(plain / 1e6).toFixed(0)} MB plain, ${(gz / 1e6).toFixed(1)} MB gzip, ${members} members, ${lines} lines in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  return meta;
}

export function benchScale(argv: string[] = process.argv.slice(2)): number {
  const i = argv.indexOf('--scale');
  const raw = i >= 0 ? argv[i + 1] : argv.includes('--quick') ? '0.1' : process.env.BENCH_SCALE;
  const s = raw === undefined ? 1 : Number(raw);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`invalid scale ${raw}`);
  return s;
}

/** The two benchmark inputs: ~100 MB and ~400 MB uncompressed at scale 1 (4× apart). */
export function ensureBenchFiles(scale: number): [BenchFile, BenchFile] {
  const small = Math.round(100e6 * scale);
  const big = small * 4;
  return [
    ensureFile(join(BENCH_DIR, `fdr-${small}.json.gz`), small, 0xfd0001),
    ensureFile(join(BENCH_DIR, `fdr-${big}.json.gz`), big, 0xfd0002),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of ensureBenchFiles(benchScale())) console.log(JSON.stringify(f));
}
