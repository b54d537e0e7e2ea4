/**
 * `fdr-detect replay`: the pipeline on local files/directories (or S3 prefixes), alerts to stdout, summary to stderr.
 * Exit codes: 0 every input was read to its end; 1 could not run (bad arguments, rules or context file);
 * 2 some input was corrupt or unreadable (alerts from every readable part were still printed).
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { AlertRecord } from '../alerts/types';
import { loadContextFile, StaticContextStore } from '../context/file';
import { LayeredContextStore } from '../context/layered';
import { syncSecondaryObject } from '../context/sync';
import { policyOf } from '../context/policy';
import { processObject, type ObjectResult } from '../pipeline';
import { OVERFLOW_RULE_ID } from '../alerts/overflow';
import { applyState } from '../stateful/index';
import { MemoryStateStore } from '../stores/state-memory';
import type { ContextStore, ObjectRef, ObjectSource } from '../ports';
import { loadRulePacks } from '../packs/loader';
import type { LoadedRule } from '../rules/rule';
import { FileObjectSource } from '../sources/file';
import { workerInflater } from '../fdr/inflate-thread';
import { MemoryFdrStore } from '../stores/memory-fdr';
import { expandLocalInputs } from './inputs';
import { Output, TopRows } from './output';
import { DEFAULT_TABLE, renderTable, rowOrder, tableLimit } from './table';
import type { TableSpec } from '../rules/types';
import { Summary } from './summary';

export type ReplayFormat = 'table' | 'ndjson' | 'json';

export interface ReplayOptions {
  paths: string[];
  /** Context file path, `dynamodb`, or undefined for none. */
  context?: string;
  format: ReplayFormat;
  includeSuppressed: boolean;
  /** Also show the alerts of shadow rules (never published). */
  includeShadow?: boolean;
  /** Also show throttled matches (never published). */
  includeThrottled?: boolean;
  /** Rule pack directories (default: the shipped packs). */
  rulesDirs?: string[];
  /** Where gzip is inflated (default `auto`). */
  inflate?: InflateMode;
}

/**
 * `inline`: on the main thread, taking turns with the line work, as the Lambda does; `thread`: in a worker thread,
 * beside the line work (fdr/inflate-thread.ts), for ~25–30 MB more peak RSS; `auto` (the default): a thread for
 * objects of THREAD_MIN_BYTES or more on a machine of THREAD_MIN_CORES cores or more (a thread costs tens of
 * milliseconds to start: no gain on a small object; on one core it can only take turns). On 2 cores, since the worker
 * inflates by synchronous calls straight into memory shared with the main thread, the thread is faster than inline
 * (bench, 400 MB input: 0.74 against 0.59 × the gunzip floor); with the stream and messages it was slower.
 */
export type InflateMode = 'auto' | 'thread' | 'inline';
export const THREAD_MIN_BYTES = 8 * 1024 * 1024;
export const THREAD_MIN_CORES = 2;

/** Whether an object of `size` bytes (undefined: not known) is inflated in a worker thread. */
export function inflatesInThread(mode: InflateMode, size: number | undefined, cores = availableParallelism()): boolean {
  if (mode !== 'auto') return mode === 'thread';
  return cores >= THREAD_MIN_CORES && (size ?? 0) >= THREAD_MIN_BYTES;
}

/** inflatesInThread for an object; a local file's size is looked up when its listing did not say. */
async function threaded(ref: ObjectRef, mode: InflateMode): Promise<boolean> {
  let size = ref.size;
  if (mode === 'auto' && size === undefined && ref.bucket === null) size = await stat(ref.key).then((s) => s.size, () => undefined);
  return inflatesInThread(mode, size);
}

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const EXIT_OK = 0;
export const EXIT_CANNOT_RUN = 1;
export const EXIT_INPUT_ERRORS = 2;

interface Job {
  ref: ObjectRef;
  source: ObjectSource;
}

