/**
 * Context: who a user is and what a host is, from operator data (the context file / table) and from FDR's own
 * secondary data. The pipeline depends only on the ContextStore port; adapters: file (replay, tests), DynamoDB (Lambda).
 */

/** Fields an operator owns. FDR sync never overwrites them. */
export interface OperatorFields {
  tags?: string[];
  owner?: string;
  reason?: string;
  /** ISO-8601; an expired entry suppresses nothing (compared with the event's @timestamp). */
  expiresAt?: string;
}

export interface UserEntry extends OperatorFields {
  userSid?: string;
  /** `DOMAIN\user` or `user`. */
  userName?: string;
  /** FDR userinfo fields, when synced. */
  accountType?: string;
  localAdminAccess?: string;
  lastLoggedOnHost?: string;
  /** Where this entry came from: `operator`, `fdr:userinfo`, … */
  source?: string;
}

export interface HostEntry extends OperatorFields {
  aid?: string;
  computerName?: string;
  ips?: string[];
  /** FDR aidmaster/managedassets fields, when synced. */
  machineDomain?: string;
  ou?: string;
  siteName?: string;
  productType?: string;
  agentVersion?: string;
  lastSeen?: string;
  macs?: string[];
  source?: string;
}

/** The context file of DESIGN.md §5. */
export interface ContextFile {
  users?: UserEntry[];
  hosts?: HostEntry[];
}

/** What a match needs to know about its host: tried by aid, then computerName, then any IP. */
export interface HostQuery {
  aid?: string | null;
  computerName?: string | null;
  ips?: (string | null | undefined)[];
}

/** What a match needs to know about its user: tried by SID, then name (case-insensitive, `DOMAIN\user` or `user`). */
export interface UserQuery {
  userSid?: string | null;
  userName?: string | null;
}

/** The answers for one batch of queries. Lookups on a snapshot are synchronous and apply the precedence above. */
export interface ContextSnapshot {
  host(q: HostQuery): HostEntry | null;
  user(q: UserQuery): UserEntry | null;
  /** Set when the store could not answer (outage): matches then alert without context and say so. */
  degraded?: string;
}

export interface ContextStore {
  /** One call per object, with the distinct keys of that object's matches (never per scanned event). */
  lookup(q: { hosts: HostQuery[]; users: UserQuery[] }): Promise<ContextSnapshot>;
}
