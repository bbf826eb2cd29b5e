/**
 * Policy-enforced record operations. Every call is an authorization decision
 * (resource = collection, action = read | list | create | update | delete,
 * record.<field> = the record) and is audited.
 *
 * Order, for every operation: the token (401) → the policy (403) → existence and
 * preconditions (404, 412) → size (413) → the write. A caller without a valid token
 * learns nothing about whether a record or a version exists; a caller the policy
 * refuses learns nothing either: for an id that does not exist, the policy is asked
 * about the collection without a record, so a record-dependent rule denies (403) just
 * as it would for someone else's record.
 */

import type { ImportRecords } from '../contract/records';
import { type DecisionRequest, enforce, requireIdentity } from '../decision/enforce';
import { snapshotFor } from '../decision/snapshot';
import { forbidden, notFound, VerdictError } from '../lib/errors';
import { randomId } from '../lib/ids';
import {
  deleteRecord,
  getRecord,
  insertRecord,
  MAX_RECORD_BYTES,
  policyView,
  type StoredRecord,
  updateRecord,
  upsertRecords,
} from '../storage/records';
import { listRecords } from './list-records';
import type { SqlFragment } from './policy-to-sql';
import type { Sort } from './query';

export type RecordsRequest = DecisionRequest & { env: { DB: D1Database } };

const preconditionFailed = () =>
  new VerdictError(
    'precondition_failed',
    412,
    'The record changed since you read it; read it again and retry',
  );

function checkSize(data: Record<string, unknown>): void {
  if (JSON.stringify(data).length > MAX_RECORD_BYTES) {
    throw new VerdictError(
      'payload_too_large',
      413,
      `A record holds at most ${MAX_RECORD_BYTES} bytes of JSON`,
    );
  }
}

/**
 * The record `id` if the caller may do `action` on it: 401, then 403 (also for an id
 * that does not exist when the policy needs the record), then 404.
 */
/**
 * The workspace's trusted-PEP subject directory (settings.pepSubjects.collection) holds the
 * attributes AuthZEN PEP calls decide with: it changes through the key-authorized import
 * only. An end user writing there could give any subject id any attribute.
 */
async function refuseDirectoryWrite(req: RecordsRequest, collection: string): Promise<void> {
  const snapshot = await snapshotFor(req.env, req.ws, Date.now());
  if (snapshot.settings.pepSubjects?.collection === collection)
    throw forbidden('This collection is the subject directory: it is written through the import only');
}

async function authorizedRecord(
  req: RecordsRequest,
  collection: string,
  id: string,
  action: 'read' | 'update' | 'delete',
): Promise<StoredRecord> {
  await requireIdentity(req, { resource: collection, action });
  if (action !== 'read') await refuseDirectoryWrite(req, collection);
  const record = await getRecord(req.env.DB, req.ws, collection, id);
  await enforce(req, { resource: collection, action, ...(record ? { record: policyView(record) } : {}) });
  if (!record) throw notFound('Record');
  return record;
}

export function readRecord(req: RecordsRequest, collection: string, id: string): Promise<StoredRecord> {
  return authorizedRecord(req, collection, id, 'read');
}

export async function createRecord(
  req: RecordsRequest,
  collection: string,
  body: { id?: string | undefined; data: Record<string, unknown> },
): Promise<StoredRecord> {
  // The owner is the caller, so the token is verified first.
  const owner = (await requireIdentity(req, { resource: collection, action: 'create' })).sub;
  await refuseDirectoryWrite(req, collection);
  const id = body.id ?? `rec_${randomId(16)}`;
  await enforce(req, {
    resource: collection,
    action: 'create',
    record: policyView({ id, data: body.data, owner }),
  });
  checkSize(body.data);
  const now = Date.now();
  const record: StoredRecord = { id, data: body.data, owner, version: 1, createdAt: now, updatedAt: now };
  if (!(await insertRecord(req.env.DB, req.ws, collection, record)))
    throw new VerdictError('conflict', 409, `A record "${id}" already exists`);
  return record;
}

/** Merges `patch` (null removes a field); both the record as it is and as it would become must be updatable. */
export async function patchRecord(
  req: RecordsRequest,
  collection: string,
  id: string,
  patch: Record<string, unknown>,
  expected: number | undefined,
): Promise<StoredRecord> {
  const current = await authorizedRecord(req, collection, id, 'update');
  if (expected !== undefined && expected !== current.version) throw preconditionFailed();
  const merged: Record<string, unknown> = { ...current.data };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  checkSize(merged);
  await enforce(req, {
    resource: collection,
    action: 'update',
    record: policyView({ ...current, data: merged }),
  });
  const now = Date.now();
  if (!(await updateRecord(req.env.DB, req.ws, collection, id, merged, current.version, now)))
    throw preconditionFailed();
  return { ...current, data: merged, version: current.version + 1, updatedAt: now };
}

export async function removeRecord(
  req: RecordsRequest,
  collection: string,
  id: string,
  expected: number | undefined,
): Promise<void> {
  const current = await authorizedRecord(req, collection, id, 'delete');
  if (expected !== undefined && expected !== current.version) throw preconditionFailed();
  if (!(await deleteRecord(req.env.DB, req.ws, collection, id, current.version))) throw preconditionFailed();
}

/** A page of the records the caller may read (list-records.ts), after the `list` decision. */
export async function pageOfRecords(
  req: RecordsRequest,
  collection: string,
  q: { where: SqlFragment; sort: Sort; limit: number; cursor?: string | undefined },
) {
  const { identity } = await enforce(req, { resource: collection, action: 'list' });
  const now = Date.now();
  return listRecords({
    db: req.env.DB,
    ws: req.ws,
    collection,
    snapshot: await snapshotFor(req.env, req.ws, now),
    identity,
    caller: req.caller,
    now,
    where: q.where,
    sort: q.sort,
    limit: q.limit,
    cursor: q.cursor,
  });
}

/** Writes records as an API key with records:write (no end-user token, no policy): the import path. */
export async function importRecords(
  db: D1Database,
  ws: string,
  collection: string,
  body: ImportRecords,
): Promise<{ imported: number }> {
  for (const r of body.records) checkSize(r.data);
  await upsertRecords(
    db,
    ws,
    collection,
    body.records.map((r) => ({ id: r.id, data: r.data, owner: r.owner ?? r.id })),
    Date.now(),
  );
  return { imported: body.records.length };
}
