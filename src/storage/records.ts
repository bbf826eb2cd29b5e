/**
 * Records in D1: JSON documents per workspace and collection, with the creator's sub
 * as owner and a version for optimistic concurrency (UPDATE … WHERE version = ?).
 */
import type { VerdictRecord } from '../contract/records';
/** A record as stored and as the API shows it (the contract's Record). */
export type StoredRecord = VerdictRecord;

export type RecordRow = {
  id: string;
  data: string;
  owner: string;
  version: number;
  created_at: number;
  updated_at: number;
};

export const MAX_RECORD_BYTES = 32 * 1024;

export function fromRow(r: RecordRow): StoredRecord {
  return {
    id: r.id,
    data: JSON.parse(r.data),
    owner: r.owner,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** What policies see as `record.<field>`: the data, with id and owner set by Verdict. */
export function policyView(r: Pick<StoredRecord, 'id' | 'data' | 'owner'>): Record<string, unknown> {
  return { ...r.data, id: r.id, owner: r.owner };
}

export async function getRecord(
  db: D1Database,
  ws: string,
  collection: string,
  id: string,
): Promise<StoredRecord | undefined> {
  const row = await db
    .prepare(
      'SELECT id, data, owner, version, created_at, updated_at FROM records WHERE workspace_id = ? AND collection = ? AND id = ?',
    )
    .bind(ws, collection, id)
    .first<RecordRow>();
  return row ? fromRow(row) : undefined;
}

/** Inserts; false when the id already exists. */
export async function insertRecord(
  db: D1Database,
  ws: string,
  collection: string,
  r: StoredRecord,
): Promise<boolean> {
  const res = await db
    .prepare(
      'INSERT INTO records (workspace_id, collection, id, data, owner, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    )
    .bind(ws, collection, r.id, JSON.stringify(r.data), r.owner, r.version, r.createdAt, r.updatedAt)
    .run();
  return res.meta.changes > 0;
}

/** Writes `data` only if the stored version is still `expected`; false on a lost race. */
export async function updateRecord(
  db: D1Database,
  ws: string,
  collection: string,
  id: string,
  data: Record<string, unknown>,
  expected: number,
  now: number,
): Promise<boolean> {
  const res = await db
    .prepare(
      'UPDATE records SET data = ?, version = version + 1, updated_at = ? WHERE workspace_id = ? AND collection = ? AND id = ? AND version = ?',
    )
    .bind(JSON.stringify(data), now, ws, collection, id, expected)
    .run();
  return res.meta.changes > 0;
}

export async function deleteRecord(
  db: D1Database,
  ws: string,
  collection: string,
  id: string,
  expected: number,
): Promise<boolean> {
  const res = await db
    .prepare('DELETE FROM records WHERE workspace_id = ? AND collection = ? AND id = ? AND version = ?')
    .bind(ws, collection, id, expected)
    .run();
  return res.meta.changes > 0;
}

/**
 * Inserts or replaces records by id (an API key's import, not an end user's write): one
 * statement per record in one D1 batch; a replaced record's version goes up by one.
 */
export async function upsertRecords(
  db: D1Database,
  ws: string,
  collection: string,
  records: readonly { id: string; data: Record<string, unknown>; owner: string }[],
  now: number,
): Promise<void> {
  const upsert = db.prepare(
    `INSERT INTO records (workspace_id, collection, id, data, owner, version, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?)
     ON CONFLICT (workspace_id, collection, id) DO UPDATE SET
       data = excluded.data, owner = excluded.owner, version = records.version + 1, updated_at = excluded.updated_at`,
  );
  await db.batch(
    records.map((r) => upsert.bind(ws, collection, r.id, JSON.stringify(r.data), r.owner, now, now)),
  );
}
