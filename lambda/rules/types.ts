/** A located problem in a rule source. Lines and columns are 1-based; columns count UTF-16 code units. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  /** Stable machine code, e.g. `not-cql-in`, `drop-requires-fields`, `unexpected-token`. */
  code: string;
  message: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  /** What to write instead, when there is an obvious fix. */
  hint?: string;
}

/**
 * The fields of one event as the rule sees them: LogScale names → string values
 * (LogScale compares string forms). Absent fields are `undefined`.
 */
export type Fields = Record<string, string | undefined>;

/**
 * The result of running a compiled query on one event.
 * `unknown`: the outcome depends on a field listed as unknown (e.g. a process name only a later line can supply);
 * the caller should re-evaluate once it knows more, or with the field absent.
 */
export type EvalResult =
  | { status: 'match'; fields: Fields }
  | { status: 'nomatch' }
  | { status: 'unknown' };

export interface TableSpec {
  fields: string[];
  limit?: number;
  sortby?: string;
  order: 'asc' | 'desc';
}

export interface CompiledQuery {
  /** The `#event_simpleName` values this query can pass, or null when it does not constrain the type. */
  eventTypes: string[] | null;
  /** Every field name the query reads. */
  fieldsRead: Set<string>;
  /** Evaluate one event. Never re-parses or re-builds regexes. */
  evaluate(fields: Fields, unknown?: ReadonlySet<string>): EvalResult;
  /** The presentation step, when the query ends in `table(...)`. */
  table?: TableSpec;
  /**
   * Byte literals (case-insensitive, as they appear in JSON) a raw line of `eventType` must contain for this
   * query to match it: OR over alternatives, each an AND. `[[]]`: no requirement; `[]`: can never match.
   * `opaque`: fields whose value may come from elsewhere than the line itself (joins).
   */
  requiredLiterals(eventType: string, opaque: ReadonlySet<string>): string[][];
}

export interface CompileResult {
  query?: CompiledQuery;
  diagnostics: Diagnostic[];
}
