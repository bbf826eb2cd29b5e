/**
 * Row-level filtering, part 2: list the records a caller may read.
 * SQL narrows (policy pre-filter AND the caller's where), ordered by (sort key, id);
 * every candidate row is then decided by the same compiled evaluator as /authorize
 * (action "read", record.<field> = the row). Pages are filled in batches; the cursor
 * is the last row *examined*, so a later page never repeats or skips a row. A scan
 * budget bounds the work: a page cut short says so (complete: false).
 */
import type { Snapshot } from '../decision/snapshot';
import type { VerifiedIdentity } from '../identity/verify-token';
import { AttributeResolver } from '../policy/attributes';
import { applicablePolicies, conditionHolds } from '../policy/evaluate';
import { buildPrefilter, type SqlFragment } from './policy-to-sql';
import type { Sort } from './query';
import { fromRow, policyView, type RecordRow, type StoredRecord } from './store';

export const SCAN_BUDGET = 2000;

export type ListMeta = {
  /** "sql": the policy filter ran in the database; "scan": some rule could not be translated. */
  strategy: 'sql' | 'scan';
  untranslated: string[];
  examined: number;
  complete: boolean;
  reason?: 'scan_budget';
};

type Cursor = [unknown, string];

export function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify(c)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

export function decodeCursor(s: string): Cursor | undefined {
  try {
    const v = JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/')));
    return Array.isArray(v) &&
      v.length === 2 &&
      typeof v[1] === 'string' &&
      ['string', 'number'].includes(typeof v[0])
      ? (v as Cursor)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function listRecords(opts: {
  db: D1Database;
  ws: string;
  collection: string;
  snapshot: Snapshot;
  identity: VerifiedIdentity;
  now: number;
  where: SqlFragment;
  sort: Sort;
  limit: number;
  cursor: Cursor | undefined;
  budget?: number;
}): Promise<{ records: StoredRecord[]; nextCursor: string | null; meta: ListMeta }> {
  const { db, ws, collection, snapshot, identity, now, where, sort, limit } = opts;
  const budget = opts.budget ?? SCAN_BUDGET;
  const base = {
    attributes: identity.attributes,
    resource: collection,
    action: 'read',
    context: {},
    now,
    timezone: snapshot.set.timezone,
  };
  const resolver = new AttributeResolver(base);
  const prefilter = buildPrefilter(applicablePolicies(snapshot.set, collection, 'read'), resolver, (c) =>
    conditionHolds(c, resolver),
  );
  const cmp = sort.dir === 'ASC' ? '>' : '<';
  const batchSize = Math.min(200, Math.max(limit * 2, 50));
  const out: StoredRecord[] = [];
  let cursor = opts.cursor;
  let examined = 0;
  let exhausted = false;
  while (out.length < limit && examined < budget) {
    const want = Math.min(batchSize, budget - examined);
    const params: unknown[] = [ws, collection, ...prefilter.where.params, ...where.params];
    let keyset = '';
    if (cursor) {
      keyset = ` AND (${sort.expr}, id) ${cmp} (?, ?)`;
      params.push(cursor[0], cursor[1]);
    }
    const rows = await db
      .prepare(
        `SELECT id, data, owner, version, created_at, updated_at, ${sort.expr} AS sk FROM records
         WHERE workspace_id = ? AND collection = ? AND (${prefilter.where.sql}) AND (${where.sql})${keyset}
         ORDER BY sk ${sort.dir}, id ${sort.dir} LIMIT ?`,
      )
      .bind(...params, want)
      .all<RecordRow & { sk: unknown }>();
    let consumed = 0;
    for (const row of rows.results) {
      examined++;
      consumed++;
      cursor = [row.sk, row.id];
      const record = fromRow(row);
      if (snapshot.engine.decide({ ...base, record: policyView(record) }).effect === 'Allow')
        out.push(record);
      if (out.length === limit) break;
    }
    // A short batch read to its end means there is nothing after the cursor.
    if (rows.results.length < want && consumed === rows.results.length) {
      exhausted = true;
      break;
    }
  }
  const cutShort = !exhausted && out.length < limit;
  return {
    records: out,
    nextCursor: exhausted || !cursor ? null : encodeCursor(cursor),
    meta: {
      strategy: prefilter.untranslated.length > 0 ? 'scan' : 'sql',
      untranslated: prefilter.untranslated,
      examined,
      complete: !cutShort,
      ...(cutShort ? { reason: 'scan_budget' as const } : {}),
    },
  };
}
