/**
 * `format()`'s printf-style format strings (Java's `Formatter` syntax, which LogScale follows), compiled once.
 *
 *   %[index$][flags][width][.precision]conversion
 *
 * Conversions: `s` `S` (text; precision truncates), `d` (integer), `x` `X` `o` (hex / octal integer), `f`
 * (fixed, default precision 6), `e` `E` (scientific), `g` `G` (general), `c` (first character), `%`, `n`
 * (newline). Flags: `-` (left-justify), `0` (zero-pad), `+`, space, `,` (thousands grouping), `(` (negatives
 * in parentheses), `#` (`0x` / `0` prefix). `index$` picks an argument (1-based), `<` repeats the previous one.
 * Decimal rounding is half-up on the shortest decimal form of the number, as Java does (`%.2f` of 1.005 is
 * 1.01). Date/time conversions (`%t…`) are not supported: use `formatTime()`.
 *
 * Arguments are field values (strings). A numeric conversion of a value that is not a number (or, for the
 * integer conversions, not a whole number) gives no result.
 */

interface Spec {
  /** 0-based argument, or -1 for none (`%%`, `%n`). */
  arg: number;
  flags: string;
  width?: number;
  precision?: number;
  conv: string;
}

export type FormatPiece = string | Spec;

export interface CompiledFormat {
  pieces: FormatPiece[];
  /** How many arguments the format reads. */
  argsNeeded: number;
}

const SPEC = /%(\d+\$|<)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])/y;
const CONVERSIONS = new Set([...'sSdxXofeEgGc%n']);

/** Parses a format string; returns an error message for an invalid one. */
export function compileFormat(fmt: string): CompiledFormat | { error: string } {
  const pieces: FormatPiece[] = [];
  let lit = '';
  let next = 0;
  let last = -1;
  let needed = 0;
  for (let i = 0; i < fmt.length; ) {
    if (fmt[i] !== '%') {
      lit += fmt[i++];
      continue;
    }
    SPEC.lastIndex = i;
    const m = SPEC.exec(fmt);
    if (!m) return { error: `invalid format specifier at \`${fmt.slice(i, i + 4)}\`` };
    const [whole, index, flags, width, precision, conv] = m;
    if (conv === 't' || conv === 'T') return { error: `date/time conversions (\`${whole}…\`) are not supported: use formatTime()` };
    if (!CONVERSIONS.has(conv)) return { error: `unsupported conversion \`${whole}\`` };
    i += whole.length;
    if (conv === '%' || conv === 'n') {
      lit += conv === '%' ? '%' : '\n';
      continue;
    }
    if (flags.includes('-') && width === undefined) return { error: `\`${whole}\`: the \`-\` flag needs a width` };
    if (flags.includes('0') && width === undefined) return { error: `\`${whole}\`: the \`0\` flag needs a width` };
    let arg: number;
    if (index === '<') {
      if (last < 0) return { error: `\`${whole}\`: \`<\` needs a previous argument` };
      arg = last;
    } else if (index !== undefined) {
      arg = Number(index.slice(0, -1)) - 1;
      if (arg < 0) return { error: `\`${whole}\`: argument indexes start at 1` };
    } else {
      arg = next++;
    }
    last = arg;
    needed = Math.max(needed, arg + 1);
    if (lit !== '') pieces.push(lit);
    lit = '';
    pieces.push({ arg, flags, width: width === undefined ? undefined : Number(width), precision: precision === undefined ? undefined : Number(precision.slice(1)), conv });
  }
  if (lit !== '') pieces.push(lit);
  return { pieces, argsNeeded: needed };
}

