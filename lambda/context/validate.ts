/**
 * Validation of the context file (`replay --context FILE`, `context import`). Every problem is reported with its JSON path, so an operator can
 * fix a 500-entry file in one pass. Valid entries are returned even when others are bad.
 */
import type { ContextFile, HostEntry, UserEntry } from './types';
import { isObject } from '../util';

export interface ContextProblem {
  path: string;
  message: string;
}

export interface ValidatedContext {
  context: Required<ContextFile>;
  problems: ContextProblem[];
}

const STRING_FIELDS_USER = ['userSid', 'userName', 'owner', 'reason', 'expiresAt', 'accountType', 'localAdminAccess', 'lastLoggedOnHost', 'source'] as const;
const STRING_FIELDS_HOST = ['aid', 'computerName', 'owner', 'reason', 'expiresAt', 'machineDomain', 'ou', 'siteName', 'productType', 'agentVersion', 'lastSeen', 'source'] as const;
const SID = /^S-1-\d+(-\d+)+$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f:]+$/i;


function checkCommon(e: Record<string, unknown>, path: string, fields: readonly string[], problems: ContextProblem[]): boolean {
  let ok = true;
  for (const k of fields) {
    if (e[k] !== undefined && typeof e[k] !== 'string') {
      problems.push({ path: `${path}.${k}`, message: `must be a string, got ${typeof e[k]}` });
      ok = false;
    }
  }
  if (e.tags !== undefined) {
    if (!Array.isArray(e.tags) || e.tags.some((t) => typeof t !== 'string' || t === '')) {
      problems.push({ path: `${path}.tags`, message: 'must be an array of non-empty strings' });
      ok = false;
    }
  }
  if (typeof e.expiresAt === 'string' && Number.isNaN(Date.parse(e.expiresAt))) {
    problems.push({ path: `${path}.expiresAt`, message: `not an ISO-8601 date: "${e.expiresAt}"` });
    ok = false;
  }
  return ok;
}

export function validateContext(input: unknown): ValidatedContext {
  const problems: ContextProblem[] = [];
  const context: Required<ContextFile> = { users: [], hosts: [] };
  if (!isObject(input)) {
    problems.push({ path: '$', message: 'the context file must be a JSON object with "users" and/or "hosts" arrays' });
    return { context, problems };
  }
  for (const k of Object.keys(input)) {
    if (k !== 'users' && k !== 'hosts') problems.push({ path: `$.${k}`, message: 'unknown key (expected "users" or "hosts")' });
  }
  for (const [key, list] of [['users', input.users], ['hosts', input.hosts]] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({ path: `$.${key}`, message: 'must be an array' });
      continue;
    }
    list.forEach((e, i) => {
      const path = `$.${key}[${i}]`;
      if (!isObject(e)) {
        problems.push({ path, message: 'must be an object' });
        return;
      }
      if (key === 'users') {
        let ok = checkCommon(e, path, STRING_FIELDS_USER, problems);
        if (!e.userSid && !e.userName) {
          problems.push({ path, message: 'a user needs "userSid" or "userName"' });
          ok = false;
        }
        if (typeof e.userSid === 'string' && !SID.test(e.userSid)) {
          problems.push({ path: `${path}.userSid`, message: `not a Windows SID: "${e.userSid}"` });
          ok = false;
        }
        if (ok) context.users.push(e as UserEntry);
      } else {
        let ok = checkCommon(e, path, STRING_FIELDS_HOST, problems);
        if (!e.aid && !e.computerName && !(Array.isArray(e.ips) && e.ips.length > 0)) {
          problems.push({ path, message: 'a host needs "aid", "computerName" or "ips"' });
          ok = false;
        }
        if (e.ips !== undefined) {
          if (!Array.isArray(e.ips)) {
            problems.push({ path: `${path}.ips`, message: 'must be an array of IP addresses' });
            ok = false;
          } else {
            e.ips.forEach((ip, j) => {
              if (typeof ip !== 'string' || !(IPV4.test(ip) || (ip.includes(':') && IPV6.test(ip)))) {
                problems.push({ path: `${path}.ips[${j}]`, message: `not an IP address: ${JSON.stringify(ip)}` });
                ok = false;
              }
            });
          }
        }
        if (ok) context.hosts.push(e as HostEntry);
      }
    });
  }
  return { context, problems };
}
