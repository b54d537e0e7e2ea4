/**
 * Context: who a user is and what a host is, from operator data (the context file / table) and from FDR's own
 * secondary data. The pipeline depends only on the ContextStore port (lambda/ports.ts); adapters: file (replay,
 * tests), memory (FDR data in replay), DynamoDB (Lambda, lambda/stores/).
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

/** The context file (`replay --context FILE`, `context import`): operator entries. */
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
