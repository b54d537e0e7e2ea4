/** Lambda configuration from the environment (DESIGN.md §5), read once per container. */
import { eventPrefixes } from './events';

export interface HandlerConfig {
  topicArn: string;
  dedupeTable: string;
  /** Unset: no context store (every match alerts, logged once per container). */
  contextTable: string | null;
  eventPrefixes: string[];
  /** Published ids stay duplicates this long. */
  dedupeWindowSeconds: number;
  /** A claim protects an in-flight publication this long. */
  dedupeLeaseMs: number;
  /** Stop reading when less than this remains: max(10 s, 15 % of the invocation's time), unless set. */
  safetyMarginMs: number | null;
}

export class ConfigError extends Error {}

function positive(env: NodeJS.ProcessEnv, name: string): number | null {
  const v = env[name];
  if (v === undefined || v === '') return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a non-negative number, got "${v}"`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const missing = ['ALERT_TOPIC_ARN', 'DEDUPE_TABLE_NAME'].filter((k) => !env[k]);
  if (missing.length > 0) throw new ConfigError(`missing environment: ${missing.join(', ')}`);
  return {
    topicArn: env.ALERT_TOPIC_ARN as string,
    dedupeTable: env.DEDUPE_TABLE_NAME as string,
    contextTable: env.CONTEXT_TABLE_NAME || null,
    eventPrefixes: eventPrefixes(env),
    dedupeWindowSeconds: (positive(env, 'DEDUPE_WINDOW_DAYS') ?? 7) * 86_400,
    dedupeLeaseMs: (positive(env, 'DEDUPE_LEASE_SECONDS') ?? 300) * 1000,
    safetyMarginMs: positive(env, 'TIME_SAFETY_MARGIN_MS'),
  };
}

/** The time to keep in reserve for publishing and a clean exit. */
export function safetyMargin(config: Pick<HandlerConfig, 'safetyMarginMs'>, invocationMs: number): number {
  if (config.safetyMarginMs !== null) return config.safetyMarginMs;
  return Math.max(10_000, Math.round(invocationMs * 0.15));
}
