/**
 * The fleet behind the noise background: domain controllers, file servers, application servers, a SQL cluster,
 * workstations with their users, and the infrastructure whose SMB looks like lateral movement — an IT jump host,
 * PDQ- and SCCM-style deployment servers, a monitoring poller and a backup server — with the service accounts they
 * run as. The context file (what an operator would tag) is derived from it, so hosts and tags cannot drift apart.
 */
import type { ContextFile } from '../../lambda/context/types';
import type { Host, Sensor, User } from '../../events/fdr-shapes';
import type { Rng } from './random';

export type Role = 'workstation' | 'server' | 'dc' | 'fileserver' | 'sql' | 'jump' | 'pdq' | 'sccm' | 'monitoring' | 'backup';

export interface Account extends User {
  /** The logon session's AuthenticationId (one per account per host is enough for the background). */
  auth: string;
}

export interface FleetHost extends Host {
  role: Role;
  /** The kernel's process id on this host: SMB the redirector opens is System's, never started in any batch. */
  systemPid: string;
  /** The workstation's user. */
  user?: Account;
}

export interface Fleet {
  cid: string;
  hosts: FleetHost[];
  workstations: FleetHost[];
  /** Application servers and the SQL cluster: what deployment, monitoring and backup reach. */
  servers: FleetHost[];
  dcs: FleetHost[];
  fileServers: FleetHost[];
  sql: [FleetHost, FleetHost];
  jump: FleetHost;
  pdq: FleetHost;
  sccm: FleetHost;
  monitoring: FleetHost;
  backup: FleetHost;
  accounts: { deploy: Account; pdq: Account; sccm: Account; backup: Account; monitor: Account };
}

const DOMAIN = 'CORP';
const SID_PREFIX = 'S-1-5-21-1111111111-2222222222-3333333333-';
/** Kernel UPIDs: above 2^53 and out of the builders' range. */
const SYSTEM_PID_BASE = 2_305_843_009_213_693_952n;
const FIRST_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'kim', 'leo', 'maya', 'nick', 'olga', 'paul', 'quinn', 'rita', 'sam', 'tina'];

export function account(name: string, rid: number): Account {
  return { sid: `${SID_PREFIX}${rid}`, name, domain: DOMAIN, auth: String(3_000_000 + rid) };
}

export function buildFleet(rng: Rng, workstations = 200): Fleet {
  const cid = rng.hex(32);
  const hosts: FleetHost[] = [];
  // Sensor generations as a fleet mixes them: most current, some from 2023, a few from 2020 (events/fdr-shapes.ts).
  const sensor = (): Sensor => {
    const r = rng.next();
    return r < 0.1 ? 'old' : r < 0.35 ? 'mid' : 'new';
  };
  const add = (role: Role, name: string, ip: string, s: Sensor = sensor(), user?: Account): FleetHost => {
    const last = ip.split('.').slice(2).join(':');
    const h: FleetHost = { aid: rng.hex(32), name, ip, sensor: s, ip6: `fd00::${last}`, role, systemPid: String(SYSTEM_PID_BASE + BigInt(hosts.length) * 4096n + 4n), user };
    hosts.push(h);
    return h;
  };
  const dcs = [0, 1, 2, 3].map((i) => add('dc', `DC0${i + 1}`, `10.0.1.${10 + i}`));
  const fileServers = [0, 1, 2].map((i) => add('fileserver', `SRV-FS0${i + 1}`, `10.0.7.${20 + i}`));
  const sql: [FleetHost, FleetHost] = [add('sql', 'SRV-SQL01', '10.0.7.30'), add('sql', 'SRV-SQL02', '10.0.7.31')];
  const apps = Array.from({ length: 30 }, (_, i) => add('server', `SRV-APP${String(i + 1).padStart(2, '0')}`, `10.0.7.${40 + i}`));
  const jump = add('jump', 'IT-JUMP01', '10.0.5.10', 'new');
  const pdq = add('pdq', 'SRV-PDQ01', '10.0.5.20', 'new');
  const sccm = add('sccm', 'SRV-SCCM01', '10.0.5.30', 'mid');
  const monitoring = add('monitoring', 'MON01', '10.0.9.5', 'new');
  // The backup server on an old sensor: its SMB is unattributed, yet suppressed by its tag.
  const backup = add('backup', 'SRV-BKP01', '10.0.9.20', 'old');
  const ws = Array.from({ length: workstations }, (_, i) => {
    const user = account(`${FIRST_NAMES[i % FIRST_NAMES.length]}${Math.floor(i / FIRST_NAMES.length) || ''}`, 2000 + i);
    return add('workstation', `WKS-${String(i + 1).padStart(4, '0')}`, `10.0.${12 + (i >> 7)}.${10 + (i & 127)}`, sensor(), user);
  });
  return {
    cid,
    hosts,
    workstations: ws,
    servers: [...apps, ...sql],
    dcs,
    fileServers,
    sql,
    jump,
    pdq,
    sccm,
    monitoring,
    backup,
    accounts: {
      deploy: account('svc_deploy', 1104),
      pdq: account('svc_pdq', 1310),
      sccm: account('svc_sccmpush', 1311),
      backup: account('svc_veeam', 1320),
      monitor: account('svc_zabbix', 1330),
    },
  };
}

/** What an operator tags: the sanctioned servers and accounts (README "Context and suppression"). */
export function fleetContext(f: Fleet): ContextFile {
  const host = (h: FleetHost, tags: string[], reason: string) => ({ aid: h.aid, computerName: h.name, ips: [h.ip], tags, owner: 'it-ops', reason });
  const user = (a: Account, reason: string) => ({ userSid: a.sid, userName: `${a.domain}\\${a.name}`, tags: ['psexec-sanctioned'], owner: 'it-ops', reason });
  return {
    users: [
      user(f.accounts.deploy, 'admin work from the jump host'),
      user(f.accounts.pdq, 'PDQ Deploy service account'),
      user(f.accounts.sccm, 'SCCM client push account'),
    ],
    hosts: [
      host(f.jump, ['it-admin'], 'jump host'),
      // Deployment servers push over SMB to many hosts at once: scanner too, as the README advises for fan-out.
      host(f.pdq, ['it-admin', 'scanner'], 'PDQ Deploy server: pushes packages through ADMIN$'),
      host(f.sccm, ['it-admin', 'scanner'], 'SCCM site server (client push)'),
      host(f.monitoring, ['monitoring'], 'Zabbix poller'),
      host(f.backup, ['backup'], 'Veeam backup server'),
    ],
  };
}

/** The same entries without their tags: the control run (nothing sanctioned, every look-alike should alert). */
export function untagged(c: ContextFile): ContextFile {
  return { users: c.users?.map((u) => ({ ...u, tags: [] })), hosts: c.hosts?.map((h) => ({ ...h, tags: [] })) };
}