/**
 * An FDR bucket copied to disk holds fdrv2/ secondary data next to data/: it is synced first, through the same
 * code as the Lambda's sync (into memory instead of the context table), so the event replay names hosts and users
 * exactly as the deployed pipeline does.
 */
async function syncSecondary(fdr: MemoryFdrStore, refs: ObjectRef[], source: ObjectSource, summary: Summary): Promise<void> {
  for (const ref of refs) summary.addSecondary(ref, await syncSecondaryObject(ref, source, fdr));
}

async function openContext(spec: string | undefined): Promise<ContextStore> {
  if (!spec) return new StaticContextStore();
  if (spec === 'dynamodb') {
    const table = process.env.CONTEXT_TABLE_NAME;
    if (!table) throw new Error('--context dynamodb needs CONTEXT_TABLE_NAME');
    // The AWS SDK loads only when asked for: a local replay starts faster without it.
    const { DynamoContextStore } = await import('../stores/context-dynamodb/lookup');
    return new DynamoContextStore({ tableName: table });
  }
  return loadContextFile(spec);
}

export async function runReplay(opts: ReplayOptions, io: Io): Promise<number> {
  let rules: LoadedRule[];
  let context: ContextStore;
  try {
    rules = loadRulePacks(opts.rulesDirs && opts.rulesDirs.length > 0 ? opts.rulesDirs : undefined);
    context = await openContext(opts.context);
  } catch (err) {
    io.stderr.write(`fdr-detect replay: ${(err as Error).message}\n`);
    return EXIT_CANNOT_RUN;
  }

  const summary = new Summary(io.stderr);
  const jobs: Job[] = [];
  const files = new FileObjectSource();
  const expanded = await expandLocalInputs(opts.paths.filter((p) => !p.startsWith('s3://')));
  for (const m of expanded.missing) summary.inputError(m.path, m.error);
  for (const ref of expanded.events) jobs.push({ ref, source: files });
  const fdr = new MemoryFdrStore();
  await syncSecondary(fdr, expanded.secondary, files, summary);
  const s3Paths = opts.paths.filter((p) => p.startsWith('s3://'));
  if (s3Paths.length > 0) {
    // Straight from S3 (real AWS, or whatever AWS_ENDPOINT_URL_S3 points at), streamed like the Lambda reads it.
    const [{ s3Client }, { S3ObjectSource }, { listS3Inputs }] = await Promise.all([
      import('../aws/clients'),
      import('../sources/s3'),
      import('./s3-inputs'),
    ]);
    const s3 = new S3ObjectSource(s3Client());
    for (const uri of s3Paths) {
      try {
        const listed = await listS3Inputs(uri, s3Client());
        for (const ref of listed.events) jobs.push({ ref, source: s3 });
        await syncSecondary(fdr, listed.secondary, s3, summary);
      } catch (err) {
        summary.inputError(uri, (err as Error).message);
      }
    }
  }
  if (jobs.length === 0 && !summary.hadInputErrors) {
    io.stderr.write(`fdr-detect replay: no input files found in ${opts.paths.join(', ')}\n`);
    return EXIT_CANNOT_RUN;
  }

  if (fdr.size > 0) context = new LayeredContextStore(fdr, context);

  // State spans every input of the run, as it spans objects in the Lambda: a fan-out split over two files fires.
  const state = new MemoryStateStore();
  const policy = policyOf(rules);
  const tables = new Tables(rules);
  const seen = new Set<string>();
  const shows = (a: AlertRecord): boolean =>
    (!a.shadow || !!opts.includeShadow) && (!a.suppressed || opts.includeSuppressed) && (!a.throttled || !!opts.includeThrottled);
  const out = new Output(io.stdout);
  let firstJson = true;
  if (opts.format === 'json') await out.write('[');
  for (const job of jobs) {
    if (out.closed) break; // the reader went away (`| head`): nothing more to show
    summary.startObject(job.ref);
    const inThread = await threaded(job.ref, opts.inflate ?? 'auto');
    if (inThread) summary.inflatedInThread();
    const inflater = inThread ? workerInflater() : undefined;
    const result: ObjectResult = await processObject(job.ref, { source: job.source, rules, context, policy, decode: { inflater } });
    const stateful = await applyState(result, { store: state, context, policy });
    summary.addObject(result, stateful);
    const all = [...stateful.publish, ...stateful.shadow, ...stateful.throttled, ...result.suppressed, ...stateful.suppressed];
    // An alert id is one alert: an input given twice (or an aggregate given again) is shown once, as the dedupe
    // table publishes it once.
    const shown = all.filter((a) => shows(a) && !seen.has(a.alert_id)).sort((a, b) => (a.source.line ?? Infinity) - (b.source.line ?? Infinity));
    for (const a of shown) seen.add(a.alert_id);
    for (const a of shown) {
      if (opts.format === 'ndjson') await out.write(JSON.stringify(a) + '\n');
      else if (opts.format === 'json') {
        await out.write((firstJson ? '\n' : ',\n') + JSON.stringify(a));
        firstJson = false;
      } else tables.add(a);
    }
  }
  if (out.closed) return EXIT_OK; // ends quietly: the reader has what it wanted
  if (opts.format === 'json') await out.write(firstJson ? ']\n' : '\n]\n');
  if (opts.format === 'table') {
    await out.write(tables.render(opts.includeSuppressed || !!opts.includeShadow || !!opts.includeThrottled));
  }
  summary.finish();
  return summary.hadInputErrors ? EXIT_INPUT_ERRORS : EXIT_OK;
}

