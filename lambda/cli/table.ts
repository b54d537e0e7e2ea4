/**
 * LogScale-style table output for `replay --format table`: the rule's own table() columns, sort and limit (one
 * table per rule when several rules produced rows, as LogScale shows one result per query).
 */
import type { AlertRecord } from '../alerts/types';
import type { TableSpec } from '../rules/types';

const MAX_CELL = 72;

export const DEFAULT_TABLE: TableSpec = {
  fields: ['@timestamp', 'ComputerName', 'UserName', 'FileName', 'CommandLine', 'RemoteAddressIP4', 'RemotePort', 'alert_type'],
  sortby: '@timestamp',
  order: 'desc',
  limit: 1000,
};

/** A column's value: an aggregate's group or result, a record key, or one of the rule's own fields. */
function valueOf(record: AlertRecord, field: string): unknown {
  // An aggregate's row is its group and its results; its fixed keys are only the latest event's.
  const agg = record.aggregate?.values[field] ?? record.aggregate?.group[field];
  if (agg !== undefined) return agg;
  const top = (record as unknown as Record<string, unknown>)[field];
  return top !== undefined ? top : record.fields?.[field];
}

/** Why a row was not (or would not be) published: `suppressed: …`, `throttled: …`, `shadow`; empty for an alert. */
export function statusOf(r: AlertRecord): string {
  const parts: string[] = [];
  if (r.shadow) parts.push('shadow');
  if (r.suppressed) parts.push(`suppressed: ${r.suppressed.reason}`);
  if (r.throttled) parts.push(r.throttled.reason);
  return parts.join('; ');
}

function cell(record: AlertRecord, field: string): string {
  const value = valueOf(record, field);
  if (value === null || value === undefined) return '';
  if (field === '@timestamp' && typeof value === 'number') return new Date(value).toISOString().replace('T', ' ').replace('Z', '');
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const flat = s.replace(/[\r\n\t]+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  // A rule's own fields are strings: counts and sums sort as numbers.
  if (typeof a === 'string' && typeof b === 'string' && NUMERIC.test(a) && NUMERIC.test(b)) return Number(a) - Number(b);
  return String(a).localeCompare(String(b));
}

/** Rows a table shows at most when its rule gives no `limit` (a replay's memory stays bounded). */
export const MAX_TABLE_ROWS = 10_000;

/** How many rows a table keeps. */
export const tableLimit = (spec: TableSpec): number => Math.min(spec.limit ?? MAX_TABLE_ROWS, MAX_TABLE_ROWS);

/** The table's order: its sort key and direction; rows without one keep their arrival order (the sort is stable). */
export function rowOrder(spec: TableSpec): (a: AlertRecord, b: AlertRecord) => number {
  if (!spec.sortby) return () => 0;
  const key = spec.sortby;
  const dir = spec.order === 'asc' ? 1 : -1;
  return (a, b) => dir * compare(valueOf(a, key), valueOf(b, key));
}

/** `records` in table order (at most the table's limit of them); `total`: how many rows there were in all. */
export function renderTable(
  records: AlertRecord[],
  spec: TableSpec = DEFAULT_TABLE,
  opts: { statusColumn?: boolean; total?: number } = {},
): string {
  const fields = opts.statusColumn ? [...spec.fields, 'status'] : spec.fields;
  const sorted = [...records].sort(rowOrder(spec));
  const total = opts.total ?? records.length;
  const rows = sorted.slice(0, tableLimit(spec)).map((r) =>
    fields.map((f, i) => (opts.statusColumn && i === fields.length - 1 ? statusOf(r) : cell(r, f))),
  );
  const widths = fields.map((f, i) => Math.max(f.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const out = [line(fields), rule, ...rows.map(line)];
  if (total > rows.length) out.push(`(${total - rows.length} more rows not shown: table limit ${tableLimit(spec)})`);
  return out.join('\n') + '\n';
}
