/** `fdr-detect`: replay FDR batches, lint rules, manage context, drive the deployed pipeline (see USAGE). */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXIT_CANNOT_RUN, EXIT_INPUT_ERRORS, runReplay, type Io, type ReplayFormat } from './replay';
import { UsageError } from './usage';

// Commands that talk to AWS load the SDK on demand: `replay` and `lint` start without it.
const aws = () => import('../aws/clients');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What `npm run replay` shows with no arguments: the bundled sample batches and context. */
export const SAMPLE_BATCHES = join(ROOT, 'events', 'fdr');
export const SAMPLE_CONTEXT = join(ROOT, 'events', 'context.json');

const USAGE = `usage:
  fdr-detect replay [PATH|s3://bucket/prefix ...] [--context FILE|dynamodb] [--format table|ndjson|json]
                    [--include-suppressed] [--rules DIR]
      With no PATH: the bundled sample batches (events/fdr) and sample context (events/context.json).
      Exit 0: every input read; 1: could not run; 2: some input corrupt or unreadable (alerts still printed).
  fdr-detect lint RULE.cql ...
      Exit 0: clean; 1: errors (file:line:col diagnostics on stderr).
  fdr-detect context import FILE | export [--out FILE] | list [--fdr] | sync FILE|DIR ...
  fdr-detect context put user  [--sid SID] [--name DOMAIN\\user] [--tag T ...] [--owner O] [--reason R] [--expires ISO]
  fdr-detect context put host  [--aid AID] [--name HOST] [--ip IP ...] [--tag T ...] [--owner O] [--reason R] [--expires ISO]
  fdr-detect context delete user --sid SID | --name NAME;  context delete host --aid AID | --name HOST | --ip IP
      The DynamoDB context table (--table NAME or CONTEXT_TABLE_NAME). import validates first, is idempotent;
      sync loads FDR secondary data (paths with fdrv2/aidmaster|managedassets|userinfo/) the way the Lambda does.
  fdr-detect backfill s3://bucket/prefix --queue URL [--since ISO] [--rate N] [--start-after KEY] [--dry-run]
      Enqueue S3-event messages for existing objects (fan-out over Lambda). Resume with --start-after KEY.
  fdr-detect redrive --from DLQ_URL --to QUEUE_URL [--max N]
      Move dead letters back to the work queue.
  fdr-detect invoke EVENT.json [--timeout SECONDS]
      Run the Lambda handler once on a test event (events/lambda/*.json); needs CONTEXT_TABLE_NAME, DEDUPE_TABLE_NAME,
      ALERT_TOPIC_ARN, AWS_REGION (AWS_ENDPOINT_URL_* for local servers). Response JSON on stdout, logs on stderr.
      Exit 0: the handler returned; 1: bad event file, missing environment, or the handler threw.
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'replay': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            context: { type: 'string' },
            format: { type: 'string', default: 'table' },
            'include-suppressed': { type: 'boolean', default: false },
            rules: { type: 'string', multiple: true },
          },
        });
        const format = values.format as ReplayFormat;
        if (!['table', 'ndjson', 'json'].includes(format)) throw new UsageError(`--format must be table, ndjson or json`);
        const defaults = positionals.length === 0;
        return await runReplay(
          {
            paths: defaults ? [SAMPLE_BATCHES] : positionals,
            context: values.context ?? (defaults ? SAMPLE_CONTEXT : undefined),
            format,
            includeSuppressed: values['include-suppressed'] ?? false,
            rulesDirs: values.rules,
          },
          io,
        );
      }
      case 'backfill': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            queue: { type: 'string' },
            since: { type: 'string' },
            rate: { type: 'string', default: '0' },
            'start-after': { type: 'string' },
            'dry-run': { type: 'boolean', default: false },
          },
        });
        if (positionals.length !== 1 || !positionals[0].startsWith('s3://')) throw new UsageError('backfill needs one s3://bucket/prefix');
        if (!values.queue) throw new UsageError('backfill needs --queue URL');
        const since = values.since ? new Date(values.since) : undefined;
        if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since is not a date: ${values.since}`);
        const rate = Number(values.rate);
        if (!Number.isFinite(rate) || rate < 0) throw new UsageError('--rate must be a number of messages per second');
        const [{ backfill }, { s3Client, sqsClient }] = await Promise.all([import('./backfill'), aws()]);
        const res = await backfill(
          { uri: positionals[0], queueUrl: values.queue, since, rate, startAfter: values['start-after'], dryRun: values['dry-run'] },
          { s3: s3Client(), sqs: sqsClient() },
          (line) => io.stderr.write(line + '\n'),
        );
        io.stdout.write(JSON.stringify(res) + '\n');
        return res.failed.length > 0 ? EXIT_INPUT_ERRORS : 0;
      }
      case 'redrive': {
        const { values } = parseArgs({
          args: rest,
          options: { from: { type: 'string' }, to: { type: 'string' }, max: { type: 'string' } },
        });
        if (!values.from || !values.to) throw new UsageError('redrive needs --from DLQ_URL and --to QUEUE_URL');
        const [{ redrive }, { sqsClient }] = await Promise.all([import('./redrive'), aws()]);
        const res = await redrive({ from: values.from, to: values.to, max: values.max ? Number(values.max) : undefined }, sqsClient(), (line) =>
          io.stderr.write(line + '\n'),
        );
        io.stdout.write(JSON.stringify(res) + '\n');
        return res.failed > 0 ? EXIT_INPUT_ERRORS : 0;
      }
      case 'context':
        return await (await import('./context')).runContext(rest, io);
      case 'invoke': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { timeout: { type: 'string' } } });
        if (positionals.length !== 1) throw new UsageError('invoke needs one EVENT.json');
        const { runInvoke } = await import('./invoke');
        return await runInvoke({ eventPath: positionals[0], timeoutSeconds: values.timeout === undefined ? undefined : Number(values.timeout) }, io);
      }
      case 'lint':
        if (rest.length === 0) throw new UsageError('lint needs at least one .cql file');
        return await (await import('./lint')).runLint(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(USAGE);
        return command === undefined ? EXIT_CANNOT_RUN : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`fdr-detect: ${(err as Error).message}\n${USAGE}`);
      return EXIT_CANNOT_RUN;
    }
    throw err;
  }
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
const viaBin = process.argv[1]?.endsWith('fdr-detect.mjs') || process.argv[1]?.endsWith('fdr-detect');
if (invokedDirectly || viaBin) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`fdr-detect: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT_CANNOT_RUN;
    },
  );
}
