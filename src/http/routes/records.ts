/**
 * Policy-enforced records, called with the end user's JWT. Every call is an
 * authorization decision (resource = collection, action = read | list | create |
 * update | delete, record.<field> = the record) and is audited. Lists return only the
 * rows the caller may read (see src/records/list-records.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authorize, type Decision, snapshotFor } from '../../decision/authorize';
import { badRequest, notFound, VerdictError } from '../../lib/errors';
import { randomId } from '../../lib/ids';
import { decodeCursor, listRecords } from '../../records/list-records';
import { parseSort, WhereSchema, whereFromQuery, whereSql } from '../../records/query';
import {
  COLLECTION,
  deleteRecord,
  getRecord,
  insertRecord,
  MAX_RECORD_BYTES,
  policyView,
  RECORD_ID,
  type StoredRecord,
  updateRecord,
} from '../../records/store';
import { bearerToken } from '../middleware/auth';
import { dataOf, jsonBody, ProblemSchema, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';
import { callerOf, requireIdentity, settle } from './authorize';

const CollectionParam = WorkspaceParam.extend({
  collection: z.string().regex(COLLECTION, 'lowercase letters, digits, _ and -'),
});
const RecordParam = CollectionParam.extend({ id: z.string().regex(RECORD_ID) });
const Data = z.record(z.string(), z.unknown());

export const RecordSchema = z
  .object({
    id: z.string(),
    data: Data,
    owner: z.string(),
    version: z.number().int(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Record');

const ListMetaSchema = z.object({
  strategy: z.enum(['sql', 'scan']),
  untranslated: z.array(z.string()),
  examined: z.number().int(),
  complete: z.boolean(),
  reason: z.string().optional(),
});
const ListResponse = z.object({
  data: z.array(RecordSchema),
  page: z.object({ nextCursor: z.string().nullable(), limit: z.number().int() }),
  meta: ListMetaSchema,
});

const errors = {
  400: { description: 'Malformed input', content: { 'application/problem+json': { schema: ProblemSchema } } },
  401: {
    description: 'Missing or invalid token',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  403: {
    description: 'Denied by policy (reasons included)',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  404: {
    description: 'No such record or workspace',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  412: {
    description: 'If-Match does not match the stored version',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
} as const;

function checkSize(data: Record<string, unknown>): void {
  if (JSON.stringify(data).length > MAX_RECORD_BYTES) {
    throw new VerdictError(
      'payload_too_large',
      413,
      `A record holds at most ${MAX_RECORD_BYTES} bytes of JSON`,
    );
  }
}

/** One audited decision; 401 for a refused token, 403 for a denial. Returns the caller's identity. */
async function enforce(
  c: Context<AppEnv>,
  ws: string,
  collection: string,
  action: string,
  record?: StoredRecord | Pick<StoredRecord, 'id' | 'data' | 'owner'>,
) {
  const outcome = await authorize(
    c.env,
    ws,
    bearerToken(c),
    [{ resource: collection, action, ...(record ? { record: policyView(record) } : {}) }],
    callerOf(c),
  );
  settle(c, outcome);
  const decision = outcome.decisions[0] as Decision;
  if (!decision.allowed) {
    throw new VerdictError('forbidden', 403, `Not allowed to ${action} in ${collection}`, {
      extensions: { decisionId: decision.decisionId, reasons: decision.reasons },
    });
  }
  return outcome.identity;
}

function version(c: Context<AppEnv>): number | undefined {
  const header = c.req.header('if-match');
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"?([0-9]+)"?$/.exec(header.trim());
  if (!m) throw badRequest('If-Match must be the record version, e.g. "3"');
  return Number(m[1]);
}

const preconditionFailed = () =>
  new VerdictError(
    'precondition_failed',
    412,
    'The record changed since you read it; read it again and retry',
  );
const withEtag = (r: StoredRecord) => ({ etag: `"${r.version}"`, 'cache-control': 'no-store' });

