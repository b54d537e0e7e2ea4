/** The functions the CQL subset knows, by role, and LogScale functions it recognises but does not support. */

/** Functions usable as filters (also inside AND / OR / NOT, and negated with `!`). */
export const FILTER_FUNCTIONS = ['in', 'true', 'false', 'dropEvent', 'test', 'cidr', 'wildcard', 'regex'] as const;

/** Value functions: a pipeline stage writing `as=` (or their default output), `f := fn(…)`, or inside an expression. */
export const VALUE_FUNCTIONS = ['lower', 'upper', 'length', 'concat', 'replace', 'splitString', 'format', 'formatTime', 'round'] as const;

/** Other functions that transform the event (whole stages). */
export const TRANSFORM_FUNCTIONS = ['drop', 'rename', 'default'] as const;

/** Aggregate functions: inside `groupBy(…, function=…)`, or as a stage of their own (an aggregate with no groups). */
export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'min', 'max', 'collect', 'selectLast', 'selectFromMax', 'selectFromMin'] as const;

/** Stages that aggregate: groupBy(), stats([…]) and the aggregate functions themselves. */
export const AGGREGATION_STAGES = ['groupBy', 'stats'] as const;

/** Presentation steps: the last stages of a query. */
export const PRESENTATION_FUNCTIONS = ['table', 'select', 'sort', 'head', 'tail'] as const;

export const SUPPORTED_FUNCTIONS: readonly string[] = [
  ...FILTER_FUNCTIONS,
  ...VALUE_FUNCTIONS,
  ...TRANSFORM_FUNCTIONS,
  ...AGGREGATION_STAGES,
  ...AGGREGATE_FUNCTIONS,
  ...PRESENTATION_FUNCTIONS,
];

const NOT_IN_FDR = 'FDR events are matched one at a time, with a process join; this needs state across queries or lookup files';

/** Real LogScale functions outside the subset → a hint (or a generic message when undefined). */
export const UNSUPPORTED_FUNCTIONS: Record<string, string | undefined> = {
  eval: 'use an assignment: FIELD := expression',
  if: 'use case { test(condition) | FIELD := a ; * | FIELD := b }',
  join: NOT_IN_FDR,
  selfJoin: NOT_IN_FDR,
  selfJoinFilter: NOT_IN_FDR,
  defineTable: NOT_IN_FDR,
  correlate: NOT_IN_FDR,
  readFile: NOT_IN_FDR,
  match: 'lookup files are not supported: list the values with in(field=F, values=[…])',
  lookup: 'lookup files are not supported: list the values with in(field=F, values=[…])',
  'ioc:lookup': 'threat-intel lookups are not supported: list the indicators with in(field=F, values=[…])',
  timeChart: 'charts are not supported: aggregate with groupBy() and present with table()/sort()',
  bucket: 'charts are not supported: aggregate with groupBy() and present with table()/sort()',
  sankey: 'charts are not supported: aggregate with groupBy() and present with table()/sort()',
  worldMap: 'charts are not supported: aggregate with groupBy() and present with table()/sort()',
  pieChart: 'charts are not supported: aggregate with groupBy() and present with table()/sort()',
  series: 'use collect([FIELD]) inside groupBy()',
  top: 'use groupBy([FIELD]) | sort(_count, order=desc, limit=N)',
  avg: 'use sum() and count() and divide: groupBy(…, function=[sum(F), count()]) | avg := _sum / _count',
  coalesce: 'use default(field=F, value=…) or case { F = * | x := F ; * | x := G }',
  now: 'rules run on historical batches: compare with a fixed epoch value',
  split: undefined,
  dedup: undefined,
  fieldset: undefined,
  ipLocation: undefined,
  asn: undefined,
  parseJson: undefined,
  parseInt: undefined,
  text: undefined,
  formatDuration: undefined,
  base64Decode: undefined,
  urlDecode: undefined,
  hash: undefined,
  shannonEntropy: undefined,
  concatArray: undefined,
  neighbor: undefined,
  session: undefined,
  window: undefined,
  lowercase: 'use lower(FIELD, as=FIELD)',
  'unit:convert': undefined,
  'text:contains': 'use FIELD = "*text*" or wildcard(field=F, pattern="*text*")',
};

const CANONICAL = new Map<string, string>(
  [...SUPPORTED_FUNCTIONS, ...Object.keys(UNSUPPORTED_FUNCTIONS)].map((n) => [n.toLowerCase(), n]),
);

/** LogScale function names are case-insensitive: `dropevent()` is `dropEvent()`, `groupby()` is `groupBy()`. */
export function canonicalFunctionName(name: string): string | undefined {
  return CANONICAL.get(name.toLowerCase());
}

const has = (list: readonly string[], name: string | undefined): boolean => name !== undefined && list.includes(name);

export const isFilterFunction = (name: string | undefined): boolean => has(FILTER_FUNCTIONS, name);
export const isValueFunction = (name: string | undefined): boolean => has(VALUE_FUNCTIONS, name);
export const isAggregateFunction = (name: string | undefined): boolean => has(AGGREGATE_FUNCTIONS, name);
export const isPresentationFunction = (name: string | undefined): boolean => has(PRESENTATION_FUNCTIONS, name);
/** A stage that starts the aggregate part of a query. */
export const isAggregationStage = (name: string | undefined): boolean => has(AGGREGATION_STAGES, name) || isAggregateFunction(name);
