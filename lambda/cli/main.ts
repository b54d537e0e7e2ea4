/**
 * `fdr-detect`: replay FDR batches, lint rules, manage context, drive the deployed pipeline.
 *
 * COMMANDS is the one place a command's words, arguments, options and usage text are declared (see
 * lambda/cli/args.ts); `fdr-detect help`, `fdr-detect COMMAND --help`, parsing and error messages come from it.
 * Conventions: data on stdout, diagnostics and errors on stderr; exit 0 on success, 1 for bad usage or a command
 * that could not run, 2 where a command says so (some input unreadable); `-h`/`--help` everywhere;
 * `--version`/`-V`; no terminal control sequences under NO_COLOR or TERM=dumb.
 *
 * Start-up: this module loads only args.ts, usage.ts and ../heap.ts; each command imports what it needs when it runs, so
 * `help`, `--version` and `lint` never load the AWS SDK or the pipeline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, EXIT_USAGE, nearest, packageRoot, parseCommand, plainIo, type CommandSpec } from './args';
import { keepYoungGenerationSmall } from '../heap';
import type { InflateMode, Io, ReplayFormat } from './replay';
import { commandUsage, groupUsage, UsageError } from './usage';

// Commands that talk to AWS load the SDK on demand.
const aws = () => import('../aws/clients');

const ROOT = packageRoot();
/** What `fdr-detect replay` shows with no arguments: the bundled sample batches and context. */
export const SAMPLE_BATCHES = join(ROOT, 'events', 'fdr');
export const SAMPLE_CONTEXT = join(ROOT, 'events', 'context.json');

/** The package's version (package.json). */
export function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

const table = { type: 'string', value: 'NAME', help: 'The DynamoDB context table (default: $CONTEXT_TABLE_NAME).' } as const;
const operator = {
  tag: { type: 'string', value: 'T', multiple: true, help: 'A tag the rules\' suppress entries name (shipped: psexec-sanctioned, it-admin, monitoring, backup).' },
  owner: { type: 'string', value: 'O', help: 'Who vouches for the entry.' },
  reason: { type: 'string', value: 'R', help: 'Why it is sanctioned (shown in suppressed alerts).' },
  expires: { type: 'string', value: 'ISO', help: 'When the entry stops counting (ISO 8601).' },
} as const;
const runContext = async (_: unknown, io: Io, raw: string[]) => (await import('./context')).runContext(raw, io);

