/**
 * `fdr-detect` — replay FDR batches locally, lint rules.
 *   fdr-detect replay [PATH|s3://bucket/prefix ...] [--context FILE|dynamodb] [--format table|ndjson|json] [--include-suppressed] [--rules DIR]
 *   fdr-detect lint RULE.cql ...
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLint } from './lint';
import { EXIT_CANNOT_RUN, runReplay, type Io, type ReplayFormat } from './replay';

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
            rules: { type: 'string' },
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
            rulesDir: values.rules,
          },
          io,
        );
      }
      case 'lint':
        if (rest.length === 0) throw new UsageError('lint needs at least one .cql file');
        return await runLint(rest, io);
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

class UsageError extends Error {}

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
