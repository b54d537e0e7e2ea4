/**
 * The pipeline's ports. The core (pipeline.ts and the stage folders) knows only these interfaces;
 * adapters live at the edges: lambda/sources (S3, files), lambda/sinks (SNS, stdout), lambda/context (file, DynamoDB).
 */
import type { AlertRecord } from './alerts/types';

/** One object (an FDR batch part) to read. `bucket` is null for local files. */
export interface ObjectRef {
  bucket: string | null;
  key: string;
  /** Size in bytes when known (S3 listings / events); 0-byte objects are skipped by callers. */
  size?: number;
}

/** Reads an object as a byte stream. Never buffers a whole object. */
export interface ObjectSource {
  open(ref: ObjectRef, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

export interface PublishFailure {
  alert_id: string;
  error: string;
}

export interface PublishResult {
  published: string[];
  failed: PublishFailure[];
}

/** Where alerts go (SNS, stdout, a file). Suppressed matches are never given to a sink. */
export interface AlertSink {
  publish(alerts: AlertRecord[]): Promise<PublishResult>;
}

/**
 * Gate for exactly-once publication by alert_id (conditional writes with a TTL).
 * claim → publish → confirm. An id claimed but never confirmed (crash) is handed out again after its lease.
 */
export interface DedupeStore {
  /** `fresh`: publish these now. `duplicate`: already published. `busy`: claimed by a live attempt elsewhere, retry later. */
  claim(alertIds: string[]): Promise<{ fresh: string[]; duplicate: string[]; busy: string[] }>;
  /** Mark ids as published. */
  confirm(alertIds: string[]): Promise<void>;
  /** Give back ids whose publication failed, so a retry may claim them at once. */
  release(alertIds: string[]): Promise<void>;
}
