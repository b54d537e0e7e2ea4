/**
 * Required literals: which byte strings must a raw NDJSON line contain for the query to possibly match an event
 * of a given type? The answer gates JSON.parse: a line of that type without them is never parsed (the decoder's
 * second-stage prefilter), which is what keeps the pipeline near the gunzip floor.
 *
 * The answer is a DNF over case-insensitive literals: OR over alternatives, each an AND of literals. It must be
 * SOUND — a line the query can match always satisfies it — so every doubt weakens it to TRUE (`[[]]`):
 * `!=`, NOT, comparisons, regex classes and optional parts, fields the line may not carry itself (`opaque`:
 * joined from another line, or assigned earlier in the query) all give TRUE. `[]` (no alternative) means the query
 * can never match this type.
 *
 * Literals are taken as they appear inside a JSON string: `"` and `\` are escaped the JSON way; they are split at
 * every character an encoder may write as an escape instead: `/` (`\/`), `=` `<` `>` `&` `'` (HTML-safe encoders
 * write `\u003d`, `\u003c`, `\u003e`, `\u0026`, `\u0027`: real FDR lines do, e.g. `2\u003e\u00261`), control
 * characters and non-ASCII characters (`\uXXXX`). A producer that escaped ASCII letters or digits as `\u00XX`
 * would defeat this; none does (the event-type prefilter makes the same assumption).
 */
import type { CallExpr, Expr, Pipeline, Value } from './ast';
import { inArgs, stageWrites } from './analysis';
import { EVENT_TYPE_FIELD } from './eventtypes';
import { canonicalFunctionName } from './functions';

/** OR over alternatives; each alternative an AND of lower-case literals. */
export type Dnf = string[][];

/**
 * Ends a literal that a regex follows with `\\b`: in the line, that occurrence must be followed by a character
 * that is not a word character (`\\buse\\b` is not satisfied by the `Use` of the key `"UserSid"`). Sound on the
 * JSON text: after a value's word character comes the value's next character as itself, an escape (`\\`), a
 * UTF-8 sequence or the closing quote; only the left boundary is not checked (an escape such as `\\u003d` ends
 * in a word character). A control character: JSON pieces never hold one raw.
 */
export const WORD_END = '\u0001';

const TRUE: Dnf = [[]];
const NEVER: Dnf = [];
/** Past this many alternatives a requirement is dropped (weakened to TRUE): gating stays cheap. */
const MAX_ALTERNATIVES = 32;

const isTrue = (d: Dnf): boolean => d.some((a) => a.length === 0);

function and(a: Dnf, b: Dnf): Dnf {
  if (a.length === 0 || b.length === 0) return NEVER;
  if (isTrue(a) && a.length === 1) return b;
  if (isTrue(b) && b.length === 1) return a;
  const out: Dnf = [];
  for (const x of a) for (const y of b) out.push([...new Set([...x, ...y])]);
  return out.length > MAX_ALTERNATIVES ? TRUE : simplify(out);
}

function or(a: Dnf, b: Dnf): Dnf {
  const out = [...a, ...b];
  return isTrue(out) ? TRUE : out.length > MAX_ALTERNATIVES ? TRUE : simplify(out);
}

