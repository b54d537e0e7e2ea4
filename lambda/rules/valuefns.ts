/**
 * Value functions: lower(), upper(), length(), concat(), replace(), splitString(), format(), formatTime(), round().
 *
 * Each computes one value from the event's fields. Used three ways:
 * - as a stage: writes `as=` (or the function's default output, e.g. `_lower`);
 * - as `f := fn(…)`: LogScale's shorthand for `fn(…, as=f)`;
 * - inside an expression (`test(length(CommandLine) > 1000)`, `x := 4 / lower(a)`): the value itself.
 * An absent input gives no value (the output field is left as it was); an unknown input (the process join) gives
 * an unknown value.
 */
import type { Arg, CallExpr } from './ast';
import { applyFormat, compileFormat } from './printf';
import { compileRegexString } from './regex';
import { fromNumber, read, T, toNumber, UNK, write, type Ctx, type Node, type Val, type ValNode } from './runtime';
import type { CompileScope } from './scope';
import { compileTimeFormat, timeZone, toEpochMs } from './strftime';

export type ValueUse = { mode: 'stage' } | { mode: 'assign'; target: string } | { mode: 'expr' };

interface Compiled {
  value: ValNode;
  /** splitString() without index: every part. */
  parts?: (c: Ctx) => string[] | undefined | typeof UNK;
  /** The output when no `as=` is given (undefined: `as=` is required). */
  defaultAs?: string;
}

interface Def {
  positional: string[];
  named: string[];
  compile(e: CallExpr, args: Map<string, Arg>, s: CompileScope, use: ValueUse): Compiled | undefined;
}

/** One input field → one output value. */
function unary(field: string, f: (v: string) => string | undefined): ValNode {
  return (c) => {
    const v = read(c, field);
    if (v === undefined || v === UNK) return v;
    return f(v);
  };
}

function requiredField(e: CallExpr, args: Map<string, Arg>, s: CompileScope, hint?: string): string | undefined {
  const a = args.get('field');
  if (!a) {
    s.missing(e, 'field', hint ?? `${e.name}(field=FIELD)`);
    return undefined;
  }
  const f = s.fieldArg(a);
  if (f !== undefined) s.read(f);
  return f;
}

const onField = (fn: (v: string) => string): Def['compile'] => (e, args, s) => {
  const field = requiredField(e, args, s);
  return field === undefined ? undefined : { value: unary(field, fn), defaultAs: `_${e.name.toLowerCase()}` };
};

/** Java's replacement syntax (`$1`, `${name}`, `\$`) → JavaScript's (`$1`, `$<name>`, `$$`). */
export function javaReplacement(r: string): string {
  let out = '';
  for (let i = 0; i < r.length; i++) {
    const ch = r[i];
    if (ch === '\\' && i + 1 < r.length) {
      const nx = r[++i];
      out += nx === '$' ? '$$' : nx;
    } else if (ch === '$') {
      const named = /^\{([A-Za-z][A-Za-z0-9]*)\}/.exec(r.slice(i + 1));
      if (named) {
        out += `$<${named[1]}>`;
        i += named[0].length;
      } else if (/\d/.test(r[i + 1] ?? '')) out += '$';
      else out += '$$';
    } else out += ch;
  }
  return out;
}

/** Java's `String.split(regex)`: no captured groups in the output, trailing empty strings removed. */
export function javaSplit(s: string, re: RegExp): string[] {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  const out: string[] = [];
  let index = 0;
  for (let m = g.exec(s); m !== null; m = g.exec(s)) {
    const end = m.index + m[0].length;
    if (m[0] === '') {
      g.lastIndex++;
      if (m.index === 0 || m.index >= s.length) continue;
    }
    out.push(s.slice(index, m.index));
    index = end;
  }
  out.push(s.slice(index));
  while (out.length > 1 && out[out.length - 1] === '') out.pop();
  if (out.length === 1 && out[0] === '' && s !== '') return [];
  return out;
}