export const recordRoutes = router();

async function list(
  c: Context<AppEnv>,
  ws: string,
  collection: string,
  q: {
    where: ReturnType<typeof whereSql>;
    sort?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const identity = await enforce(c, ws, collection, 'list');
  const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (q.cursor !== undefined && !cursor) throw badRequest('The cursor is not valid');
  const snapshot = await snapshotFor(c.env, ws, Date.now());
  return listRecords({
    db: c.env.DB,
    ws,
    collection,
    snapshot,
    identity,
    now: Date.now(),
    where: q.where,
    sort: parseSort(q.sort),
    limit: q.limit,
    cursor,
  });
}

recordRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/records/{collection}',
    tags: ['Records'],
    summary: 'List the records you may read: ?where[field]=value&sort=-field&limit=50&cursor=…',
    security: [{ endUserJwt: [] }],
    request: {
      params: CollectionParam,
      query: z
        .object({
          sort: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(2000).optional(),
        })
        .passthrough(),
    },
    responses: {
      200: { description: 'A page', content: { 'application/json': { schema: ListResponse } } },
      ...errors,
    },
  }),
  async (c) => {
    const { ws, collection } = c.req.valid('param');
    const query = c.req.valid('query');
    const where = whereSql(whereFromQuery(c.req.query()));
    const page = await list(c, ws, collection, {
      where,
      sort: query.sort,
      limit: query.limit,
      cursor: query.cursor,
    });
    return c.json(
      { data: page.records, page: { nextCursor: page.nextCursor, limit: query.limit }, meta: page.meta },
      200,
      { 'cache-control': 'no-store' },
    );
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/records/{collection}/query',
    tags: ['Records'],
    summary: 'queryRecords: { where, sort, page: { limit, cursor }, select }',
    security: [{ endUserJwt: [] }],
    request: {
      params: CollectionParam,
      body: jsonBody(
        z
          .object({
            // Validated against the recursive WhereSchema in the handler (OpenAPI cannot render z.lazy).
            where: z
              .record(z.string(), z.unknown())
              .optional()
              .openapi({
                description:
                  'and / or / not over { field: { eq | ne | gt | gte | lt | lte | in | contains: value } }',
                example: { status: 'pending', amount: { lte: 1000 } },
              }),
            sort: z.string().max(200).optional(),
            page: z
              .object({
                limit: z.number().int().min(1).max(200).default(50),
                cursor: z.string().max(2000).optional(),
              })
              .strict()
              .optional(),
            select: z.array(z.string().max(256)).max(50).optional(),
          })
          .strict(),
      ),
    },
    responses: {
      200: { description: 'A page', content: { 'application/json': { schema: ListResponse } } },
      ...errors,
    },
  }),
  async (c) => {
    const { ws, collection } = c.req.valid('param');
    const body = c.req.valid('json');
    const limit = body.page?.limit ?? 50;
    const where = WhereSchema.safeParse(body.where ?? {});
    if (!where.success) {
      const errors = where.error.issues.map((i) => ({
        path: `where.${i.path.join('.')}`,
        message: i.message,
      }));
      throw badRequest('where is not a valid filter', errors);
    }
    const page = await list(c, ws, collection, {
      where: whereSql(where.data),
      sort: body.sort,
      limit,
      cursor: body.page?.cursor,
    });
    const select = body.select;
    const records = select
      ? page.records.map((r) => ({
          ...r,
          data: Object.fromEntries(select.filter((k) => k in r.data).map((k) => [k, r.data[k]])),
        }))
      : page.records;
    return c.json({ data: records, page: { nextCursor: page.nextCursor, limit }, meta: page.meta }, 200, {
      'cache-control': 'no-store',
    });
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/records/{collection}',
    tags: ['Records'],
    summary: 'Create a record (owner = your sub); the policy sees the new record as record.<field>',
    security: [{ endUserJwt: [] }],
    request: {
      params: CollectionParam,
      body: jsonBody(z.object({ id: z.string().regex(RECORD_ID).optional(), data: Data }).strict()),
    },
    responses: { 201: dataOf(RecordSchema, 'Created'), 409: errors[404], ...errors },
  }),
  async (c) => {
    const { ws, collection } = c.req.valid('param');
    const body = c.req.valid('json');
    checkSize(body.data);
    const id = body.id ?? `rec_${randomId(16)}`;
    // The owner is the caller, so the token is verified first.
    const owner = (await requireIdentity(c, ws, bearerToken(c), { resource: collection, action: 'create' }))
      .sub;
    await enforce(c, ws, collection, 'create', { id, data: body.data, owner });
    const now = Date.now();
    const record: StoredRecord = { id, data: body.data, owner, version: 1, createdAt: now, updatedAt: now };
    if (!(await insertRecord(c.env.DB, ws, collection, record)))
      throw new VerdictError('conflict', 409, `A record "${id}" already exists`);
    return c.json({ data: record }, 201, withEtag(record));
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/records/{collection}/{id}',
    tags: ['Records'],
    summary: 'Read a record',
    security: [{ endUserJwt: [] }],
    request: { params: RecordParam },
    responses: { 200: dataOf(RecordSchema, 'The record (ETag = version)'), ...errors },
  }),
  async (c) => {
    const { ws, collection, id } = c.req.valid('param');
    const record = await getRecord(c.env.DB, ws, collection, id);
    if (!record) {
      // Absent is a 404, once the caller's token is known to be valid.
      await requireIdentity(c, ws, bearerToken(c), { resource: collection, action: 'read' });
      throw notFound('Record');
    }
    await enforce(c, ws, collection, 'read', record);
    return c.json({ data: record }, 200, withEtag(record));
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/workspaces/{ws}/records/{collection}/{id}',
    tags: ['Records'],
    summary: 'Merge fields into a record (null removes a field); If-Match: "<version>" → 412 on conflict',
    security: [{ endUserJwt: [] }],
    request: { params: RecordParam, body: jsonBody(z.object({ data: Data }).strict()) },
    responses: { 200: dataOf(RecordSchema, 'Updated'), ...errors },
  }),
  async (c) => {
    const { ws, collection, id } = c.req.valid('param');
    const patch = c.req.valid('json').data;
    const expected = version(c);
    const current = await getRecord(c.env.DB, ws, collection, id);
    if (!current) throw notFound('Record');
    if (expected !== undefined && expected !== current.version) throw preconditionFailed();
    const merged: Record<string, unknown> = { ...current.data };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    checkSize(merged);
    // Both the record as it is and as it would become must be updatable by the caller.
    await enforce(c, ws, collection, 'update', current);
    await enforce(c, ws, collection, 'update', { ...current, data: merged });
    const now = Date.now();
    if (!(await updateRecord(c.env.DB, ws, collection, id, merged, current.version, now)))
      throw preconditionFailed();
    const updated = { ...current, data: merged, version: current.version + 1, updatedAt: now };
    return c.json({ data: updated }, 200, withEtag(updated));
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/records/{collection}/{id}',
    tags: ['Records'],
    summary: 'Delete a record (If-Match optional)',
    security: [{ endUserJwt: [] }],
    request: { params: RecordParam },
    responses: { 204: { description: 'Deleted' }, ...errors },
  }),
  async (c) => {
    const { ws, collection, id } = c.req.valid('param');
    const expected = version(c);
    const current = await getRecord(c.env.DB, ws, collection, id);
    if (!current) throw notFound('Record');
    if (expected !== undefined && expected !== current.version) throw preconditionFailed();
    await enforce(c, ws, collection, 'delete', current);
    if (!(await deleteRecord(c.env.DB, ws, collection, id, current.version))) throw preconditionFailed();
    return c.body(null, 204);
  },
);
