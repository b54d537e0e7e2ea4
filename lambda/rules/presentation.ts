/**
 * Presentation steps — table(), select(), sort(), head(), tail() — at the end of a query. They never filter
 * detections; together they describe what a replay table shows (`PresentationSpec`), in stage order:
 *
 * - table(fields, limit, sortby, order) / select(fields): the columns (the last one wins);
 * - sort(field | [fields], order=desc, type=number, limit=200): the sort keys, and a limit from the start;
 * - head(limit=200) / tail(limit=200): keep the first / last rows.
 *
 * A sort after a limit, or head() and tail() together, would need a second pass over the rows, which one spec
 * cannot say: `presentation-order`.
 */
import type { CallExpr } from './ast';
import { canonicalFunctionName } from './functions';
import type { CompileScope } from './scope';
import type { PresentationSpec, TableSpec } from './types';

export const SORT_DEFAULT_LIMIT = 200;
export const SORT_MAX_LIMIT = 20_000;
const ORDERS = ['asc', 'desc'] as const;
const ORDER_ALIASES: Record<string, 'asc' | 'desc'> = { ascending: 'asc', descending: 'desc' };
const SORT_TYPES = ['number', 'string', 'hex', 'any'] as const;

export function compilePresentation(calls: CallExpr[], s: CompileScope): { spec: PresentationSpec; table?: TableSpec } {
  const spec: PresentationSpec = {};
  let tableOrder: 'asc' | 'desc' = 'desc';
  let limitFrom: CallExpr | undefined;

  const setLimit = (n: number, from: 'head' | 'tail', e: CallExpr): void => {
    if (spec.limit !== undefined && spec.from !== from) {
      s.diags.error('presentation-order', `\`${e.name}()\` after \`${limitFrom?.name}()\` cannot be shown in one table`, e.span, 'keep one of head() / tail()');
      return;
    }
    spec.limit = spec.limit === undefined ? n : Math.min(spec.limit, n);
    spec.from = from;
    limitFrom = e;
  };
  const setSort = (keys: NonNullable<PresentationSpec['sort']>, e: CallExpr): void => {
    if (spec.limit !== undefined && limitFrom !== e) {
      s.diags.error('presentation-order', `\`${e.name}()\` after \`${limitFrom?.name}()\` would sort only the rows that are kept`, e.span, 'sort first: sort(…) | head(N)');
      return;
    }
    spec.sort = keys;
  };

  for (const e of calls) {
    const name = canonicalFunctionName(e.name);
    if (name === 'table') {
      const args = s.bindArgs(e, ['fields'], ['fields', 'limit', 'sortby', 'order', 'type', 'reverse']);
      const fa = args.get('fields');
      if (!fa) {
        s.diags.error('table-requires-fields', '`table()` requires a field list', e.span, 'table([field1, field2])');
        continue;
      }
      const fields = s.fieldListArg(fa);
      if (fields.length === 0 && fa.value.kind === 'list' && fa.value.items.length === 0) {
        s.diags.error('table-requires-fields', '`table()` requires a field list', fa.value.span, 'table([field1, field2])');
      }
      spec.fields = fields;
      const oa = args.get('order');
      const ra = args.get('reverse');
      let order: 'asc' | 'desc' = 'desc';
      if (oa) {
        order = s.enumArg(oa, ORDERS, ORDER_ALIASES) ?? order;
      } else if (ra) order = s.boolArg(ra) === false ? 'asc' : 'desc';
      const sa = args.get('sortby');
      const sortby = sa ? s.fieldArg(sa) : undefined;
      const ta = args.get('type');
      const type = ta ? s.enumArg(ta, SORT_TYPES) : undefined;
      if (sortby !== undefined) setSort([{ field: sortby, order, ...(type ? { type } : {}) }], e);
      const la = args.get('limit');
      if (la) {
        const n = s.intArg(la, { min: 1, max: SORT_MAX_LIMIT, allowMax: true });
        if (n !== undefined) setLimit(n, 'head', e);
      }
      // The order without a sortby is still table()'s (rows keep their order; the derived TableSpec carries it).
      tableOrder = order;
      fields.forEach((f) => s.read(f));
      if (sortby !== undefined) s.read(sortby);
    } else if (name === 'select') {
      const args = s.bindArgs(e, ['fields'], ['fields']);
      const fa = args.get('fields');
      if (!fa) {
        s.missing(e, 'fields', 'select([field1, field2])');
        continue;
      }
      spec.fields = s.fieldListArg(fa);
      spec.fields.forEach((f) => s.read(f));
    } else if (name === 'sort') {
      const args = s.bindArgs(e, ['field'], ['field', 'order', 'type', 'limit', 'reverse']);
      const fa = args.get('field');
      if (!fa) {
        s.missing(e, 'field', 'sort(FIELD, order=desc)');
        continue;
      }
      const fields = s.fieldListArg(fa);
      const oa = args.get('order');
      const ra = args.get('reverse');
      const orderItems = oa ? (oa.value.kind === 'list' ? oa.value.items : [oa.value]) : [];
      const orders = orderItems.map((v) => s.enumArg({ span: v.span, name: 'order', value: v }, ORDERS, ORDER_ALIASES) ?? 'desc');
      const dflt: 'asc' | 'desc' = ra ? (s.boolArg(ra) ? 'desc' : 'asc') : 'desc';
      const ta = args.get('type');
      const typeItems = ta ? (ta.value.kind === 'list' ? ta.value.items : [ta.value]) : [];
      const types = typeItems.map((v) => s.enumArg({ span: v.span, name: 'type', value: v }, SORT_TYPES) ?? 'number');
      const keys = fields.map((field, i) => ({
        field,
        order: orders.length === 1 ? orders[0] : (orders[i] ?? dflt),
        type: types.length === 1 ? types[0] : (types[i] ?? 'number'),
      }));
      fields.forEach((f) => s.read(f));
      setSort(keys, e);
      const la = args.get('limit');
      const n = la ? s.intArg(la, { min: 1, max: SORT_MAX_LIMIT, allowMax: true }) : SORT_DEFAULT_LIMIT;
      if (n !== undefined) setLimit(n, 'head', e);
    } else {
      // head / tail
      const args = s.bindArgs(e, ['limit'], ['limit']);
      const la = args.get('limit');
      const n = la ? s.intArg(la, { min: 1, max: SORT_MAX_LIMIT, allowMax: true }) : SORT_DEFAULT_LIMIT;
      if (n !== undefined) setLimit(n, name === 'tail' ? 'tail' : 'head', e);
    }
  }

  let table: TableSpec | undefined;
  if (spec.fields) {
    const key = spec.sort?.[0];
    table = { fields: spec.fields, order: key?.order ?? tableOrder };
    if (spec.limit !== undefined && spec.from !== 'tail') table.limit = spec.limit;
    if (key) table.sortby = key.field;
  }
  return { spec, table };
}