/** Applies a compiled format to the argument values; undefined when a conversion fails. */
export function applyFormat(f: CompiledFormat, args: readonly string[]): string | undefined {
  let out = '';
  for (const p of f.pieces) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const s = convert(p, args[p.arg]);
    if (s === undefined) return undefined;
    out += s;
  }
  return out;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0;
  if (s.length >= w) return s;
  if (spec.flags.includes('-')) return s + ' '.repeat(w - s.length);
  if (numeric && spec.flags.includes('0')) {
    const m = /^([-+ (]|0[xX])?/.exec(s);
    const sign = m?.[0] ?? '';
    return sign + '0'.repeat(w - s.length) + s.slice(sign.length);
  }
  return ' '.repeat(w - s.length) + s;
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Sign and grouping for a non-negative magnitude string. */
function signed(mag: string, negative: boolean, spec: Spec, groupable: boolean): string {
  let body = mag;
  if (groupable && spec.flags.includes(',')) {
    const dot = body.indexOf('.');
    body = dot < 0 ? group(body) : group(body.slice(0, dot)) + body.slice(dot);
  }
  if (negative) return spec.flags.includes('(') ? `(${body})` : `-${body}`;
  if (spec.flags.includes('+')) return `+${body}`;
  if (spec.flags.includes(' ')) return ` ${body}`;
  return body;
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function convert(spec: Spec, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  switch (spec.conv) {
    case 's':
    case 'S': {
      let s = spec.precision !== undefined ? value.slice(0, spec.precision) : value;
      if (spec.conv === 'S') s = s.toUpperCase();
      return pad(s, spec, false);
    }
    case 'c': {
      const cp = value.codePointAt(0);
      if (cp === undefined) return undefined;
      return pad(String.fromCodePoint(cp), spec, false);
    }
    case 'd':
    case 'x':
    case 'X':
    case 'o': {
      const n = integer(value);
      if (n === undefined) return undefined;
      if (spec.conv === 'd') return pad(signed((n < 0n ? -n : n).toString(), n < 0n, spec, true), spec, true);
      // Java prints a negative long in two's complement for %x / %o.
      const u = n < 0n ? BigInt.asUintN(64, n) : n;
      let s = u.toString(spec.conv === 'o' ? 8 : 16);
      if (spec.flags.includes('#')) s = (spec.conv === 'o' ? '0' : '0x') + s;
      if (spec.conv === 'X') s = s.toUpperCase();
      return pad(s, spec, true);
    }
    case 'f':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (!NUMBER.test(value)) return undefined;
      const x = Number(value);
      if (!Number.isFinite(x)) return undefined;
      const negative = x < 0 || Object.is(x, -0);
      const mag = Math.abs(x);
      let s: string;
      if (spec.conv === 'f') s = fixed(mag, spec.precision ?? 6);
      else if (spec.conv === 'e' || spec.conv === 'E') s = scientific(mag, spec.precision ?? 6);
      else s = general(mag, spec.precision ?? 6);
      if (spec.conv === 'E' || spec.conv === 'G') s = s.toUpperCase();
      return pad(signed(s, negative && mag !== 0, spec, spec.conv === 'f' || spec.conv === 'g' || spec.conv === 'G'), spec, true);
    }
    default:
      return undefined;
  }
}

/** A whole number (also `5.0`, `1e3`), as a bigint. */
function integer(value: string): bigint | undefined {
  if (/^[-+]?\d+$/.test(value)) return BigInt(value);
  if (!NUMBER.test(value)) return undefined;
  const x = Number(value);
  return Number.isSafeInteger(x) ? BigInt(x) : undefined;
}

/** The shortest decimal digits of a non-negative finite number: value = 0.digits × 10^exp. */
function decimal(x: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0', exp: 1 };
  const [mant, e] = x.toExponential().split('e');
  const digits = mant.replace('.', '');
  return { digits, exp: Number(e) + 1 };
}

/** Rounds digits (0.digits × 10^exp) half-up to `keep` digits; returns the new digits and exponent. */
function roundDigits(digits: string, exp: number, keep: number): { digits: string; exp: number } {
  if (digits.length <= keep) return { digits: digits.padEnd(keep, '0'), exp };
  const head = digits.slice(0, keep);
  if (digits.charCodeAt(keep) < 53 /* '5' */) return { digits: head, exp };
  const bumped = (BigInt(head) + 1n).toString();
  // 9.99… rounds up to 10.0…: one more integer digit.
  if (bumped.length > keep) return { digits: bumped.slice(0, keep), exp: exp + 1 };
  return { digits: bumped.padStart(keep, '0'), exp };
}

function fixed(x: number, precision: number): string {
  // x = int(digits) × 10^(exp - digits.length); N = round-half-up(x × 10^precision).
  const d = decimal(x);
  const shift = d.exp - d.digits.length + precision;
  let n: bigint;
  if (shift >= 0) n = BigInt(d.digits) * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    const whole = BigInt(d.digits);
    n = whole / div;
    if ((whole % div) * 2n >= div) n += 1n;
  }
  if (precision === 0) return n.toString();
  const str = n.toString().padStart(precision + 1, '0');
  return `${str.slice(0, -precision)}.${str.slice(-precision)}`;
}

function scientific(x: number, precision: number): string {
  if (x === 0) return `${precision > 0 ? `0.${'0'.repeat(precision)}` : '0'}e+00`;
  const d = decimal(x);
  const r = roundDigits(d.digits, d.exp, precision + 1);
  const e = r.exp - 1;
  const mant = precision > 0 ? `${r.digits[0]}.${r.digits.slice(1)}` : r.digits[0];
  const ae = Math.abs(e);
  return `${mant}e${e < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
}

function general(x: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  if (x !== 0 && (x < 1e-4 || x >= 10 ** p)) return scientific(x, p - 1);
  // Java: fixed, with `precision` significant digits.
  const e10 = x === 0 ? 0 : decimal(x).exp - 1;
  return fixed(x, Math.max(0, p - (e10 + 1)));
}
