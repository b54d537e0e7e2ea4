/**
 * Usage errors and usage text. The text is generated from the command table in main.ts (lambda/cli/args.ts
 * describes its entries), so what `--help` shows is what the parser accepts.
 */
import type { CommandSpec, OptionSpec, PositionalSpec } from './args';

/**
 * A command-line mistake: reported on stderr with a pointer to `--help`, exit code 1. With `command`, the message
 * is about that command's options and is printed as `fdr-detect COMMAND: message`.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const WIDTH = 110;

/** `VALUE` in `--opt VALUE`. */
export function optionValueName(spec: OptionSpec): string {
  return spec.value ?? spec.choices?.join('|') ?? 'VALUE';
}

/** `--opt VALUE`, `--flag`. */
export function optionForm(name: string, spec: OptionSpec): string {
  return spec.type === 'boolean' ? `--${name}` : `--${name} ${optionValueName(spec)}`;
}

function optionSynopsis(name: string, spec: OptionSpec): string {
  const form = optionForm(name, spec) + (spec.multiple ? ' ...' : '');
  return spec.required ? form : `[${form}]`;
}

function positionalSynopsis(p: PositionalSpec): string {
  const min = p.min ?? 0;
  const max = p.max ?? Infinity;
  if (max === 0) return '';
  const many = max > 1 ? ' ...' : '';
  return min === 0 ? `[${p.name}${many}]` : `${p.name}${many}`;
}

/** Units joined by spaces into lines of at most `width` characters; continuation lines start with `indent`. */
function wrap(units: string[], first: string, indent: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const u of units) {
    if (!empty && line.length + 1 + u.length > width) {
      lines.push(line);
      line = indent + u;
    } else line = empty ? line + u : `${line} ${u}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** `fdr-detect replay [PATH ...] [--context FILE|dynamodb] ...`, wrapped; continuation aligned after the command. */
export function synopsis(cmd: CommandSpec, lead = ''): string[] {
  const head = `${lead}fdr-detect ${cmd.path.join(' ')} `;
  const parts = [
    ...(cmd.positionals ? [positionalSynopsis(cmd.positionals)] : []),
    ...Object.entries(cmd.options).map(([name, spec]) => optionSynopsis(name, spec)),
  ].filter(Boolean);
  // One unit per bracketed group, so "[--context FILE]" never breaks inside.
  return wrap(parts, head, ' '.repeat(head.length)).map((l) => l.trimEnd());
}

/** What `fdr-detect COMMAND --help` prints. */
export function commandUsage(cmd: CommandSpec): string {
  const out = [...synopsis(cmd, 'usage: '), '', ...wrap(cmd.summary.split(' '), '', '')];
  const rows: [string, string][] = [];
  if (cmd.positionals?.help) rows.push([cmd.positionals.name, cmd.positionals.help]);
  for (const [name, spec] of Object.entries(cmd.options)) {
    const notes = [spec.multiple ? 'repeatable' : '', spec.default !== undefined ? `default: ${spec.default}` : ''].filter(Boolean);
    rows.push([optionForm(name, spec), notes.length ? `${spec.help.replace(/\.$/, '')} (${notes.join('; ')}).` : spec.help]);
  }
  rows.push(['-h, --help', 'Print this help and exit.']);
  const col = Math.min(Math.max(...rows.map(([l]) => l.length)) + 2, 34);
  out.push('', 'arguments and options:');
  for (const [left, text] of rows) {
    const pad = left.length + 2 > col ? `  ${left}\n${' '.repeat(col + 2)}` : `  ${left.padEnd(col)}`;
    out.push(...wrap(text.split(' '), pad, ' '.repeat(col + 2)));
  }
  if (cmd.details?.length) out.push('', ...cmd.details);
  return out.join('\n') + '\n';
}

/** The commands under a group (`fdr-detect context --help`) or all of them (`fdr-detect help`). */
export function groupUsage(commands: readonly CommandSpec[], intro: string[], outro: string[]): string {
  const out = [...intro];
  for (const cmd of commands) out.push(...synopsis(cmd, '  '), ...wrap(cmd.summary.split(' '), '      ', '      '));
  out.push('', ...outro);
  return out.join('\n') + '\n';
}
