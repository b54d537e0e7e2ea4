/**
 * What the compiler's parts share while compiling one query: the diagnostics, the fields read and written, and
 * argument checking (binding positional and named arguments, reading field names, booleans, numbers, strings).
 */
import type { Arg, CallExpr, Span, Value } from './ast';
import { didYouMean, type Diagnostics } from './diagnostics';

const FIELD_NAME = /^[#@]?[A-Za-z0-9_$][A-Za-z0-9_.$\-#@]*$/;

export class CompileScope {
  readonly fieldsRead = new Set<string>();
  /** Fields the query may write, in source order. */
  readonly assigned: string[] = [];
  /** Array outputs (`splitString()` without `index`): `prefix[0]`, `prefix[1]`, … */
  readonly assignedArrays: string[] = [];

  constructor(
    readonly source: string,
    readonly diags: Diagnostics,
  ) {}

  text(v: { span: Span }): string {
    return this.source.slice(v.span.start, v.span.end);
  }

  read(name: string): void {
    this.fieldsRead.add(name);
  }

  wrote(name: string): void {
    if (!this.assigned.includes(name)) this.assigned.push(name);
  }

  wroteArray(prefix: string): void {
    if (!this.assignedArrays.includes(prefix)) this.assignedArrays.push(prefix);
  }

  /** Checks a field name; reports `invalid-field-name`. */
  fieldName(name: string, span: Span): boolean {
    if (name.startsWith('?')) return false; // a dashboard parameter: reported by the lexer
    if (!FIELD_NAME.test(name) || name.includes('*')) {
      this.diags.error('invalid-field-name', `\`${name}\` is not a field name`, span);
      return false;
    }
    return true;
  }

  /** Named + positional arguments → a map; reports unknown, duplicate and surplus arguments. */
  bindArgs(e: CallExpr, positional: string[], named: string[]): Map<string, Arg> {
    const out = new Map<string, Arg>();
    let p = 0;
    for (const a of e.args) {
      if (a.value.kind === 'subquery') {
        this.diags.error('unsupported-subquery', `subqueries (\`{ … }\`) are not supported in \`${e.name}()\``, a.value.span, 'filter in a stage of its own before the function');
        continue;
      }
      let key: string;
      if (a.name === undefined) {
        if (p >= positional.length) {
          this.diags.error('unexpected-argument', `\`${e.name}()\` takes ${positional.length === 0 ? 'no' : 'no more'} positional arguments`, a.span);
          continue;
        }
        key = positional[p++];
      } else {
        if (!named.includes(a.name)) {
          const guess = didYouMean(a.name, named);
          this.diags.error(
            'unknown-argument',
            `\`${e.name}()\` has no argument \`${a.name}\``,
            a.nameSpan ?? a.span,
            guess ? `did you mean \`${guess}=\`?` : named.length ? `arguments: ${named.join(', ')}` : undefined,
          );
          continue;
        }
        key = a.name;
      }
      const prev = out.get(key);
      if (prev) {
        const how = prev.implicit ? ` (the field is already given by \`=~\`)` : '';
        this.diags.error('duplicate-argument', `argument \`${key}\` given twice${how}`, a.span);
        continue;
      }
      out.set(key, a);
    }
    return out;
  }

  /** Reports a missing required argument. */
  missing(e: CallExpr, name: string, hint?: string): void {
    this.diags.error('missing-argument', `\`${e.name}()\` requires \`${name}=\``, e.span, hint);
  }

  /** A field-name argument: a word, or a string (any non-empty name: `as="Agent ID"`). */
  fieldArg(a: Arg): string | undefined {
    const v = a.value;
    if (v.kind !== 'word' && v.kind !== 'string') {
      this.diags.error('invalid-argument', 'expected a field name', v.span);
      return undefined;
    }
    if (v.kind === 'string' && v.value !== '') return v.value;
    return this.fieldName(v.value, v.span) ? v.value : undefined;
  }

  /** A field list argument: `[a, b]` or a single field. */
  fieldListArg(a: Arg): string[] {
    const items = a.value.kind === 'list' ? a.value.items : [a.value];
    const out: string[] = [];
    for (const v of items) {
      const f = this.fieldArg({ span: v.span, value: v });
      if (f !== undefined) out.push(f);
    }
    return out;
  }

  /** A string argument: quoted, or a bare word (`timezone=UTC`, `by=";"`). */
  stringArg(a: Arg, what = 'a string'): string | undefined {
    const v = a.value;
    if (v.kind !== 'word' && v.kind !== 'string') {
      this.diags.error('invalid-argument', `\`${a.name ?? 'argument'}\` must be ${what}`, v.span);
      return undefined;
    }
    return v.value;
  }

  /** A string-or-list argument, as a list. */
  stringListArg(a: Arg): string[] {
    const items = a.value.kind === 'list' ? a.value.items : [a.value];
    const out: string[] = [];
    for (const v of items) {
      if (v.kind !== 'word' && v.kind !== 'string') this.diags.error('invalid-argument', 'expected a string', v.span);
      else out.push(v.value);
    }
    return out;
  }

  boolArg(a: Arg): boolean | undefined {
    const v = a.value;
    const s = v.kind === 'word' || v.kind === 'string' ? v.value.toLowerCase() : '';
    if (s === 'true' || s === 'false') return s === 'true';
    this.diags.error('invalid-argument', `\`${a.name ?? 'argument'}\` must be true or false`, v.span);
    return undefined;
  }

  /** An integer argument within bounds; `max` (when allowed) gives `maxValue`. */
  intArg(a: Arg, opts: { min?: number; max?: number; allowMax?: boolean } = {}): number | undefined {
    const v = a.value;
    const s = v.kind === 'word' || v.kind === 'string' ? v.value : '';
    if (opts.allowMax && s.toLowerCase() === 'max' && opts.max !== undefined) return opts.max;
    const n = s.trim() === '' ? NaN : Number(s);
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    if (!Number.isInteger(n) || n < min || (opts.max !== undefined && n > opts.max)) {
      const range = opts.min === 1 ? 'a positive integer' : 'an integer';
      const upto = opts.max !== undefined ? ` up to ${opts.max}${opts.allowMax ? ' (or max)' : ''}` : '';
      this.diags.error('invalid-argument', `\`${a.name ?? 'argument'}\` must be ${range}${upto}`, v.span);
      return undefined;
    }
    return n;
  }

  /** One of a fixed set of words (case-insensitive); returns the canonical spelling. */
  enumArg<T extends string>(a: Arg, values: readonly T[], aliases: Record<string, T> = {}): T | undefined {
    const v = a.value;
    const s = v.kind === 'word' || v.kind === 'string' ? v.value.toLowerCase() : '';
    const hit = values.find((x) => x.toLowerCase() === s) ?? aliases[s];
    if (hit !== undefined) return hit;
    this.diags.error('invalid-argument', `\`${a.name ?? 'argument'}\` must be ${values.join(', ')}`, v.span);
    return undefined;
  }

  /** Reports an argument value that is not valid in this position. */
  invalid(v: Value, message: string, hint?: string): void {
    this.diags.error('invalid-argument', message, v.span, hint);
  }
}
