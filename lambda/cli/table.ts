/** LogScale-style table output for `replay --format table`: the rule's own table() columns, sort and limit. */
import type { AlertRecord } from '../alerts/types';
import type { TableSpec } from '../rules/types';

const MAX_CELL = 72;

export const DEFAULT_TABLE: TableSpec = {
  fields: ['@timestamp', 'ComputerName', 'UserName', 'FileName', 'CommandLine', 'RemoteAddressIP4', 'RemotePort', 'alert_type'],
  sortby: '@timestamp',
  order: 'desc',
  limit: 1000,
};

function cell(record: AlertRecord, field: string): string {
  const value = (record as unknown as Record<string, unknown>)[field];
  if (value === null || value === undefined) return '';
  if (field === '@timestamp' && typeof value === 'number') return new Date(value).toISOString().replace('T', ' ').replace('Z', '');
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const flat = s.replace(/[\r\n\t]+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export function renderTable(records: AlertRecord[], spec: TableSpec = DEFAULT_TABLE, opts: { suppressedColumn?: boolean } = {}): string {
  const fields = opts.suppressedColumn ? [...spec.fields, 'suppressed'] : spec.fields;
  const sorted = [...records];
  if (spec.sortby) {
    const key = spec.sortby;
    const dir = spec.order === 'asc' ? 1 : -1;
    sorted.sort((a, b) => dir * compare((a as unknown as Record<string, unknown>)[key], (b as unknown as Record<string, unknown>)[key]));
  }
  const rows = sorted.slice(0, spec.limit ?? sorted.length).map((r) =>
    fields.map((f) => (f === 'suppressed' ? (r.suppressed ? `yes: ${r.suppressed.reason}` : '') : cell(r, f))),
  );
  const widths = fields.map((f, i) => Math.max(f.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const out = [line(fields), rule, ...rows.map(line)];
  if (records.length > rows.length) out.push(`(${records.length - rows.length} more rows not shown: table limit ${spec.limit})`);
  return out.join('\n') + '\n';
}