export const COMMANDS: readonly CommandSpec[] = [
  command({
    path: ['replay'],
    summary: 'Run the detection on FDR batches on disk or in S3: alerts on stdout, a summary on stderr.',
    positionals: {
      name: 'PATH|s3://bucket/prefix',
      help: 'Files (.gz or plain NDJSON) and folders, or S3 prefixes; fdrv2/ data among them becomes context. None: the bundled sample batches (events/fdr) with the sample context (events/context.json).',
    },
    options: {
      context: { type: 'string', value: 'FILE|dynamodb', help: 'Context: a JSON file, or "dynamodb" for the context table ($CONTEXT_TABLE_NAME).' },
      format: { type: 'string', choices: ['table', 'ndjson', 'json'], default: 'table', help: 'Output: a LogScale-style table, one alert per line, or one JSON array.' },
      'include-suppressed': { type: 'boolean', help: 'Also print the matches context suppressed, with the entry and reason.' },
      'include-throttled': { type: 'boolean', help: 'Also print the matches a rule\'s throttle held back, with the slot and its holder.' },
      'include-shadow': { type: 'boolean', help: 'Also print the alerts of shadow rules (mode "shadow": evaluated, never published).' },
      rules: { type: 'string', value: 'DIR', multiple: true, help: 'A rule pack folder (<id>.json + <id>.cql per rule) instead of the shipped packs; repeat for several.' },
      inflate: {
        type: 'string',
        choices: ['inline', 'thread', 'auto'],
        default: 'auto',
        help: 'Where gzip is inflated: "inline" on the main thread (as the Lambda does), "thread" in a worker thread beside the line work (about 25 MB more memory), "auto" (the default) a thread for objects of 8 MiB or more on 2 cores or more.',
      },
    },
    details: ['exit status: 0 every input read; 1 could not run; 2 some input corrupt or unreadable (alerts still printed).'],
    async run({ values, positionals }, io) {
      const defaults = positionals.length === 0;
      const { runReplay } = await import('./replay');
      return runReplay(
        {
          paths: defaults ? [SAMPLE_BATCHES] : positionals,
          context: values.context ?? (defaults ? SAMPLE_CONTEXT : undefined),
          format: values.format as ReplayFormat,
          includeSuppressed: values['include-suppressed'],
          includeThrottled: values['include-throttled'],
          includeShadow: values['include-shadow'],
          rulesDirs: values.rules.length > 0 ? values.rules : undefined,
          inflate: values.inflate as InflateMode,
        },
        io,
      );
    },
  }),
  command({
    path: ['lint'],
    summary: 'Compile CQL queries (file:line:col diagnostics on stderr), or check whole rule packs: metadata, queries, sample cases.',
    positionals: { name: 'RULE.cql|PACK_DIR', min: 1 },
    options: {},
    details: ['exit status: 0 clean (warnings allowed); 1 errors.'],
    async run({ positionals }, io) {
      return (await import('./lint')).runLint(positionals, io);
    },
  }),
  command({
    path: ['context', 'import'],
    summary: 'Validate a context file, then write its users and hosts to the context table (idempotent).',
    positionals: { name: 'FILE', min: 1, max: 1 },
    options: { table },
    details: ['Nothing is written when any entry is invalid.'],
    run: runContext,
  }),
  command({
    path: ['context', 'export'],
    summary: 'Print (or write) the context table as a context file.',
    options: { out: { type: 'string', value: 'FILE', help: 'Write to FILE instead of stdout.' }, table },
    run: runContext,
  }),
  command({
    path: ['context', 'list'],
    summary: 'List the operator entries of the context table, one per line.',
    options: { fdr: { type: 'boolean', help: 'Also list the entries synced from FDR data.' }, table },
    run: runContext,
  }),
  command({
    path: ['context', 'sync'],
    summary: 'Load FDR secondary data (paths with fdrv2/aidmaster|managedassets|userinfo/) into the table the way the Lambda does.',
    positionals: { name: 'FILE|DIR', min: 1 },
    options: { table, concurrency: { type: 'string', value: 'N', help: 'Parallel table writes.' } },
    details: ['exit status: 0 all synced; 2 some file unreadable or corrupt (the rest synced).'],
    run: runContext,
  }),
  command({
    path: ['context', 'put', 'user'],
    summary: 'Add or replace an operator user entry.',
    options: {
      sid: { type: 'string', value: 'SID', help: 'The user SID (S-1-5-21-...).' },
      name: { type: 'string', value: 'DOMAIN\\user', help: 'The user name.' },
      ...operator,
      table,
    },
    run: runContext,
  }),
  command({
    path: ['context', 'put', 'host'],
    summary: 'Add or replace an operator host entry.',
    options: {
      aid: { type: 'string', value: 'AID', help: 'The Falcon agent id.' },
      name: { type: 'string', value: 'HOST', help: 'The computer name.' },
      ip: { type: 'string', value: 'IP', multiple: true, help: 'An address of the host.' },
      ...operator,
      table,
    },
    run: runContext,
  }),
  command({
    path: ['context', 'delete', 'user'],
    summary: 'Delete the operator user entry with that SID or name (--sid or --name).',
    options: { sid: { type: 'string', value: 'SID', help: 'The user SID.' }, name: { type: 'string', value: 'NAME', help: 'The user name.' }, table },
    run: runContext,
  }),
  command({
    path: ['context', 'delete', 'host'],
    summary: 'Delete the operator host entry with that agent id, name or address (--aid, --name or --ip).',
    options: {
      aid: { type: 'string', value: 'AID', help: 'The Falcon agent id.' },
      name: { type: 'string', value: 'HOST', help: 'The computer name.' },
      ip: { type: 'string', value: 'IP', help: 'An address of the host.' },
      table,
    },
    run: runContext,
  }),
  command({
    path: ['backfill'],
    summary: 'Enqueue S3-event messages for objects already in the bucket, so the deployed Lambda scans them.',
    positionals: { name: 's3://bucket/prefix', min: 1, max: 1 },
    options: {
      queue: { type: 'string', value: 'URL', required: true, help: 'The object queue (stack output ObjectQueueUrl).' },
      since: { type: 'string', value: 'ISO', help: 'Only objects modified at or after this time.' },
      rate: { type: 'string', value: 'N', default: '0', help: 'Messages per second; 0: as fast as possible.' },
      'start-after': { type: 'string', value: 'KEY', help: 'Resume after this key (progress on stderr names the last one).' },
      'dry-run': { type: 'boolean', help: 'List what would be enqueued, enqueue nothing.' },
    },
    details: ['exit status: 0 all enqueued; 1 could not run; 2 some messages failed.'],
    async run({ values, positionals }, io) {
      if (!positionals[0].startsWith('s3://')) throw new UsageError('backfill needs one s3://bucket/prefix');
      const since = values.since ? new Date(values.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since is not a date: ${values.since}`, 'backfill');
      const rate = Number(values.rate);
      if (!Number.isFinite(rate) || rate < 0) throw new UsageError('--rate must be a number of messages per second', 'backfill');
      const [{ backfill }, { s3Client, sqsClient }] = await Promise.all([import('./backfill'), aws()]);
      const res = await backfill(
        { uri: positionals[0], queueUrl: values.queue, since, rate, startAfter: values['start-after'], dryRun: values['dry-run'] },
        { s3: s3Client(), sqs: sqsClient() },
        (line) => io.stderr.write(line + '\n'),
      );
      io.stdout.write(JSON.stringify(res) + '\n');
      return res.failed.length > 0 ? 2 : 0;
    },
  }),
  command({
    path: ['redrive'],
    summary: 'Move dead letters back to the object queue (each deleted only once the queue accepted it).',
    options: {
      from: { type: 'string', value: 'DLQ_URL', required: true, help: 'The dead-letter queue (stack output DeadLetterQueueUrl).' },
      to: { type: 'string', value: 'QUEUE_URL', required: true, help: 'The object queue.' },
      max: { type: 'string', value: 'N', help: 'Stop after N messages (default: until the dead-letter queue is empty).' },
    },
    details: ['exit status: 0 all moved; 1 could not run; 2 some messages failed.'],
    async run({ values }, io) {
      const max = values.max === undefined ? undefined : Number(values.max);
      if (max !== undefined && !(Number.isInteger(max) && max > 0)) throw new UsageError('--max must be a positive integer', 'redrive');
      const [{ redrive }, { sqsClient }] = await Promise.all([import('./redrive'), aws()]);
      const res = await redrive({ from: values.from, to: values.to, max }, sqsClient(), (line) => io.stderr.write(line + '\n'));
      io.stdout.write(JSON.stringify(res) + '\n');
      return res.failed > 0 ? 2 : 0;
    },
  }),
  command({
    path: ['invoke'],
    summary: 'Run the Lambda handler once, in this process, on a test event (events/lambda/*.json in the repository).',
    positionals: { name: 'EVENT.json', min: 1, max: 1 },
    options: { timeout: { type: 'string', value: 'SECONDS', help: 'The Lambda timeout the handler budgets against (default: 300).' } },
    details: [
      'environment: CONTEXT_TABLE_NAME, DEDUPE_TABLE_NAME, STATE_TABLE_NAME, ALERT_TOPIC_ARN, AWS_REGION (AWS_ENDPOINT_URL_* for local servers).',
      'The response JSON on stdout, the handler logs on stderr.',
      'exit status: 0 the handler returned; 1 bad event file, missing environment, or the handler threw.',
    ],
    async run({ values, positionals }, io) {
      const { runInvoke } = await import('./invoke');
      return runInvoke({ eventPath: positionals[0], timeoutSeconds: values.timeout === undefined ? undefined : Number(values.timeout) }, io);
    },
  }),
];

const groupOf = (words: readonly string[]) => COMMANDS.filter((c) => words.every((w, i) => c.path[i] === w));

function topUsage(): string {
  return groupUsage(
    COMMANDS,
    ['usage:'],
    [
      '  fdr-detect help [COMMAND]     this text, or one command\'s arguments and options (also: COMMAND --help)',
      '  fdr-detect --version          the version',
      '',
      'Data goes to stdout, diagnostics to stderr. Exit status 0: done; 1: bad usage or could not run; 2: some input failed.',
    ],
  );
}

function groupHelp(words: string[]): string {
  const name = words.join(' ');
  return groupUsage(groupOf(words), [`usage: fdr-detect ${name} COMMAND ...`, ''], [`'fdr-detect ${name} COMMAND --help' describes one.`]);
}

/** The command `argv` names (its words consumed) or, when the words only name a group, that group. */
function resolve(argv: string[]): { cmd: CommandSpec; rest: string[] } | { group: string[]; next: string | undefined } {
  let words: string[] = [];
  for (const word of argv) {
    const candidate = [...words, word];
    const under = groupOf(candidate);
    if (under.length === 0) break;
    words = candidate;
    const exact = under.find((c) => c.path.length === words.length);
    if (exact) return { cmd: exact, rest: argv.slice(words.length) };
  }
  return { group: words, next: argv[words.length] };
}

function unknownCommand(group: string[], word: string): UsageError {
  const prefix = group.length ? `${group.join(' ')} ` : '';
  const choices = [...new Set(groupOf(group).map((c) => c.path[group.length]))];
  const near = nearest(word, choices);
  return new UsageError(`unknown command "${prefix}${word}"${near ? ` (did you mean ${prefix}${near}?)` : ` (commands: ${choices.join(', ')})`}`);
}

export async function main(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  io = plainIo(io, env);
  const [first] = argv;
  if (first === undefined) {
    io.stderr.write(topUsage());
    return EXIT_USAGE;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`fdr-detect ${version()}\n`);
    return 0;
  }
  let helpFor = '';
  try {
    if (first === 'help' || first === '--help' || first === '-h') {
      const topic = argv.slice(1);
      if (topic.length === 0) {
        io.stdout.write(topUsage());
        return 0;
      }
      const found = resolve(topic);
      if ('cmd' in found) {
        if (found.rest.length > 0) throw unknownCommand([...found.cmd.path], found.rest[0]);
        io.stdout.write(commandUsage(found.cmd));
      } else if (found.group.length > 0 && found.next === undefined) io.stdout.write(groupHelp(found.group));
      else throw unknownCommand(found.group, found.next ?? '');
      return 0;
    }
    if (first.startsWith('-')) {
      throw new UsageError(`unknown option ${first}${suggestionFor(first, ['--help', '-h', '--version', '-V'])}`);
    }
    const found = resolve(argv);
    if ('group' in found) {
      helpFor = found.group.join(' ');
      if (found.next === '--help' || found.next === '-h') {
        io.stdout.write(groupHelp(found.group));
        return 0;
      }
      if (found.next === undefined || found.next.startsWith('-')) {
        const choices = [...new Set(groupOf(found.group).map((c) => c.path[found.group.length]))];
        throw new UsageError(`${helpFor} needs one of: ${choices.join(', ')}${found.next ? ` (before ${found.next})` : ''}`);
      }
      throw unknownCommand(found.group, found.next);
    }
    const { cmd, rest } = found;
    helpFor = cmd.path.join(' ');
    const parsed = parseCommand(cmd, rest);
    if (parsed.help) {
      io.stdout.write(commandUsage(cmd));
      return 0;
    }
    return await cmd.run(parsed, io, argv.slice(1));
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const about = err instanceof UsageError && err.command ? ` ${err.command}` : '';
      io.stderr.write(`fdr-detect${about}: ${(err as Error).message}\n`);
      io.stderr.write(helpFor ? `Run 'fdr-detect ${helpFor} --help' for its usage.\n` : `Run 'fdr-detect help' for the commands.\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

function suggestionFor(given: string, spellings: string[]): string {
  const near = nearest(given, spellings);
  return near ? ` (did you mean ${near}?)` : '';
}

/** The process entry point (bin/fdr-detect.mjs; `tsx lambda/cli/main.ts` in the repository). */
export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  // `fdr-detect … | head`: a reader that goes away is no error (replay also stops producing, see output.ts).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
  // The CLI owns this process: a long replay (or sync) is one streaming pass, best with a small young generation.
  keepYoungGenerationSmall();
  try {
    process.exitCode = await main(argv, { stdout: process.stdout, stderr: process.stderr });
  } catch (err) {
    process.stderr.write(`fdr-detect: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT_USAGE;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void run();
