/**
 * Lambda configuration from the environment, read once per container (the README's "Environment" table). The
 * composition root (handler.ts) hands these values to the adapters; no adapter reads the environment itself.
 */
import { DEFAULT_MAX_ALERTS_PER_OBJECT } from '../alerts/overflow';
import { DEFAULT_EVENT_PREFIXES } from '../keys';
import { packDirsFrom } from '../packs/loader';

export interface HandlerConfig {
  topicArn: string;
  dedupeTable: string;
  /** Unset: no context store (every match alerts, logged once per container). */
  contextTable: string | null;
  /** The state of throttles and aggregate rules; required when a loaded rule throttles or aggregates. */
  stateTable: string | null;
  eventPrefixes: string[];
  /** Published ids stay duplicates this long. */
  dedupeWindowSeconds: number;
  /** A claim protects an in-flight publication this long. */
  dedupeLeaseMs: number;
  /** Stop reading when less than this remains: max(10 s, 15 % of the invocation's time), unless set. */
  safetyMarginMs: number | null;
  /** Context items cached per container, and for how long. */
  contextCacheMaxEntries: number;
  contextCacheTtlMs: number;
  /** One context lookup's time limit before it degrades. */
  contextLookupTimeoutMs: number;
  /** Rule pack directories (default: the packs bundled next to the handler). */
  rulePacks: string[] | undefined;
  /** Matches kept whole per object; the rest fold into one summary alert. */
  maxAlertsPerObject: number;
  /** `text`: email subscribers get a readable text (per-protocol messages); `json`: everyone gets the record. */
  alertEmailFormat: 'text' | 'json';
}

export class ConfigError extends Error {}

function positive(env: NodeJS.ProcessEnv, name: string): number | null {
  const v = env[name];
  if (v === undefined || v === '') return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a non-negative number, got "${v}"`);
  return n;
}

/** `EVENT_PREFIXES` (comma list) → prefixes; default `data/`. */
export function eventPrefixes(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (env.EVENT_PREFIXES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length > 0 ? list : [...DEFAULT_EVENT_PREFIXES];
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const missing = ['ALERT_TOPIC_ARN', 'DEDUPE_TABLE_NAME'].filter((k) => !env[k]);
  if (missing.length > 0) throw new ConfigError(`missing environment: ${missing.join(', ')}`);
  return {
    topicArn: env.ALERT_TOPIC_ARN as string,
    dedupeTable: env.DEDUPE_TABLE_NAME as string,
    contextTable: env.CONTEXT_TABLE_NAME || null,
    stateTable: env.STATE_TABLE_NAME || null,
    eventPrefixes: eventPrefixes(env),
    dedupeWindowSeconds: (positive(env, 'DEDUPE_WINDOW_DAYS') ?? 7) * 86_400,
    dedupeLeaseMs: (positive(env, 'DEDUPE_LEASE_SECONDS') ?? 300) * 1000,
    safetyMarginMs: positive(env, 'TIME_SAFETY_MARGIN_MS'),
    contextCacheMaxEntries: Math.max(1, positive(env, 'CONTEXT_CACHE_MAX_ENTRIES') ?? 20_000),
    contextCacheTtlMs: (positive(env, 'CONTEXT_CACHE_TTL_SECONDS') ?? 300) * 1000,
    contextLookupTimeoutMs: positive(env, 'CONTEXT_LOOKUP_TIMEOUT_MS') ?? 5_000,
    rulePacks: packDirsFrom(env.RULE_PACKS),
    maxAlertsPerObject: positive(env, 'MAX_ALERTS_PER_OBJECT') ?? DEFAULT_MAX_ALERTS_PER_OBJECT,
    alertEmailFormat: emailFormat(env.ALERT_EMAIL_FORMAT),
  };
}

function emailFormat(v: string | undefined): 'text' | 'json' {
  if (v === undefined || v === '' || v === 'text') return 'text';
  if (v === 'json') return 'json';
  throw new ConfigError(`ALERT_EMAIL_FORMAT must be text or json, got "${v}"`);
}

/** The time to keep in reserve for publishing and a clean exit. */
export function safetyMargin(config: Pick<HandlerConfig, 'safetyMarginMs'>, invocationMs: number): number {
  if (config.safetyMarginMs !== null) return config.safetyMarginMs;
  return Math.max(10_000, Math.round(invocationMs * 0.15));
}
