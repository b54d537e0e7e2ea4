/**
 * Eval expressions — the argument of test() and the right-hand side of `:=` — compiled to value closures.
 *
 * Values are strings, read in context (LogScale has no runtime types):
 * - a field name is the field's value; an absent field is no value;
 * - `+ - * / %` and unary `-` are numeric: a non-numeric operand, or a division by zero, gives no value;
 * - `== != < <= > >=` compare numerically when both sides are numbers, else as strings (`<` … by UTF-16 code
 *   units); a comparison with no value on either side is false;
 * - `and`, `or`, `not` / `!` work on truth values: a value is true when it is the string `true`;
 * - value functions (`length(f)`, `lower(f)`, `format(…)`…) give their value.
 * Unknown fields (the process join) make the value unknown; `and`/`or`/`not` are Kleene, as in filters.
 */
import type { EvalExpr } from './ast';
import { canonicalFunctionName, isValueFunction, UNSUPPORTED_FUNCTIONS } from './functions';
import { fromNumber, read, T, F, U, toNumber, UNK, type Node, type Tri, type Val, type ValNode } from './runtime';
import type { CompileScope } from './scope';
import { compileValueFunction } from './valuefns';

const TRUE = 'true';
const FALSE = 'false';

const truth = (v: Val): Tri => (v === UNK ? U : v === TRUE ? T : F);
const fromTri = (t: Tri): Val => (t === U ? UNK : t === T ? TRUE : FALSE);

function compare(op: string, a: string, b: string): boolean {
  const x = toNumber(a);
  const y = toNumber(b);
  const numeric = !Number.isNaN(x) && !Number.isNaN(y);
  switch (op) {
    case '==':
      return numeric ? x === y : a === b;
    case '!=':
      return numeric ? x !== y : a !== b;
    case '<':
      return numeric ? x < y : a < b;
    case '<=':
      return numeric ? x <= y : a <= b;
    case '>':
      return numeric ? x > y : a > b;
    default:
      return numeric ? x >= y : a >= b;
  }
}

function arithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? NaN : a / b;
    default:
      return b === 0 ? NaN : a % b;
  }
}

export function compileEval(e: EvalExpr, s: CompileScope): ValNode {
  switch (e.kind) {
    case 'elit': {
      const v = e.value;
      return () => v;
    }
    case 'ebool': {
      const v = e.value ? TRUE : FALSE;
      return () => v;
    }
    case 'efield': {
      const name = e.name;
      if (!s.fieldName(name, e.span)) return () => undefined;
      s.read(name);
      return (c) => read(c, name);
    }
    case 'eneg': {
      const x = compileEval(e.operand, s);
      return (c) => {
        const v = x(c);
        if (v === undefined || v === UNK) return v;
        const n = toNumber(v);
        return Number.isNaN(n) ? undefined : fromNumber(-n);
      };
    }
    case 'enot': {
      const x = compileEval(e.operand, s);
      return (c) => {
        const t = truth(x(c));
        return fromTri(t === U ? U : t === T ? F : T);
      };
    }
    case 'ebin': {
      const l = compileEval(e.left, s);
      const r = compileEval(e.right, s);
      const op = e.op;
      if (op === 'and' || op === 'or') {
        const stop = op === 'and' ? F : T;
        return (c) => {
          const a = truth(l(c));
          if (a === stop) return fromTri(a);
          const b = truth(r(c));
          if (b === stop) return fromTri(b);
          return fromTri(a === U || b === U ? U : op === 'and' ? T : F);
        };
      }
      if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') {
        return (c) => {
          const a = l(c);
          const b = r(c);
          if (a === UNK || b === UNK) return UNK;
          if (a === undefined || b === undefined) return undefined;
          const x = toNumber(a);
          const y = toNumber(b);
          if (Number.isNaN(x) || Number.isNaN(y)) return undefined;
          return fromNumber(arithmetic(op, x, y));
        };
      }
      return (c) => {
        const a = l(c);
        const b = r(c);
        if (a === UNK || b === UNK) return UNK;
        if (a === undefined || b === undefined) return FALSE;
        return compare(op, a, b) ? TRUE : FALSE;
      };
    }
    case 'ecall': {
      const name = canonicalFunctionName(e.call.name);
      if (name !== undefined && isValueFunction(name)) {
        const fn = compileValueFunction(name, e.call, s, { mode: 'expr' });
        return fn ? fn.value : () => undefined;
      }
      if (name !== undefined && name in UNSUPPORTED_FUNCTIONS) {
        s.diags.error('unsupported-function', `\`${e.call.name}()\` is not supported by fdr-detect's CQL subset`, e.call.nameSpan, UNSUPPORTED_FUNCTIONS[name]);
        return () => undefined;
      }
      s.diags.error(
        'not-a-value-function',
        `\`${e.call.name}()\` cannot be used in an expression`,
        e.call.nameSpan,
        'value functions in expressions: lower, upper, length, concat, replace, splitString, format, formatTime, round',
      );
      return () => undefined;
    }
    case 'einvalid':
      return () => undefined;
  }
}

/** test(expression): passes when the expression is true. */
export function compileTest(e: EvalExpr, s: CompileScope): Node {
  const v = compileEval(e, s);
  return (c) => truth(v(c));
}
