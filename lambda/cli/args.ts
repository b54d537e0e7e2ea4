/**
 * Command-line parsing for fdr-detect, driven by the command table in main.ts: each command declares its words,
 * positionals and options once; parsing, validation, "did you mean" suggestions and the usage text
 * (lambda/cli/usage.ts) all come from that one entry. Nothing here loads more than node:fs, node:path,
 * node:stream and node:util, so `fdr-detect help` starts at once.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Io } from './replay';
import { optionForm, UsageError } from './usage';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder for a string option's value in usage: `--context FILE|dynamodb`. Default: the choices. */
  value?: string;
  /** May be given more than once; the values arrive as an array (empty when never given). */
  multiple?: boolean;
  required?: boolean;
  /** The only values accepted. */
  choices?: readonly string[];
  default?: string;
  help: string;
}

export interface PositionalSpec {
  /** As shown in usage: `PATH|s3://bucket/prefix`, `EVENT.json`. */
  name: string;
  min?: number;
  /** Default: any number. */
  max?: number;
  help?: string;
}

type ValueOf<S extends OptionSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { multiple: true }
    ? string[]
    : S extends { default: string } | { required: true }
      ? string
      : string | undefined;

export type Values<O extends Record<string, OptionSpec>> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface Parsed<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  values: Values<O>;
  positionals: string[];
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The words that select the command: ['replay'], ['context', 'put', 'user']. */
  path: readonly string[];
  /** One line: what it does. */
  summary: string;
  positionals?: PositionalSpec;
  options: O;
  /** Further lines of `--help`: exit codes, environment. */
  details?: readonly string[];
  /** `raw` holds the arguments after the command's first word, for commands that parse them again. */
  run(args: Parsed<O>, io: Io, raw: string[]): Promise<number>;
}

/** One table entry, its option names and types checked against what `run` reads. */
export function command<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec {
  return spec as unknown as CommandSpec;
}

export const EXIT_OK = 0;
/** Bad usage, or the command could not run. */
export const EXIT_USAGE = 1;

/** Optimal string alignment distance (Levenshtein plus transpositions). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate nearest to `given`, when one is near enough to be what was meant. */
export function nearest(given: string, candidates: readonly string[]): string | undefined {
  const g = given.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === g);
  if (same) return same;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const prefix = Math.min(g.length, lc.length) >= 5 && (lc.startsWith(g) || g.startsWith(lc));
    const d = distance(g, lc);
    const limit = Math.max(1, Math.floor(Math.max(g.length, lc.length) / 3));
    if ((d <= limit || prefix) && g.length > 2 && d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return best;
}

/** " (did you mean --format?)" or " (options: --a, --b)". */
function suggestion(given: string, spellings: string[]): string {
  const near = nearest(given, spellings);
  if (near) return ` (did you mean ${near}?)`;
  const longs = spellings.filter((s) => s.startsWith('--'));
  return longs.length > 0 ? ` (its options: ${longs.join(', ')})` : '';
}

export type ParseResult<O extends Record<string, OptionSpec>> = { help: true } | ({ help: false } & Parsed<O>);

/**
 * Parses `args` (what follows the command's words) against the command's table entry. `-h`/`--help` anywhere
 * before `--` wins over everything else. Throws UsageError naming the command: unknown options (with the nearest
 * option), a string option without a value, a value for a flag, a value outside `choices`, a repeated
 * single-valued option, a missing required option, too few or too many positionals.
 */
export function parseCommand<O extends Record<string, OptionSpec>>(cmd: CommandSpec<O>, args: string[]): ParseResult<O> {
  const name = cmd.path.join(' ');
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [opt, spec] of Object.entries(cmd.options)) config[opt] = { type: spec.type, multiple: spec.multiple ?? false };
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });

  for (const t of tokens) {
    if (t.kind === 'option-terminator') break;
    if (t.kind === 'option' && t.name === 'help') return { help: true };
  }

  const spellings = ['--help', '-h', ...Object.keys(cmd.options).map((o) => `--${o}`)];
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const spec = Object.hasOwn(cmd.options, t.name) ? cmd.options[t.name] : undefined;
    if (!spec) throw new UsageError(`unknown option ${t.rawName}${suggestion(t.rawName, spellings)}`, name);
    const form = optionForm(t.name, spec);
    if (spec.type === 'boolean') {
      if (t.inlineValue) throw new UsageError(`${t.rawName} takes no value`, name);
      values[t.name] = true;
      continue;
    }
    const value = t.value;
    if (value === undefined) throw new UsageError(`${t.rawName} needs a value (${form})`, name);
    if (!t.inlineValue && value.startsWith('-') && value !== '-') {
      throw new UsageError(`${t.rawName} needs a value, not ${value} (a value that starts with "-": ${t.rawName}=${value})`, name);
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`${t.rawName} must be one of ${spec.choices.join(', ')}; got ${JSON.stringify(value)}`, name);
    }
    if (spec.multiple) ((values[t.name] ??= []) as string[]).push(value);
    else if (values[t.name] !== undefined) throw new UsageError(`${t.rawName} given more than once`, name);
    else values[t.name] = value;
  }

  for (const [opt, spec] of Object.entries(cmd.options)) {
    if (values[opt] !== undefined) continue;
    if (spec.required) throw new UsageError(`${name} needs ${optionForm(opt, spec)}`);
    if (spec.type === 'boolean') values[opt] = false;
    else if (spec.multiple) values[opt] = [];
    else if (spec.default !== undefined) values[opt] = spec.default;
  }

  const p = cmd.positionals;
  const min = p?.min ?? 0;
  const max = p?.max ?? (p ? Infinity : 0);
  if (positionals.length < min || positionals.length > max) {
    if (!p || max === 0) throw new UsageError(`${name} takes no arguments; got ${positionals.join(' ')}`);
    const count = min === max ? (min === 1 ? 'one' : String(min)) : positionals.length < min ? `at least ${min === 1 ? 'one' : min}` : `at most ${max}`;
    throw new UsageError(`${name} needs ${count} ${p.name}${positionals.length ? ` (got ${positionals.length})` : ''}`);
  }
  return { help: false, values: values as Values<O>, positionals };
}

/** The package's root folder (package.json, events/), from the sources (lambda/cli/) or the build (dist/). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * Output without terminal control sequences when NO_COLOR is set (https://no-color.org) or TERM=dumb: the one
 * place fdr-detect writes any (replay's progress line on a terminal's stderr) then sees no terminal. Output to
 * something that is not a terminal is plain already.
 */
export function plainIo(io: Io, env: NodeJS.ProcessEnv): Io {
  const plain = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  if (!plain || !io.stderr.isTTY) return io;
  const target = io.stderr;
  const stderr = new Writable({
    write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void) {
      target.write(chunk, done);
    },
  });
  return { stdout: io.stdout, stderr };
}
