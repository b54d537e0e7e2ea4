/**
 * Diagnostic helpers: a collector that works on source offsets and converts them to the 1-based line:col
 * Diagnostics of types.ts (columns count UTF-16 code units; `endLine:endCol` is exclusive, like LSP ranges).
 */
import type { Span } from './ast';
import type { Diagnostic } from './types';

/** Offset → line/column, by binary search over line starts. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  private readonly lines: LineMap;

  constructor(source: string) {
    this.lines = new LineMap(source);
  }

  error(code: string, message: string, span: Span, hint?: string): void {
    this.add('error', code, message, span, hint);
  }

  warning(code: string, message: string, span: Span, hint?: string): void {
    this.add('warning', code, message, span, hint);
  }

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }

  private add(severity: Diagnostic['severity'], code: string, message: string, span: Span, hint?: string): void {
    const a = this.lines.position(span.start);
    const b = this.lines.position(Math.max(span.start, span.end));
    const d: Diagnostic = { severity, code, message, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
    if (hint !== undefined) d.hint = hint;
    this.list.push(d);
  }
}

/** Diagnostics in source order (stable for equal positions). */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return diags
    .map((d, i) => ({ d, i }))
    .sort((x, y) => x.d.line - y.d.line || x.d.col - y.d.col || x.i - y.i)
    .map((x) => x.d);
}

export function spanOf(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest candidate within a small distance (case-insensitive), if any. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