const DEFS: Record<string, Def> = {
  lower: { positional: ['field'], named: ['field', 'as', 'locale', 'type'], compile: onField((v) => v.toLowerCase()) },
  upper: { positional: ['field'], named: ['field', 'as', 'locale'], compile: onField((v) => v.toUpperCase()) },
  length: { positional: ['field'], named: ['field', 'as'], compile: onField((v) => String(v.length)) },
  concat: {
    positional: ['field'],
    named: ['field', 'as'],
    compile(e, args, s) {
      const a = args.get('field');
      if (!a) {
        s.missing(e, 'field', 'concat([field1, field2], as=NAME)');
        return undefined;
      }
      const fields = s.fieldListArg(a);
      fields.forEach((f) => s.read(f));
      const value: ValNode = (c) => {
        let out: string | undefined;
        for (const f of fields) {
          const v = read(c, f);
          if (v === UNK) return UNK;
          if (v !== undefined) out = (out ?? '') + v;
        }
        return out;
      };
      return { value, defaultAs: '_concat' };
    },
  },
  replace: {
    positional: ['regex'],
    named: ['regex', 'with', 'replacement', 'field', 'as', 'flags'],
    compile(e, args, s) {
      const ra = args.get('regex');
      if (!ra) {
        s.missing(e, 'regex', 'replace("regex", with="…", field=FIELD)');
        return undefined;
      }
      const field = requiredField(e, args, s, 'replace("regex", with="…", field=FIELD): there is no @rawstring in FDR data');
      const pattern = s.stringArg(ra, 'a regex string');
      const wa = args.get('with');
      const rpa = args.get('replacement');
      if (wa && rpa) s.diags.error('duplicate-argument', '`with` and `replacement` are the same argument', rpa.span);
      const withA = wa ?? rpa;
      const repl = withA ? (s.stringArg(withA) ?? '') : '';
      const fa = args.get('flags');
      const flags = fa ? (s.stringArg(fa) ?? 'm') : 'm';
      if (pattern === undefined || field === undefined) return undefined;
      const rx = compileRegexString(pattern, flags, ra.value.span, s.diags, fa?.value.span);
      if (!rx) return undefined;
      const g = new RegExp(rx.re.source, rx.re.flags + 'g');
      const js = javaReplacement(repl);
      return { value: unary(field, (v) => v.replace(g, js)), defaultAs: field };
    },
  },
  splitString: {
    positional: ['field'],
    named: ['field', 'by', 'index', 'as'],
    compile(e, args, s, use) {
      const field = requiredField(e, args, s, 'splitString(field=FIELD, by="…"): there is no @rawstring in FDR data');
      const ba = args.get('by');
      if (!ba) s.missing(e, 'by', 'splitString(field=FIELD, by=";")');
      const by = ba ? s.stringArg(ba, 'a regex string') : undefined;
      const ia = args.get('index');
      const index = ia ? s.intArg(ia) : undefined;
      if (field === undefined || by === undefined || (ia && index === undefined)) return undefined;
      const rx = compileRegexString(by, '', ba!.value.span, s.diags);
      if (!rx) return undefined;
      const re = rx.re;
      if (index === undefined) {
        if (use.mode === 'expr') {
          s.diags.error('missing-argument', '`splitString()` inside an expression needs `index=`', e.span, 'splitString(field=F, by="…", index=0)');
          return undefined;
        }
        const parts = (c: Ctx): string[] | undefined | typeof UNK => {
          const v = read(c, field);
          return v === undefined || v === UNK ? v : javaSplit(v, re);
        };
        return { value: () => undefined, parts, defaultAs: '_splitstring' };
      }
      const value = unary(field, (v) => {
        const p = javaSplit(v, re);
        const i = index < 0 ? p.length + index : index;
        return i >= 0 && i < p.length ? p[i] : undefined;
      });
      return { value, defaultAs: '_splitstring' };
    },
  },
  format: {
    positional: ['format'],
    named: ['format', 'field', 'as', 'timezone'],
    compile(e, args, s) {
      const fa = args.get('format');
      const fl = args.get('field');
      if (!fa) s.missing(e, 'format', 'format("%s-%s", field=[a, b])');
      if (!fl) s.missing(e, 'field', `format(${fa ? s.text(fa.value) : '"%s"'}, field=[FIELD])`);
      const fmt = fa ? s.stringArg(fa, 'a format string') : undefined;
      const fields = fl ? s.fieldListArg(fl) : [];
      fields.forEach((f) => s.read(f));
      if (fmt === undefined || !fl) return undefined;
      const compiled = compileFormat(fmt);
      if ('error' in compiled) {
        s.diags.error('invalid-format', `invalid format: ${compiled.error}`, fa!.value.span);
        return undefined;
      }
      if (compiled.argsNeeded > fields.length) {
        s.diags.error('invalid-format', `the format reads ${compiled.argsNeeded} field${compiled.argsNeeded > 1 ? 's' : ''}, \`field=\` lists ${fields.length}`, fl.value.span);
        return undefined;
      }
      const used = fields.slice(0, compiled.argsNeeded);
      const value: ValNode = (c) => {
        const vals: string[] = [];
        for (const f of used) {
          const v = read(c, f);
          if (v === undefined || v === UNK) return v;
          vals.push(v);
        }
        return applyFormat(compiled, vals);
      };
      return { value, defaultAs: '_format' };
    },
  },
  formatTime: {
    positional: ['format'],
    named: ['format', 'field', 'as', 'timezone', 'locale', 'unit'],
    compile(e, args, s) {
      const fa = args.get('format');
      if (!fa) s.missing(e, 'format', 'formatTime("%Y-%m-%d %H:%M:%S", field=@timestamp, as=time)');
      const fmt = fa ? s.stringArg(fa, 'a format string') : undefined;
      const fl = args.get('field');
      const field = fl ? s.fieldArg(fl) : '@timestamp';
      const tza = args.get('timezone');
      const tzName = tza ? s.stringArg(tza) : 'UTC';
      const zone = tzName === undefined ? undefined : timeZone(tzName);
      if (tza && tzName !== undefined && !zone) s.invalid(tza.value, `unknown time zone \`${tzName}\``, 'e.g. UTC, Z, +02:00, Europe/London, America/New_York');
      const ua = args.get('unit');
      const unit = ua ? s.enumArg(ua, ['auto', 'seconds', 'milliseconds'] as const) : 'auto';
      if (field !== undefined) s.read(field);
      if (fmt === undefined || field === undefined || !zone || unit === undefined) return undefined;
      const f = compileTimeFormat(fmt, zone);
      if (typeof f !== 'function') {
        s.diags.error('invalid-format', `invalid time format: ${f.error}`, fa!.value.span);
        return undefined;
      }
      const value = unary(field, (v) => {
        const n = toNumber(v);
        if (Number.isNaN(n)) return undefined;
        const ms = toEpochMs(n, unit);
        return Math.abs(ms) > 8.64e15 ? undefined : f(ms);
      });
      return { value };
    },
  },
  round: {
    positional: ['field'],
    named: ['field', 'as', 'how'],
    compile(e, args, s) {
      const field = requiredField(e, args, s);
      const ha = args.get('how');
      const how = ha ? s.enumArg(ha, ['round', 'ceil', 'floor'] as const) : 'round';
      if (field === undefined || how === undefined) return undefined;
      const op = how === 'ceil' ? Math.ceil : how === 'floor' ? Math.floor : Math.round;
      return {
        value: unary(field, (v) => {
          const n = toNumber(v);
          return Number.isNaN(n) ? undefined : fromNumber(op(n));
        }),
        defaultAs: field,
      };
    },
  },
};

