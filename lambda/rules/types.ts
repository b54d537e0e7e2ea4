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

/** One aggregate function of an aggregation (`groupBy(…, function=[…])` or a top-level aggregate). */
export type AggregateFunction =
  /** `count()`: events; `count(F)`: events with F; `distinct`: distinct values of F. Output `as` (`_count`). */
  | { fn: 'count'; field?: string; distinct: boolean; as: string }
  /** Numeric values of `field` (others ignored). Output `as` (`_min`, `_max`, `_sum`). */
  | { fn: 'min' | 'max' | 'sum'; field: string; as: string }
  /**
   * Distinct values of each field, in first-seen order, at most `limit` per field, joined with `separator`
   * (default a newline). Output: each collected field under its own name.
   */
  | { fn: 'collect'; fields: string[]; limit: number; separator: string }
  /** The value of each field from the event with the greatest `@timestamp` (the later one on a tie). */
  | { fn: 'selectLast'; fields: string[] }
  /** The `include` fields of the event with the greatest / least numeric `field` (the later one on a tie). */
  | { fn: 'selectFromMax' | 'selectFromMin'; field: string; include: string[] };

/** A running aggregation: feed it the events the event part emitted, read one row per group. */
export interface Aggregation {
  /** Adds one event (the `fields` of a `match`). Events lacking a group field are not grouped (LogScale drops them). */
  add(fields: Fields): void;
  /** One row per group, in first-seen order: the group fields, then the outputs. */
  rows(): Fields[];
}

export interface AggregateSpec {
  /**
   * groupBy's field list, in order ([] for a top-level aggregate: one group of every event). An event lacking
   * one of these fields is not part of any group — LogScale's groupBy() leaves such events out; write
   * `default(field=F, value="-")` before the groupBy to keep them.
   */
  groupBy: string[];
  functions: AggregateFunction[];
  /** Output field names of the functions, in order. */
  outputs: string[];
  /** At most this many groups (groupBy's `limit`, default 20,000; `max` is 1,000,000); events of further groups are dropped. */
  limit: number;
  /**
   * The stages after the aggregation, run on one group's result row (group fields + outputs): filters, test(),
   * assignments, value functions. Returns match (with the row's fields after those stages) or nomatch.
   */
  having(row: Fields): EvalResult;
  /** A fresh aggregation implementing `groupBy`, `functions` and `limit` (a reference the runtime may use). */
  accumulate(): Aggregation;
}

/** table() / select() / sort() / head() / tail(): how a replay table shows the results. Never filters detections. */
export interface PresentationSpec {
  fields?: string[];
  /** Sort keys in order; `type` is sort()'s (`number` by default, also `string`, `hex`, `any`). */
  sort?: { field: string; order: 'asc' | 'desc'; type?: string }[];
  /** Show at most this many rows, taken from the start (`head`, also table()/sort() limits) or the end (`tail`). */
  limit?: number;
  from?: 'head' | 'tail';
}

export interface CompiledQuery {
  /** The `#event_simpleName` values this query can pass, or null when it does not constrain the type. */
  eventTypes: string[] | null;
  /** Every field name the query reads. */
  fieldsRead: Set<string>;
  /**
   * Evaluate one event. Never re-parses or re-builds regexes. For an aggregate query this runs the event part
   * (the stages before the aggregation); `aggregate` describes the rest.
   */
  evaluate(fields: Fields, unknown?: ReadonlySet<string>): EvalResult;
  /** The presentation step as a table, when the query ends in table() or select() (derived from `presentation`). */
  table?: TableSpec;
  /** table()/select()/sort()/head()/tail() at the end of the query. */
  presentation?: PresentationSpec;
  /** For an aggregate query: `evaluate` runs the event part (the stages before groupBy) and this describes the rest. */
  aggregate?: AggregateSpec;
  /**
   * Every field the query may write (:=, as=, regex named groups, rename targets, default(), aggregate outputs),
   * in source order: the alert record's rule-defined fields come from these and the presentation fields.
   */
  assignedFields: string[];
  /** Array outputs (`splitString()` without `index`): the query may write `prefix[0]`, `prefix[1]`, … */
  assignedArrays: string[];
  /**
   * Byte literals (case-insensitive, as they appear in JSON) a raw line of `eventType` must contain for this
   * query to match it: OR over alternatives, each an AND. `[[]]`: no requirement; `[]`: can never match.
   * `opaque`: fields whose value may come from elsewhere than the line itself (joins). Only the event part counts.
   */
  requiredLiterals(eventType: string, opaque: ReadonlySet<string>): string[][];
}

export interface CompileResult {
  query?: CompiledQuery;
  diagnostics: Diagnostic[];
}
