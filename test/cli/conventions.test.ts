/**
 * Command-line conventions, for every command in the table (lambda/cli/main.ts COMMANDS): -h/--help prints that
 * command's usage and exits 0; --version/-V; unknown options and commands name the command and suggest the
 * nearest spelling; errors go to stderr with exit 1, data to stdout; NO_COLOR, TERM=dumb and a stderr that is not
 * a terminal get no terminal control sequences.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { command, parseCommand } from '../../lambda/cli/args';
import { COMMANDS, main, SAMPLE_BATCHES } from '../../lambda/cli/main';
import { UsageError } from '../../lambda/cli/usage';
import { runCli as cli } from '../support/cli';

const ROOT = join(SAMPLE_BATCHES, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const RULE = join(ROOT, 'lambda', 'packs', 't1021-002', 't1021-002.cql');
const SEED = join(ROOT, 'test', 'fixtures', 'seed', 't1021-002.logscale');

/** runCli with a chosen environment and a stderr that may claim to be a terminal. */
async function cliWith(args: string[], env: NodeJS.ProcessEnv, stderrIsTTY: boolean) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTTY });
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(args, { stdout, stderr }, env);
  await new Promise((r) => setImmediate(r));
  return { code, out, err };
}

describe('--help on every command', () => {
  for (const cmd of COMMANDS) {
    const name = cmd.path.join(' ');
    it(`${name} --help, -h and help ${name} print its usage with every option, exit 0`, async () => {
      const long = await cli([...cmd.path, '--help']);
      expect(long.code).toBe(0);
      expect(long.err).toBe('');
      expect(long.out.startsWith(`usage: fdr-detect ${name}`)).toBe(true);
      for (const opt of Object.keys(cmd.options)) expect(long.out).toContain(`--${opt}`);
      expect(long.out).toContain(cmd.summary.split(' ').slice(0, 4).join(' '));
      expect(await cli([...cmd.path, '-h'])).toEqual(long);
      expect(await cli(['help', ...cmd.path])).toEqual(long);
      // Help wins over mistakes elsewhere on the line, and never runs the command.
      expect(await cli([...cmd.path, '--no-such-option', 'x', '--help'])).toEqual(long);
    });
  }

  it('replay --help is the replay usage, not an error', async () => {
    const r = await cli(['replay', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: fdr-detect replay \[PATH\|s3:\/\/bucket\/prefix \.\.\.\] \[--context FILE\|dynamodb\]/);
    expect(r.out).toContain('--include-suppressed');
    expect(r.out).toMatch(/exit status: 0 every input read; 1 could not run; 2 some input/);
    expect(r.out).not.toContain('fdr-detect lint');
  });

  it('groups: context --help and context put -h list their commands', async () => {
    const ctx = await cli(['context', '--help']);
    expect(ctx.code).toBe(0);
    for (const sub of ['import', 'export', 'list', 'sync', 'put user', 'put host', 'delete user', 'delete host']) {
      expect(ctx.out).toContain(`fdr-detect context ${sub}`);
    }
    const put = await cli(['context', 'put', '-h']);
    expect(put.code).toBe(0);
    expect(put.out).toContain('fdr-detect context put user');
    expect(put.out).not.toContain('fdr-detect context import');
  });

  it('help (and --help, -h) lists every command on stdout; no command at all is an error with the list on stderr', async () => {
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    for (const cmd of COMMANDS) expect(help.out).toContain(`fdr-detect ${cmd.path.join(' ')}`);
    expect(await cli(['--help'])).toEqual(help);
    expect(await cli(['-h'])).toEqual(help);
    const none = await cli([]);
    expect(none.code).toBe(1);
    expect(none.out).toBe('');
    expect(none.err).toBe(help.out);
  });
});

describe('--version', () => {
  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      expect(await cli([flag])).toEqual({ code: 0, out: `fdr-detect ${VERSION}\n`, err: '' });
    }
  });
});

