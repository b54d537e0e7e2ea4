/** The functions the CQL subset knows, and LogScale functions it recognises but does not support. */

/** Functions usable as filters (also inside AND / OR / NOT). */
export const FILTER_FUNCTIONS = ['in', 'true', 'false', 'dropEvent'] as const;
/** Functions usable only as a whole pipeline stage. */
export const STAGE_FUNCTIONS = ['drop', 'table'] as const;

export const SUPPORTED_FUNCTIONS: readonly string[] = [...FILTER_FUNCTIONS, ...STAGE_FUNCTIONS];

/** Real LogScale functions outside the subset → a hint (or a generic message when undefined). */
export const UNSUPPORTED_FUNCTIONS: Record<string, string | undefined> = {
  select: 'use table([field, …]) as the last stage',
  sort: 'use table([…], sortby=FIELD, order=asc|desc) as the last stage',
  head: 'use table([…], limit=N) as the last stage',
  tail: 'use table([…], limit=N, order=asc) as the last stage',
  regex: 'use a regex literal: FIELD = /pattern/flags',
  wildcard: 'use a glob string: FIELD = "*pattern*"',
  test: 'use field comparisons: FIELD = value, FIELD < N',
  eval: 'use an assignment: FIELD := value',
  rename: 'copy with FIELD := OTHER, then drop([OTHER])',
  groupBy: undefined,
  count: undefined,
  stats: undefined,
  timeChart: undefined,
  bucket: undefined,
  top: undefined,
  dedup: undefined,
  join: undefined,
  selfJoin: undefined,
  selfJoinFilter: undefined,
  match: undefined,
  format: undefined,
  lower: undefined,
  upper: undefined,
  replace: undefined,
  split: undefined,
  splitString: undefined,
  concat: undefined,
  default: undefined,
  coalesce: undefined,
  cidr: undefined,
  ipLocation: undefined,
  lookup: undefined,
  parseJson: undefined,
  sum: undefined,
  avg: undefined,
  min: undefined,
  max: undefined,
  collect: undefined,
  fieldset: undefined,
  formatTime: undefined,
  length: undefined,
  text: undefined,
};

const CANONICAL = new Map<string, string>(
  [...SUPPORTED_FUNCTIONS, ...Object.keys(UNSUPPORTED_FUNCTIONS)].map((n) => [n.toLowerCase(), n]),
);

/** LogScale function names are case-insensitive: `dropevent()` is `dropEvent()`. */
export function canonicalFunctionName(name: string): string | undefined {
  return CANONICAL.get(name.toLowerCase());
}
