import type { Inflater } from './inflate';

/** A raw FDR event as parsed from one NDJSON line. Values are usually strings (numbers too). */
export type RawEvent = Record<string, unknown>;

/** One candidate line that passed the prefilter and parsed as a JSON object. */
export interface DecodedEvent {
  /** 1-based line number within the object (after gunzip). */
  line: number;
  event: RawEvent;
  /** The raw line bytes as UTF-8 text (BOM/CR stripped); used for a stable event key when FDR's `id` is absent. */
  text: string;
  /**
   * True when the line failed its type's literal gate: `event` then holds only `event_simpleName` (the line's own,
   * checked), and `text` is one flat JSON object (no nested object) that a join or the identity index reads its few
   * fields from (fdr/extract.ts). No rule can match such a line; it only feeds joins and names.
   */
  partial?: boolean;
}

/**
 * A second-stage prefilter for one event type. `keep` sees the line's text (UTF-8 decoded, as JSON.parse reads
 * it; its literals are ASCII, which decoding never creates nor splits) and says whether it must be parsed; null
 * keeps every line. A line not kept yields a partial event when `partial` is set (a process start still feeds the
 * join, an identity event the names), and is dropped otherwise.
 */
export interface LineGate {
  keep: ((line: string) => boolean) | null;
  partial?: boolean;
  /**
   * Byte strings at least one of which every line `keep` can keep holds (literals without letters: no case folding):
   * a line with none of them is settled on its raw bytes, before it is decoded. Only used when `partial` is not set.
   */
  needles?: readonly Buffer[] | null;
}

/** Why a line was skipped. Every skipped line is counted under exactly one reason. */
export type SkipReason = 'invalid-json' | 'not-object' | 'over-long';

export interface SkippedLine {
  line: number;
  reason: SkipReason;
  detail?: string;
}

/**
 * Where the stream broke, if it did. `source`: the source failed (it says whether a retry may help: `transient`);
 * `gzip`: corrupt or truncated compressed data; `format`: not FDR NDJSON at all (an unsupported compression or a
 * binary file) or not one valid line in it. `gzip` and `format` are never transient.
 */
export interface DecodeError {
  stage: 'source' | 'gzip' | 'format';
  message: string;
  /** May reading the object again succeed? */
  transient: boolean;
  /** Short reason for logs and metrics (`throttled`, `not-found`, `corrupt-gzip`, `unsupported-format`, …). */
  code: string;
  /** Bytes of input consumed before the error. */
  atByte: number;
  cause?: unknown;
}

export interface DecodeStats {
  /** Compressed (or plain) bytes read from the source. */
  bytesIn: number;
  /** Bytes after gunzip. */
  bytesOut: number;
  gzip: boolean;
  /** Non-blank lines seen (all events, whether or not the prefilter kept them). */
  lines: number;
  /** Lines the prefilter kept and that were parsed. */
  candidates: number;
  skipped: Record<SkipReason, number>;
  /** The first few skipped lines with reasons (bounded; counts above are exact). */
  skippedSamples: SkippedLine[];
  error?: DecodeError;
  /**
   * Lines the byte prefilter kept that parsed but whose `event_simpleName` is not one of the requested types
   * (the needle sat inside another value). Dropped by the decoder; not counted in `candidates` nor `skipped`.
   */
  prefilterFalseHits?: number;
  /** Parsed lines that held invalid UTF-8 (kept, with U+FFFD in place of the bad bytes). */
  repairedUtf8?: number;
  /** Candidate lines a literal gate spared from JSON.parse (dropped or partial). */
  gated?: number;
  /** Zero bytes skipped between or after gzip members (padding). */
  gzipPaddingBytes?: number;
}

export interface DecodeOptions {
  /** Longest accepted line in bytes; longer lines are skipped as `over-long` (memory stays bounded). Default 8 MiB. */
  maxLineBytes?: number;
  /** Compressed bytes per zlib write. Default min(1 MiB, 4 × chunkSize). */
  inflateStep?: number;
  /** From compressed byte `from` on, write `step` bytes at a time (recovery near known damage: see pipeline.ts). */
  fineInflate?: { from: number; step: number };
  /** zlib inflate chunk size. Default 256 KiB. */
  chunkSize?: number;
  /**
   * `#event_simpleName` values worth parsing; null/undefined = parse every line.
   * Matching is a byte-level hint only: callers must still check the parsed event's type.
   */
  eventTypes?: readonly string[] | null;
  /** Max entries kept in `skippedSamples`. Default 20. */
  maxSkippedSamples?: number;
  /** Literal gates by event type (see LineGate). Only applied when `eventTypes` is set. */
  gates?: ReadonlyMap<string, LineGate>;
  /** Stops reading when it fires (e.g. the Lambda's time budget): a transient source error `aborted`. */
  signal?: AbortSignal;
  /**
   * Runs the gzip stage: on this thread by default (`inlineInflater`); `workerInflater()` (fdr/inflate-thread.ts)
   * inflates in a worker thread, beside the line work, where cores are free beside the calling thread.
   */
  inflater?: Inflater;
  /**
   * Events are handed here as each line is read, in line order, instead of in the batches (which then stay empty:
   * iterating them drives the reading). Each line's text is then garbage by the next young-generation collection;
   * batched, a chunk's texts all survive the collections that run while the rest of the chunk is split (the bench's
   * 400 MB replay copied some 300 KB at each of its 300 scavenges, and promoted 24 MB). An exception it throws ends
   * the reading (the source is closed) and is thrown to whoever iterates the batches.
   */
  onEvent?: (ev: DecodedEvent) => void;
}
