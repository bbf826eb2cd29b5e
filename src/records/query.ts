/**
 * The caller's own filters and sort, as SQL over the records table: `where` nests
 * and / or / not over eq, ne, gt, gte, lt, lte, in, contains on record fields (SQL
 * semantics, after the policy filter); sort on a field, createdAt, updatedAt or id.
 */
import type { z } from 'zod';
import type { Where, WhereOpsSchema } from '../contract/records';
import { badRequest } from '../lib/errors';
import { fieldSql, type SqlFragment } from './policy-to-sql';

const SQL_OPS = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function column(field: string): string {
  const col = fieldSql(['record', ...field.split('.')]);
  if (!col) throw badRequest(`"${field}" is not a record field`);
  return col;
}

/** Translates a validated `where` to SQL. Depth and size are bounded by the schema and here. */
export function whereSql(w: Where, depth = 0): SqlFragment {
  if (depth > 8) throw badRequest('where is nested deeper than 8 levels');
  if ('and' in w && Array.isArray(w.and))
    return join(
      w.and.map((x) => whereSql(x, depth + 1)),
      'AND',
      '1',
    );
  if ('or' in w && Array.isArray(w.or))
    return join(
      w.or.map((x) => whereSql(x, depth + 1)),
      'OR',
      '0',
    );
  if ('not' in w && w.not && typeof w.not === 'object') {
    const inner = whereSql(w.not as Where, depth + 1);
    return { sql: `NOT COALESCE((${inner.sql}), 0)`, params: inner.params };
  }
  const parts: SqlFragment[] = [];
  for (const [field, cond] of Object.entries(w)) {
    const col = column(field);
    const ops =
      cond !== null && typeof cond === 'object' && !Array.isArray(cond)
        ? (cond as z.infer<typeof WhereOpsSchema>)
        : { eq: cond as string | number | boolean | null };
    for (const [op, value] of Object.entries(ops)) {
      if (op === 'in') {
        // One JSON parameter, however long the list (D1 binds at most 100 per statement).
        const list = value as unknown[];
        parts.push(
          list.length === 0
            ? { sql: '0', params: [] }
            : { sql: `${col} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(list)] },
        );
      } else if (op === 'contains') {
        const path = col.startsWith('json_extract')
          ? col.replace(/^json_extract\(data, (.*)\)$/, '$1')
          : undefined;
        parts.push(
          path
            ? {
                sql: `(CASE json_type(data, ${path}) WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(data, ${path}) WHERE value = ?) ELSE instr(${col}, ?) > 0 END)`,
                params: [value, value],
              }
            : { sql: `instr(${col}, ?) > 0`, params: [value] },
        );
      } else if (value === null) {
        parts.push({ sql: op === 'ne' ? `${col} IS NOT NULL` : `${col} IS NULL`, params: [] });
      } else {
        parts.push({ sql: `${col} ${SQL_OPS[op as keyof typeof SQL_OPS]} ?`, params: [value] });
      }
    }
  }
  return join(parts, 'AND', '1');
}

function join(parts: SqlFragment[], op: 'AND' | 'OR', empty: string): SqlFragment {
  if (parts.length === 0) return { sql: empty, params: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(` ${op} `), params: parts.flatMap((p) => p.params) };
}

/** `where[field]=value` query parameters: numbers match numbers or their string form. */
export function whereFromQuery(params: Record<string, string>): Where {
  const w: Record<string, z.infer<typeof WhereOpsSchema> | string> = {};
  for (const [k, v] of Object.entries(params)) {
    const m = /^where\[([A-Za-z0-9_$.-]{1,256})\]$/.exec(k);
    if (!m) continue;
    w[m[1] as string] = /^-?[0-9]+(\.[0-9]+)?$/.test(v)
      ? { in: [Number(v), v] }
      : v === 'true' || v === 'false'
        ? { in: [v === 'true', v] }
        : v;
  }
  return w;
}

/**
 * A sort: a total order over any JSON value, so keyset pages work whatever the rows
 * hold. Rows order by (k0, k1, id): k0 is the value's type class (0 absent or null,
 * 1 number or boolean, 2 text, 3 list or object), k1 the value within its class (0 for
 * absent; lists and objects as JSON text). Neither is ever NULL, so row-value
 * comparisons in the keyset never meet a NULL.
 */
export type Sort = { k0: string; k1: string; dir: 'ASC' | 'DESC'; field: string };

export function parseSort(sort: string | undefined): Sort {
  const s = sort ?? '-createdAt';
  const dir = s.startsWith('-') ? 'DESC' : 'ASC';
  const field = s.replace(/^[-+]/, '');
  if (field === 'createdAt') return { k0: '1', k1: 'created_at', dir, field };
  if (field === 'updatedAt') return { k0: '1', k1: 'updated_at', dir, field };
  if (field === 'id' || field === 'owner') return { k0: '2', k1: field, dir, field };
  const col = column(field);
  const type = col.replace(/^json_extract\(/, 'json_type(');
  const k0 = `(CASE ${type} WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'text' THEN 2 WHEN 'array' THEN 3 WHEN 'object' THEN 3 ELSE 0 END)`;
  const k1 = `(CASE WHEN ${type} IN ('integer','real','true','false','text','array','object') THEN ${col} ELSE 0 END)`;
  return { k0, k1, dir, field };
}