/** Drop duplicate alternatives. */
function simplify(d: Dnf): Dnf {
  const seen = new Set<string>();
  return d.filter((a) => {
    const k = [...a].sort().join('\u0000');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Characters a JSON encoder may write as an escape sequence rather than as themselves. */
const ESCAPABLE = /[/=<>&'\u0000-\u001f\u007f-\uffff]+/;

/** A decoded string → the literal pieces that must appear in its JSON encoding (lower case). */
export function jsonPieces(s: string): string[] {
  const out: string[] = [];
  for (const piece of s.split(ESCAPABLE)) {
    if (piece === '') continue;
    out.push(JSON.stringify(piece).slice(1, -1).toLowerCase());
  }
  return out;
}

/**
 * Pieces for a case-insensitive match done with `toLowerCase()` (in() and wildcard() with ignoreCase): two
 * non-ASCII characters lower-case to ASCII letters (U+212A KELVIN SIGN → `k`, U+0130 → `i` + a combining dot),
 * so a matching value need not hold those letters in its bytes: split there too.
 */
export function foldedPieces(s: string): string[] {
  return jsonPieces(s).flatMap((p) => p.split(/[ik]+/)).filter((p) => p !== '');
}

const allOf = (pieces: string[]): Dnf => [pieces];

/** The literal requirement of a `=` value (exact or glob); `ignoreCase`: matched after `toLowerCase()`. */
function valueReq(v: Value, ignoreCase = false): Dnf {
  if (v.kind === 'string' || v.kind === 'word') {
    if (v.kind === 'word' && v.value === '*') return TRUE;
    return allOf(v.parts.flatMap(ignoreCase ? foldedPieces : jsonPieces));
  }
  if (v.kind === 'regex') return regexLiterals(v.pattern.replace(/^(\(\?[a-z]+\))+/i, ''));
  return TRUE;
}

/** regex(): like `field = /re/` when strict (the default); a non-strict regex() filters nothing. */
function regexCallReq(e: CallExpr, opaque: ReadonlySet<string>): Dnf {
  let pattern: string | undefined;
  let field: string | undefined;
  let strict = true;
  let positional = 0;
  for (const a of e.args) {
    const key = a.name ?? (positional++ === 0 ? 'regex' : '');
    const v = a.value;
    const text = v.kind === 'string' || v.kind === 'word' ? v.value : undefined;
    if (key === 'regex') pattern = v.kind === 'regex' ? v.pattern : text;
    else if (key === 'field') field = text;
    else if (key === 'strict') strict = text?.toLowerCase() !== 'false';
  }
  if (!strict || pattern === undefined || field === undefined || field === EVENT_TYPE_FIELD || opaque.has(field)) return TRUE;
  return regexLiterals(pattern.replace(/^(\(\?[a-z]+\))+/i, ''));
}

/** wildcard(): a glob on any of its fields (an OR); case-insensitive matching folds with toLowerCase(). */
function wildcardReq(e: CallExpr, opaque: ReadonlySet<string>): Dnf {
  let pattern: Value | undefined;
  let fields: string[] = [];
  let ignoreCase = false;
  let everything = false;
  let positional = 0;
  for (const a of e.args) {
    const key = a.name ?? (positional++ === 0 ? 'pattern' : '');
    const v = a.value;
    const text = v.kind === 'string' || v.kind === 'word' ? v.value : undefined;
    if (key === 'pattern') pattern = v;
    else if (key === 'field') fields = v.kind === 'list' ? v.items.flatMap((i) => (i.kind === 'string' || i.kind === 'word' ? [i.value] : [])) : text !== undefined ? [text] : [];
    else if (key === 'ignoreCase') ignoreCase = text?.toLowerCase() !== 'false';
    else if (key === 'includeEverythingOnAsterisk') everything = text?.toLowerCase() !== 'false';
  }
  if (pattern === undefined || (pattern.kind !== 'string' && pattern.kind !== 'word') || fields.length === 0) return TRUE;
  if (everything && pattern.parts.every((p) => p === '')) return TRUE;
  if (fields.some((f) => f === EVENT_TYPE_FIELD || opaque.has(f))) return TRUE;
  return allOf(pattern.parts.flatMap(ignoreCase ? foldedPieces : jsonPieces));
}

function exprReq(e: Expr, type: string, opaque: ReadonlySet<string>): Dnf {
  switch (e.kind) {
    case 'compare': {
      if (e.op !== '=') return TRUE;
      if (e.field === EVENT_TYPE_FIELD) {
        if (opaque.has(EVENT_TYPE_FIELD) || (e.value.kind !== 'string' && e.value.kind !== 'word')) return TRUE;
        if (e.value.parts.length !== 1) return TRUE;
        return e.value.value === type ? TRUE : NEVER;
      }
      if (opaque.has(e.field)) return TRUE;
      return valueReq(e.value);
    }
    case 'call': {
      const name = canonicalFunctionName(e.name);
      if (name === 'false' || name === 'dropEvent') return NEVER;
      if (name === 'regex') return regexCallReq(e, opaque);
      if (name === 'wildcard') return wildcardReq(e, opaque);
      if (name !== 'in') return TRUE;
      const { field, items, ignoreCase } = inArgs(e);
      if (field === undefined || items === undefined) return TRUE;
      if (field === EVENT_TYPE_FIELD) {
        if (opaque.has(EVENT_TYPE_FIELD)) return TRUE;
        const hit = items.some(
          (v) => (v.kind === 'string' || v.kind === 'word') && (v.parts.length !== 1 || (ignoreCase ? v.value.toLowerCase() === type.toLowerCase() : v.value === type)),
        );
        return hit ? TRUE : NEVER;
      }
      if (opaque.has(field)) return TRUE;
      return items.map((v) => valueReq(v, ignoreCase)).reduce(or, NEVER);
    }
    case 'and':
      return e.operands.reduce<Dnf>((acc, o) => and(acc, exprReq(o, type, opaque)), TRUE);
    case 'or':
      return e.operands.reduce<Dnf>((acc, o) => or(acc, exprReq(o, type, opaque)), NEVER);
    case 'bool':
      return e.value ? TRUE : NEVER;
    default:
      // not, all, invalid: no requirement.
      return TRUE;
  }
}

function pipelineReq(p: Pipeline, type: string, opaque: Set<string>): Dnf {
  let req = TRUE;
  for (const s of p.stages) {
    if (s.kind === 'filter') {
      req = and(req, exprReq(s.expr, type, opaque));
      for (const f of stageWrites(s)) opaque.add(f);
    } else if (s.kind === 'assign') {
      for (const f of stageWrites(s)) opaque.add(f);
    } else if (s.kind === 'case') {
      let acc = NEVER;
      const after = new Set(opaque);
      for (const clause of s.clauses) {
        const inner = new Set(opaque);
        acc = or(acc, pipelineReq(clause, type, inner));
        for (const f of inner) after.add(f);
      }
      req = and(req, acc);
      for (const f of after) opaque.add(f);
    }
    if (req.length === 0) return NEVER;
  }
  return req;
}

/**
 * The literals a line of `type` must contain for the query to match it. `opaque`: fields whose value may come
 * from elsewhere than the line's own bytes (e.g. a network event's process name joined from another line).
 */
export function requiredLiterals(ast: Pipeline, type: string, opaque: ReadonlySet<string>): Dnf {
  return pipelineReq(ast, type, new Set(opaque));
}

// ── regex → literals ─────────────────────────────────────────────────────────────────────────────────────

const META = new Set([...'.*+?()[]{}|\\/^$-']);

/**
 * Literals any match of a JavaScript regex must contain, as a DNF. Handles literal runs, escapes, groups and
 * alternation; classes, `.`, anchors, lookarounds and backreferences contribute nothing; an optional atom
 * (`?`, `*`, `{0,…}`) is dropped; a repeated one (`+`, `{n,…}`) counts once and ends the run.
 */
export function regexLiterals(src: string): Dnf {
  let i = 0;

  function alternation(): Dnf {
    let acc = sequence();
    while (src[i] === '|') {
      i++;
      acc = or(acc, sequence());
    }
    return acc;
  }

  function sequence(): Dnf {
    let req: Dnf = TRUE;
    let run = '';
    /** `bounded`: a `\\b` follows the run, so a run ending in a word character is followed by a non-word one. */
    const flush = (bounded = false): void => {
      if (run !== '') {
        const pieces = jsonPieces(run);
        if (bounded && /\w$/.test(run)) pieces[pieces.length - 1] += WORD_END;
        req = and(req, allOf(pieces));
      }
      run = '';
    };
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const c = src[i];
      let atom: { lit: string } | { dnf: Dnf; boundary?: true } | null = null;
      if (c === '\\') {
        const e = src[i + 1] ?? '';
        i += 2;
        if (META.has(e) || e === '"' || e === "'" || e === ' ' || e === '#' || e === '&' || e === '~' || e === ',' || e === ':' || e === '=' || e === '!' || e === '<' || e === '>' || e === '@' || e === '%' || e === '`') atom = { lit: e };
        else if (e === 'x' || e === 'u' || e === 'c') {
          // \xHH, \uHHHH, \u{…}, \cX: skip the code, no literal.
          if (e === 'x') i += 2;
          else if (e === 'c') i += 1;
          else if (src[i] === '{') i = src.indexOf('}', i) + 1;
          else i += 4;
          atom = { dnf: TRUE };
        } else if (e === 'k' && src[i] === '<') {
          i = src.indexOf('>', i) + 1;
          atom = { dnf: TRUE };
        } else if (e === 'b') atom = { dnf: TRUE, boundary: true };
        else atom = { dnf: TRUE }; // \d \w \s \B \n \t, backreferences …
      } else if (c === '[') {
        i++;
        if (src[i] === '^') i++;
        if (src[i] === ']') i++;
        while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
        i++;
        atom = { dnf: TRUE };
      } else if (c === '(') {
        i++;
        let lookaround = false;
        if (src[i] === '?') {
          if (src[i + 1] === ':') i += 2;
          else if (src[i + 1] === '<' && src[i + 2] !== '=' && src[i + 2] !== '!') i = src.indexOf('>', i) + 1;
          else {
            lookaround = true;
            i += src[i + 1] === '<' ? 3 : 2;
          }
        }
        const inner = alternation();
        i++; // ')'
        atom = { dnf: lookaround ? TRUE : inner };
      } else if (c === '.' || c === '^' || c === '$') {
        i++;
        atom = { dnf: TRUE };
      } else {
        i++;
        atom = { lit: c };
      }
      // Quantifier?
      const q = src[i];
      let min = 1;
      let repeated = false;
      if (q === '?' || q === '*') {
        min = 0;
        i++;
      } else if (q === '+') {
        repeated = true;
        i++;
      } else if (q === '{') {
        const m = /^\{(\d*)(,?)(\d*)\}/.exec(src.slice(i));
        if (m) {
          min = m[1] === '' ? 0 : Number(m[1]);
          repeated = m[2] === ',' || Number(m[3] || m[1]) > 1;
          i += m[0].length;
        }
      }
      if (min > 0 && src[i] === '?') i++; // lazy
      else if (min === 0 && src[i] === '?') i++;
      if ('lit' in atom) {
        if (min === 0) flush();
        else {
          run += atom.lit;
          if (repeated) flush();
        }
      } else {
        flush(min > 0 && 'boundary' in atom);
        if (min > 0) req = and(req, atom.dnf);
      }
    }
    flush();
    return req;
  }

  const d = alternation();
  return i < src.length ? TRUE : d; // unbalanced `)`: no claim
}

/**
 * Calls between samples of every literal's presence, and samples between re-choosing the prechecked literals. A sample
 * looks up every literal in a lower-cased copy of the line: 1 in 256 cost a process line about 2 % of the main thread.
 */
const SAMPLE_EVERY = 1024;
const RECHOOSE_EVERY = 16;
/**
 * The first calls are all sampled (re-choosing every RECHOOSE_EVERY of them), so that the choice rests on the data
 * from the start. Sampling only 1 in SAMPLE_EVERY, the first choice (the longest literal of each alternative) stood for
 * 16,384 lines: with the bundled pack it prechecked `.exe`, present in every process line, and the bench's first
 * 16,000 process starts all took the full check (about 6 µs each instead of 1).
 */
const WARM_UP = 64;

/**
 * A predicate on a line's text (the literals are ASCII, so a UTF-8 or a latin1 decoding of the bytes answers
 * alike) that is false only when the line cannot satisfy the DNF. Null when the DNF is TRUE (no gate).
 *
 * Most lines fail, so failing must be cheap. First one literal of each alternative is looked up (every
 * alternative needs all of its literals, so a line holding none of them fails, whichever literal is chosen): those
 * with letters all at once by one regular expression, case-insensitive (4× faster on process lines than
 * lower-casing the line for `includes`), the others with `includes`. The `i` flag folds ASCII letters only; a line
 * holding one of the two characters that lower-case into ASCII letters (U+0130 İ → i̇, U+212A Kelvin → k) always
 * goes on to the full check. Only a line that passes is checked against the whole DNF: literals looked
 * up with `includes` in the line, or in its lower-cased copy when they hold letters (lower-casing never breaks up
 * a run of ASCII characters, and the few non-ASCII characters it turns into ASCII letters can only add matches,
 * which is sound). The literal chosen per alternative is the one seen least often on a sample of the
 * lines (the first 64, then 1 in 1,024): which literals are rare depends on the data (`$` is rare in FDR lines, `.exe` and `\\` are
 * everywhere), not on their length. The answer never depends on the sample; only the time does.
 */
export function linePredicate(d: Dnf, onChoose?: (prechecked: readonly string[]) => void): ((line: string) => boolean) | null {
  if (isTrue(d)) return null;
  if (d.length === 0) return () => false;
  const literals = [...new Set(d.flat())];
  const texts = literals.map((l) => (l.endsWith(WORD_END) ? l.slice(0, -WORD_END.length) : l));
  const bounded = literals.map((l) => l.endsWith(WORD_END));
  const folded = texts.map((l) => /[a-z]/.test(l));
  const alts = d.map((a) => a.map((l) => literals.indexOf(l)));
  /** How often each literal was present in the sampled lines. */
  const seen = literals.map(() => 0);
  const choose = (): number[] => {
    // Each alternative's rarest literal first: a failing alternative fails on its first lookup.
    for (const a of alts) a.sort((x, y) => seen[x] - seen[y] || texts[y].length - texts[x].length);
    const chosen = [...new Set(alts.map((a) => a[0]))]; // the rarest in the sample; before any sample, the longest
    // A literal holding another chosen one (unbounded) needs no lookup of its own: `\\psexec` has `psexec`.
    const needed = chosen.filter((b) => !chosen.some((a) => a !== b && !bounded[a] && texts[b].includes(texts[a]) && (texts[a] !== texts[b] || a < b)));
    // Literals without letters first: they need no lower-cased copy of the line.
    return needed.sort((a, b) => Number(folded[a]) - Number(folded[b]));
  };
  /**
   * The precheck: true when the line holds one of the literals `ks`. Letter-free literals are looked up with
   * `includes` (a native scan that skips ahead), the rest by one regular expression; kept out of it, the one-character
   * literals (`$`, and the two non-ASCII letters) no longer stop the expression from skipping ahead: on process lines
   * 0.8 instead of 1.1 µs a line.
   */
  const precheck = (ks: readonly number[]): ((line: string) => boolean) => {
    const plain = ks.filter((k) => !folded[k] && !bounded[k]).map((k) => texts[k]);
    const rest = ks.filter((k) => folded[k] || bounded[k]);
    const folds = rest.some((k) => folded[k]);
    const re =
      rest.length === 0
        ? null
        : new RegExp(rest.map((k) => texts[k].replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&') + (bounded[k] ? '(?![0-9A-Za-z_])' : '')).join('|'), folds ? 'i' : '');
    return (line) => {
      for (const t of plain) if (line.includes(t)) return true;
      // The two characters that lower-case into ASCII letters: a line holding one goes on to the full check.
      if (folds && (line.includes('\u0130') || line.includes('\u212a'))) return true;
      return re !== null && re.test(line);
    };
  };
  /** The precheck for the literals chosen now (`onChoose`, for tests, sees them). */
  const rechoose = (): ((line: string) => boolean) => {
    const ks = choose();
    onChoose?.(ks.map((k) => literals[k]));
    return precheck(ks);
  };
  let pre = rechoose();
  let calls = 0;
  let samples = 0;
  /** Is literal `k` in the line? `lower` is the line lower-cased (for literals with letters). */
  const has = (k: number, line: string, lower: string): boolean => {
    const hay = folded[k] ? lower : line;
    const t = texts[k];
    if (!bounded[k]) return hay.includes(t);
    // The character after the occurrence, read in the line itself (lower-casing turns İ into i + U+0307);
    // when lower-casing changed the length, positions differ: the boundary is not checked (sound, weaker).
    if (hay.length !== line.length) return hay.includes(t);
    for (let i = hay.indexOf(t); i !== -1; i = hay.indexOf(t, i + 1)) if (!isWordChar(line.charCodeAt(i + t.length))) return true;
    return false;
  };
  return (line) => {
    if (++calls <= WARM_UP || calls % SAMPLE_EVERY === 0) {
      const lower = line.toLowerCase();
      for (let k = 0; k < literals.length; k++) if (has(k, line, lower)) seen[k]++;
      if (++samples % RECHOOSE_EVERY === 0) pre = rechoose();
    }
    if (!pre(line)) return false;
    const lower = line.toLowerCase();
    for (const a of alts) {
      let all = true;
      for (const k of a) {
        if (!has(k, line, lower)) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  };
}

/** `\\w` without the u flag: [A-Za-z0-9_] (NaN, past the end, is not one). */
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/**
 * Byte needles for a DNF: when every alternative holds a literal without letters (`445`, `$\\\\`), a line that holds
 * none of these byte strings cannot satisfy it. Such literals need no case folding (no character lower-cases into a
 * digit or punctuation), so the raw UTF-8 bytes of a line are searched for them exactly, before the line is decoded
 * at all. Null when some alternative has only literals with letters, or when the DNF is TRUE (no gate). The longest
 * letter-free literal of each alternative is taken; a needle holding another needle is dropped (a line holding it
 * holds the other).
 */
export function byteNeedles(d: Dnf): Buffer[] | null {
  if (isTrue(d)) return null;
  const chosen: string[] = [];
  for (const alt of d) {
    const free = alt.map((l) => (l.endsWith(WORD_END) ? l.slice(0, -WORD_END.length) : l)).filter((l) => l.length > 0 && !/[a-z]/i.test(l));
    if (free.length === 0) return null;
    chosen.push(free.reduce((a, b) => (b.length > a.length ? b : a)));
  }
  const unique = [...new Set(chosen)];
  return unique.filter((n) => !unique.some((m) => m !== n && n.includes(m))).map((n) => Buffer.from(n, 'utf8'));
}
