/**
 * `fdr-detect replay`: the pipeline on local files/directories (or S3 prefixes), alerts to stdout, summary to stderr.
 * Exit codes: 0 every input was read to its end; 1 could not run (bad arguments, rules or context file);
 * 2 some input was corrupt or unreadable (alerts from every readable part were still printed).
 */
import type { AlertRecord } from '../alerts/types';
import { loadContextFile, StaticContextStore } from '../context/file';
import type { ContextStore } from '../context/types';
import { processObject, type ObjectResult } from '../pipeline';
import type { ObjectRef, ObjectSource } from '../ports';
import { loadRulePack } from '../rules/loader';
import type { LoadedRule } from '../rules/rule';
import { FileObjectSource } from '../sources/file';
import { LayeredContextStore } from '../context/layered';
import { readSecondaryObject, SecondaryAccumulator } from '../fdr/secondary';
import { expandLocalInputs } from './inputs';
import { DEFAULT_TABLE, renderTable } from './table';
import { Summary } from './summary';

export type ReplayFormat = 'table' | 'ndjson' | 'json';

export interface ReplayOptions {
  paths: string[];
  /** Context file path, `dynamodb`, or undefined for none. */
  context?: string;
  format: ReplayFormat;
  includeSuppressed: boolean;
  rulesDir?: string;
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
 * An FDR bucket copied to disk holds fdrv2/ secondary data next to data/: load it first, so the event replay
 * names hosts and users the way the deployed pipeline's synced context table would.
 */
async function layerSecondary(context: ContextStore, refs: ObjectRef[], source: ObjectSource, summary: Summary): Promise<ContextStore> {
  const acc = new SecondaryAccumulator();
  for (const ref of refs) {
    const r = await readSecondaryObject(ref, source, (kind, records) => {
      for (const rec of records) acc.add(kind, rec);
    });
    summary.addSecondary(ref, r);
  }
  return new LayeredContextStore(context, { hosts: acc.hosts(), users: acc.users() });
}

async function openContext(spec: string | undefined): Promise<ContextStore> {
  if (!spec) return new StaticContextStore();
  if (spec === 'dynamodb') {
    // The AWS SDK loads only when asked for: a local replay starts faster without it.
    const { DynamoContextStore } = await import('../context/dynamodb');
    return new DynamoContextStore();
  }
  return loadContextFile(spec);
}

export async function runReplay(opts: ReplayOptions, io: Io): Promise<number> {
  let rules: LoadedRule[];
  let context: ContextStore;
  try {
    rules = loadRulePack(opts.rulesDir);
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
  if (expanded.secondary.length > 0) context = await layerSecondary(context, expanded.secondary, files, summary);
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
        if (listed.secondary.length > 0) context = await layerSecondary(context, listed.secondary, s3, summary);
      } catch (err) {
        summary.inputError(uri, (err as Error).message);
      }
    }
  }
  if (jobs.length === 0 && !summary.hadInputErrors) {
    io.stderr.write(`fdr-detect replay: no input files found in ${opts.paths.join(', ')}\n`);
    return EXIT_CANNOT_RUN;
  }

  const collected: AlertRecord[] = [];
  if (opts.format === 'json') io.stdout.write('[');
  let firstJson = true;
  for (const job of jobs) {
    summary.startObject(job.ref);
    const result: ObjectResult = await processObject(job.ref, { source: job.source, rules, context });
    summary.addObject(result);
    const shown = opts.includeSuppressed ? [...result.alerts, ...result.suppressed].sort((a, b) => (a.source.line ?? 0) - (b.source.line ?? 0)) : result.alerts;
    if (opts.format === 'ndjson') {
      for (const a of shown) io.stdout.write(JSON.stringify(a) + '\n');
    } else if (opts.format === 'json') {
      for (const a of shown) {
        io.stdout.write((firstJson ? '\n' : ',\n') + JSON.stringify(a));
        firstJson = false;
      }
    } else {
      collected.push(...shown);
    }
  }
  if (opts.format === 'json') io.stdout.write(firstJson ? ']\n' : '\n]\n');
  if (opts.format === 'table') {
    io.stdout.write(renderTable(collected, rules[0]?.query.table ?? DEFAULT_TABLE, { suppressedColumn: opts.includeSuppressed }));
  }
  summary.finish();
  return summary.hadInputErrors ? EXIT_INPUT_ERRORS : EXIT_OK;
}
