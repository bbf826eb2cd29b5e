/**
 * Row-level filtering, part 2: list the records a caller may read.
 *
 * SQL narrows (policy pre-filter AND the caller's where), in (k0, k1, id) order (see
 * query.ts → Sort); every candidate row is then decided by the same engine, with the
 * same caller facts (token attributes, ip, time) and the same per-decision budget, as
 * GET /:id — so a list returns exactly the rows the caller could read one by one.
 *
 * Nothing in the answer speaks of a row the caller cannot read:
 * - there are no counts of examined rows;
 * - `nextCursor` is set only when a further readable row exists (the page looks one
 *   readable row ahead), or when the scan stopped at its bound (`complete: false`);
 * - cursors are sealed (cursor.ts), so the position they hold is never visible.
 * Work is bounded per page: at most SCAN_BUDGET candidate rows and PAGE_WORK units of
 * policy evaluation; a page cut short says so (complete: false, reason scan_budget).
 */
import type { ListMeta } from '../contract/records';
import { type Caller, decisionInput } from '../decision/input';
import type { Snapshot } from '../decision/snapshot';
import type { VerifiedIdentity } from '../identity/verify-token';
import { badRequest } from '../lib/errors';
import { AttributeResolver, DECISION_BUDGET } from '../policy/attributes';
import { applicablePolicies, conditionHolds } from '../policy/evaluate';
import { fromRow, policyView, type RecordRow, type StoredRecord } from '../storage/records';
import { type CursorScope, openCursor, type Position, sealCursor } from './cursor';
import { buildPrefilter, type SqlFragment } from './policy-to-sql';
import type { Sort } from './query';

export const SCAN_BUDGET = 2000;
/** Policy work per page: rows are decided with a full DECISION_BUDGET each while this lasts. */
export const PAGE_WORK = 5 * DECISION_BUDGET;
/** D1 binds at most 100 parameters per statement; the keyset and scoping take up to 8. */
const MAX_PARAMS = 100;
const RESERVED_PARAMS = 8;
export const MAX_WHERE_PARAMS = 60;

type Row = RecordRow & { k0: number; k1: number | string };

export async function listRecords(opts: {
  db: D1Database;
  ws: string;
  collection: string;
  snapshot: Snapshot;
  identity: VerifiedIdentity;
  caller: Caller;
  now: number;
  where: SqlFragment;
  sort: Sort;
  limit: number;
  cursor: string | undefined;
  budget?: number;
}): Promise<{ records: StoredRecord[]; nextCursor: string | null; meta: ListMeta }> {
  const { db, ws, collection, snapshot, identity, caller, now, where, sort, limit } = opts;
  if (where.params.length > MAX_WHERE_PARAMS)
    throw badRequest(`The filter is too large (at most ${MAX_WHERE_PARAMS} values)`);
  const scope: CursorScope = {
    key: snapshot.settings.cursorKey,
    workspace: ws,
    collection,
    sort: `${sort.dir}\u0000${sort.field}`,
  };
  const budget = opts.budget ?? SCAN_BUDGET;
  const inputFor = (record?: Record<string, unknown>) =>
    decisionInput(
      identity,
      { resource: collection, action: 'read', ...(record ? { record } : {}) },
      caller,
      now,
      snapshot.set.timezone,
    );
  const resolver = new AttributeResolver(inputFor());
  let prefilter = buildPrefilter(applicablePolicies(snapshot.set, collection, 'read'), resolver, (c) =>
    conditionHolds(c, resolver),
  );
  if (prefilter.where.params.length + where.params.length + RESERVED_PARAMS > MAX_PARAMS) {
    // Too many values for one statement: scan instead (a superset, checked row by row).
    prefilter = { where: { sql: '1', params: [] }, untranslated: ['(too many policy values for one query)'] };
  }

  const cmp = sort.dir === 'ASC' ? '>' : '<';
  const batchSize = Math.min(200, Math.max(limit * 2, 50));
  let anchor: Position | undefined =
    opts.cursor === undefined ? undefined : await openCursor(scope, opts.cursor);
  const out: StoredRecord[] = [];
  let lastReturned: Position | undefined;
  let examined = 0;
  let work = PAGE_WORK;
  let outcome: 'more' | 'end' | 'cut' | undefined;

  while (outcome === undefined) {
    const want = Math.min(batchSize, budget - examined);
    if (want <= 0) {
      outcome = 'cut';
      break;
    }
    const params: unknown[] = [ws, collection, ...prefilter.where.params, ...where.params];
    let keyset = '';
    if (anchor) {
      // A long text anchor is read back in full from its row (the cursor holds a prefix);
      // if that row is gone, the prefix stands in.
      const k1 = anchor.long
        ? `COALESCE((SELECT ${sort.k1} FROM records WHERE workspace_id = ? AND collection = ? AND id = ?), ?)`
        : '?';
      keyset = ` AND (${sort.k0}, ${sort.k1}, id) ${cmp} (?, ${k1}, ?)`;
      params.push(anchor.k0);
      if (anchor.long) params.push(ws, collection, anchor.id);
      params.push(anchor.k1, anchor.id);
    }
    const rows = await db
      .prepare(
        `SELECT id, data, owner, version, created_at, updated_at, ${sort.k0} AS k0, ${sort.k1} AS k1 FROM records
         WHERE workspace_id = ? AND collection = ? AND (${prefilter.where.sql}) AND (${where.sql})${keyset}
         ORDER BY k0 ${sort.dir}, k1 ${sort.dir}, id ${sort.dir} LIMIT ?`,
      )
      .bind(...params, want)
      .all<Row>();
    for (const row of rows.results) {
      if (work < DECISION_BUDGET) {
        outcome = 'cut';
        break;
      }
      examined++;
      const record = fromRow(row);
      const rowBudget = { left: DECISION_BUDGET };
      const decision = snapshot.engine.decide(inputFor(policyView(record)), rowBudget);
      work -= DECISION_BUDGET - rowBudget.left;
      anchor = { k0: row.k0, k1: row.k1, id: row.id, long: false };
      if (decision.effect !== 'Allow') continue;
      if (out.length === limit) {
        // A further readable row exists: the page is full and has a next page.
        outcome = 'more';
        break;
      }
      out.push(record);
      lastReturned = anchor;
    }
    if (outcome === undefined && rows.results.length < want) outcome = 'end';
  }

  const position = outcome === 'more' ? lastReturned : outcome === 'cut' ? anchor : undefined;
  return {
    records: out,
    nextCursor: position ? await sealCursor(scope, position) : null,
    meta: {
      strategy: prefilter.untranslated.length > 0 ? 'scan' : 'sql',
      untranslated: prefilter.untranslated,
      complete: outcome !== 'cut',
      ...(outcome === 'cut' ? { reason: 'scan_budget' as const } : {}),
    },
  };
}