/** One LogScale-style table per rule (its own table() spec); a single table when one rule produced rows. */
class Tables {
  private readonly byRule = new Map<string, { spec: TableSpec; title: string; rows: TopRows<AlertRecord> }>();

  constructor(private readonly rules: readonly LoadedRule[]) {}

  private tableOf(ruleId: string) {
    let t = this.byRule.get(ruleId);
    if (!t) {
      const rule = this.rules.find((r) => r.meta.id === ruleId);
      const agg = rule?.query.aggregate;
      // An aggregate rule without table(): its group row, as LogScale shows a groupBy() result.
      const spec = rule?.query.table ?? (agg ? { ...DEFAULT_TABLE, fields: ['@timestamp', ...agg.groupBy, ...agg.outputs, 'alert_type'] } : DEFAULT_TABLE);
      const title = rule ? `${rule.meta.id}: ${rule.meta.title}` : ruleId === OVERFLOW_RULE_ID ? `${ruleId}: matches past the per-object cap` : ruleId;
      t = { spec, title, rows: new TopRows<AlertRecord>(tableLimit(spec), rowOrder(spec)) };
      this.byRule.set(ruleId, t);
    }
    return t;
  }

  add(a: AlertRecord): void {
    this.tableOf(a.rule_id).rows.add(a);
  }

  render(statusColumn: boolean): string {
    const tables = [...this.byRule.values()];
    if (tables.length === 0) return renderTable([], this.rules[0]?.query.table ?? DEFAULT_TABLE, { statusColumn });
    if (tables.length === 1) {
      const t = tables[0];
      return renderTable(t.rows.result(), t.spec, { statusColumn, total: t.rows.total });
    }
    // In the rules' load order, then anything else (the overflow summary).
    const order = (id: string): number => {
      const i = this.rules.findIndex((r) => r.meta.id === id);
      return i < 0 ? this.rules.length : i;
    };
    return [...this.byRule.entries()]
      .sort(([a], [b]) => order(a) - order(b))
      .map(([, t]) => `${t.title} (${t.rows.total} rows)\n${renderTable(t.rows.result(), t.spec, { statusColumn, total: t.rows.total })}`)
      .join('\n');
  }
}