describe('mistakes: stderr, exit 1, the command named, the nearest spelling suggested', () => {
  const cases: [string[], RegExp][] = [
    [['replay', '--formt', 'ndjson'], /^fdr-detect replay: unknown option --formt \(did you mean --format\?\)\nRun 'fdr-detect replay --help' for its usage\.\n$/],
    [['replay', '--include-supressed'], /^fdr-detect replay: unknown option --include-supressed \(did you mean --include-suppressed\?\)\n/],
    [['replay', '--include-supressed'], /did you mean --include-suppressed\?/],
    [['backfill', 's3://b/p', '--queue', 'q', '--dryrun'], /^fdr-detect backfill: unknown option --dryrun \(did you mean --dry-run\?\)/],
    [['context', 'put', 'user', '--tags', 'x'], /^fdr-detect context put user: unknown option --tags \(did you mean --tag\?\)\nRun 'fdr-detect context put user --help'/],
    [['lint', '--zzz', RULE], /^fdr-detect lint: unknown option --zzz \(its options: --help\)\n/],
    [['replay', '--qqqqqqq'], /unknown option --qqqqqqq \(its options: --help, --context, --format, --include-suppressed, --include-throttled, --include-shadow, --rules, --inflate\)/],
    [['replya'], /^fdr-detect: unknown command "replya" \(did you mean replay\?\)\nRun 'fdr-detect help' for the commands\.\n$/],
    [['context', 'imprt', 'f.json'], /^fdr-detect: unknown command "context imprt" \(did you mean context import\?\)\nRun 'fdr-detect context --help'/],
    [['context'], /^fdr-detect: context needs one of: import, export, list, sync, put, delete\n/],
    [['context', 'put'], /^fdr-detect: context put needs one of: user, host\n/],
    [['context', '--table', 't', 'import'], /^fdr-detect: context needs one of: import, export, list, sync, put, delete \(before --table\)\n/],
    [['--verison'], /^fdr-detect: unknown option --verison \(did you mean --version\?\)/],
    [['-v'], /did you mean -V\?/],
    [['replay', '--format', 'xml'], /^fdr-detect replay: --format must be one of table, ndjson, json; got "xml"/],
    [['replay', '--format'], /^fdr-detect replay: --format needs a value \(--format table\|ndjson\|json\)/],
    [['replay', '--context', '--format', 'json'], /^fdr-detect replay: --context needs a value, not --format/],
    [['replay', '--include-suppressed=yes'], /^fdr-detect replay: --include-suppressed takes no value/],
    [['replay', '--context', 'a', '--context', 'b'], /^fdr-detect replay: --context given more than once/],
    [['backfill', 's3://b/p'], /^fdr-detect: backfill needs --queue URL\nRun 'fdr-detect backfill --help'/],
    [['invoke'], /^fdr-detect: invoke needs one EVENT\.json\n/],
    [['invoke', 'a.json', 'b.json'], /^fdr-detect: invoke needs one EVENT\.json \(got 2\)/],
    [['lint'], /^fdr-detect: lint needs at least one RULE\.cql\|PACK_DIR\n/],
    [['redrive', '--from', 'a', '--to', 'b', 'extra'], /^fdr-detect: redrive takes no arguments; got extra/],
    [['help', 'nope'], /^fdr-detect: unknown command "nope"/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' ') || '(none)', async () => {
      const r = await cli(args);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
    });
  }
});

describe('stdout carries data, stderr diagnostics', () => {
  it('replay: alerts on stdout (one JSON object a line), the summary on stderr', async () => {
    const r = await cli(['replay', '--format', 'ndjson']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(r.err).toMatch(/^objects=8 /m);
    expect(r.out).not.toMatch(/objects=/);
  });

  it('lint: "ok" lines on stdout; diagnostics on stderr with exit 1', async () => {
    const good = await cli(['lint', RULE]);
    expect(good).toMatchObject({ code: 0, err: '' });
    expect(good.out).toMatch(/t1021-002\.cql: ok/);
    const bad = await cli(['lint', SEED]);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err).toMatch(/t1021-002\.logscale:1:19: error/);
  });
});