export interface ValueFunction {
  /** The value (for expressions). */
  value: ValNode;
  /** The stage: computes and writes the output (stage and `:=` uses). */
  node: Node;
}

/** Compiles a value function call for one use; undefined after reporting an error. */
export function compileValueFunction(name: string, e: CallExpr, s: CompileScope, use: ValueUse): ValueFunction | undefined {
  const def = DEFS[name];
  const args = s.bindArgs(e, def.positional, def.named);
  const asA = args.get('as');
  let out: string | undefined;
  if (asA) {
    if (use.mode === 'assign') s.diags.error('duplicate-argument', `\`${use.target} := ${e.name}(…)\` already names the output; drop \`as=\``, asA.span);
    else if (use.mode === 'expr') s.diags.error('invalid-argument', '`as=` has no effect inside an expression', asA.span);
    else out = s.fieldArg(asA);
  }
  const c = def.compile(e, args, s, use);
  if (!c) return undefined;
  if (use.mode === 'assign') out = use.target;
  else if (use.mode === 'stage' && !asA) out = c.defaultAs;
  if (use.mode !== 'expr' && out === undefined) {
    if (!asA) s.missing(e, 'as', `${e.name}(…, as=FIELD), or FIELD := ${e.name}(…)`);
    return undefined;
  }
  const value = c.value;
  if (use.mode === 'expr' || out === undefined) return { value, node: () => T };
  const target = out;
  if (c.parts) {
    s.wroteArray(target);
    const parts = c.parts;
    return {
      value,
      node: (ctx) => {
        const p = parts(ctx);
        if (p === UNK) write(ctx, `${target}[]`, UNK);
        else if (p !== undefined) for (let i = 0; i < p.length; i++) write(ctx, `${target}[${i}]`, p[i]);
        return T;
      },
    };
  }
  s.wrote(target);
  return {
    value,
    node: (ctx) => {
      const v: Val = value(ctx);
      if (v !== undefined) write(ctx, target, v);
      return T;
    },
  };
}