describe('plain output', () => {
  const ESC = '\x1b';
  it('a terminal stderr gets the replay progress line, unless NO_COLOR or TERM=dumb', async () => {
    const tty = await cliWith(['replay', '--format', 'ndjson'], {}, true);
    expect(tty.code).toBe(0);
    expect(tty.err).toContain(`${ESC}[K`);
    for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }]) {
      const plain = await cliWith(['replay', '--format', 'ndjson'], env, true);
      expect(plain.code).toBe(0);
      expect(plain.err).not.toContain(ESC);
      expect(plain.err).toMatch(/^objects=8 /m);
      expect(plain.out).toBe(tty.out);
    }
  });

  it('NO_COLOR="" does not count (no-color.org); a stderr that is no terminal is plain anyway; stdout never has control sequences', async () => {
    expect((await cliWith(['replay'], { NO_COLOR: '' }, true)).err).toContain(ESC);
    const piped = await cliWith(['replay'], {}, false);
    expect(piped.err).not.toContain(ESC);
    for (const args of [['replay'], ['replay', '--format', 'json'], ['help'], ['replay', '--help']]) {
      expect((await cliWith(args, {}, true)).out).not.toContain(ESC);
    }
  });
});

describe('the option table (lambda/cli/args.ts)', () => {
  const spec = command({
    path: ['demo'],
    summary: 'A command to test the parser.',
    positionals: { name: 'FILE', min: 0, max: 2 },
    options: {
      rules: { type: 'string', value: 'DIR', multiple: true, help: 'Repeatable.' },
      mode: { type: 'string', choices: ['a', 'b'], default: 'a', help: 'A choice.' },
      need: { type: 'string', required: true, help: 'Required.' },
      flag: { type: 'boolean', help: 'A flag.' },
    },
    run: async () => 0,
  });

  it('repeatable options collect every value; defaults, flags and positionals; -- ends the options', () => {
    expect(parseCommand(spec, ['--need', 'n', '--rules', 'x', 'f1', '--rules=y', '--', '--flag'])).toEqual({
      help: false,
      values: { rules: ['x', 'y'], mode: 'a', need: 'n', flag: false },
      positionals: ['f1', '--flag'],
    });
    expect(parseCommand(spec, ['--need=n', '--flag', '--mode', 'b'])).toEqual({
      help: false,
      values: { rules: [], mode: 'b', need: 'n', flag: true },
      positionals: [],
    });
    expect(parseCommand(spec, ['--need', 'n', '--', '--help'])).toMatchObject({ help: false, positionals: ['--help'] });
  });

  it('a value may start with "-" when attached with =, and "-" alone is a value', () => {
    expect(parseCommand(spec, ['--need=-x'])).toMatchObject({ values: { need: '-x' } });
    expect(parseCommand(spec, ['--need', '-'])).toMatchObject({ values: { need: '-' } });
  });

  it('errors are UsageErrors that name the command', () => {
    const error = (args: string[]) => {
      try {
        parseCommand(spec, args);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return `${(err as UsageError).command ?? ''}|${(err as Error).message}`;
      }
      throw new Error('no error');
    };
    expect(error([])).toBe('|demo needs --need VALUE');
    expect(error(['--need', 'n', 'a', 'b', 'c'])).toBe('|demo needs at most 2 FILE (got 3)');
    expect(error(['--need', 'n', '--rule', 'x'])).toBe('demo|unknown option --rule (did you mean --rules?)');
    expect(error(['--need', 'n', '-x'])).toBe('demo|unknown option -x (its options: --help, --rules, --mode, --need, --flag)');
  });

  it('usage shows repeatable, required and default options as such', async () => {
    const { commandUsage, synopsis } = await import('../../lambda/cli/usage');
    expect(synopsis(spec)).toEqual(['fdr-detect demo [FILE ...] [--rules DIR ...] [--mode a|b] --need VALUE [--flag]']);
    const text = commandUsage(spec);
    expect(text).toMatch(/--rules DIR +Repeatable \(repeatable\)\./);
    expect(text).toMatch(/--mode a\|b +A choice \(default: a\)\./);
  });
});
