/**
 * Policy-enforced records, called with the end user's JWT (src/records/access.ts decides:
 * token first, then the policy, then existence and preconditions). Every call is an
 * audited decision; lists return only the rows the caller may read.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  COLLECTION,
  CreateRecordSchema,
  ImportRecordsSchema,
  MAX_CURSOR_LENGTH,
  PatchRecordSchema,
  RECORD_ID,
  RecordPageSchema,
  RecordQuerySchema,
  RecordSchema,
  type VerdictRecord,
  WhereSchema,
} from '../../contract';
import { badRequest } from '../../lib/errors';
import {
  createRecord,
  importRecords,
  pageOfRecords,
  patchRecord,
  readRecord,
  removeRecord,
} from '../../records/access';
import { parseSort, whereFromQuery, whereSql } from '../../records/query';
import { decisionRequest } from '../decision-request';
import { adminErrors, dataOf, errors, jsonBody, jsonOf, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';

const CollectionParam = WorkspaceParam.extend({
  collection: z.string().regex(COLLECTION, 'lowercase letters, digits, _ and -'),
});
const RecordParam = CollectionParam.extend({ id: z.string().regex(RECORD_ID) });

const recordErrors = {
  400: errors.badRequest,
  401: errors.unauthorized,
  403: errors.forbidden,
  404: errors.notFound,
  412: errors.precondition,
  413: errors.tooLarge,
  415: errors.unsupported,
} as const;

function version(c: Context<AppEnv>): number | undefined {
  const header = c.req.header('if-match');
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"?([0-9]+)"?$/.exec(header.trim());
  if (!m) throw badRequest('If-Match must be the record version, e.g. "3"');
  return Number(m[1]);
}

const withEtag = (r: VerdictRecord) => ({ etag: `"${r.version}"`, 'cache-control': 'no-store' });

export const recordRoutes = router();

recordRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/records/{collection}',
    operationId: 'listRecords',
    tags: ['Records'],
    summary: 'List the records you may read: ?where[field]=value&sort=-field&limit=50&cursor=…',
    security: [{ endUserJwt: [] }],
    request: {
      params: CollectionParam,
      query: z
        .object({
          sort: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(MAX_CURSOR_LENGTH).optional(),
        })
        .passthrough(),
    },
    responses: { 200: jsonOf(RecordPageSchema, 'A page'), ...recordErrors },
  }),
  async (c) => {
    const { ws, collection } = c.req.valid('param');
    const query = c.req.valid('query');
    const page = await pageOfRecords(decisionRequest(c, ws), collection, {
      where: whereSql(whereFromQuery(c.req.query())),
      sort: parseSort(query.sort),
      limit: query.limit,
      cursor: query.cursor,
    });
    return c.json(
      { data: page.records, page: { nextCursor: page.nextCursor, limit: query.limit }, meta: page.meta },
      200,
      {
        'cache-control': 'no-store',
      },
    );
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/records/{collection}/query',
    operationId: 'queryRecords',
    tags: ['Records'],
    summary: 'queryRecords: { where, sort, page: { limit, cursor }, select }',
    security: [{ endUserJwt: [] }],
    request: { params: CollectionParam, body: jsonBody(RecordQuerySchema) },
    responses: { 200: jsonOf(RecordPageSchema, 'A page'), ...recordErrors },
  }),
  async (c) => {
    const { ws, collection } = c.req.valid('param');
    const body = c.req.valid('json');
    const limit = body.page?.limit ?? 50;
    const where = WhereSchema.safeParse(body.where ?? {});
    if (!where.success) {
      const issues = where.error.issues.map((i) => ({
        path: `where.${i.path.join('.')}`,
        message: i.message,
      }));
      throw badRequest('where is not a valid filter', issues);
    }
    const page = await pageOfRecords(decisionRequest(c, ws), collection, {
      where: whereSql(where.data),
      sort: parseSort(body.sort),
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
    operationId: 'createRecord',
    tags: ['Records'],
    summary: 'Create a record (owner = your sub); the policy sees the new record as record.<field>',
    security: [{ endUserJwt: [] }],
    request: { params: CollectionParam, body: jsonBody(CreateRecordSchema) },
    responses: { 201: dataOf(RecordSchema, 'Created'), 409: errors.conflict, ...recordErrors },
  }),
  async (c) => {
    const { ws, collection } = c.req.valid('param');
    const record = await createRecord(decisionRequest(c, ws), collection, c.req.valid('json'));
    return c.json({ data: record }, 201, withEtag(record));
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/records/{collection}/{id}',
    operationId: 'getRecord',
    tags: ['Records'],
    summary: 'Read a record',
    security: [{ endUserJwt: [] }],
    request: { params: RecordParam },
    responses: { 200: dataOf(RecordSchema, 'The record (ETag = version)'), ...recordErrors },
  }),
  async (c) => {
    const { ws, collection, id } = c.req.valid('param');
    const record = await readRecord(decisionRequest(c, ws), collection, id);
    return c.json({ data: record }, 200, withEtag(record));
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/workspaces/{ws}/records/{collection}/{id}',
    operationId: 'updateRecord',
    tags: ['Records'],
    summary: 'Merge fields into a record (null removes a field); If-Match: "<version>" → 412 on conflict',
    security: [{ endUserJwt: [] }],
    request: { params: RecordParam, body: jsonBody(PatchRecordSchema) },
    responses: { 200: dataOf(RecordSchema, 'Updated'), ...recordErrors },
  }),
  async (c) => {
    const { ws, collection, id } = c.req.valid('param');
    const updated = await patchRecord(
      decisionRequest(c, ws),
      collection,
      id,
      c.req.valid('json').data,
      version(c),
    );
    return c.json({ data: updated }, 200, withEtag(updated));
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/records/{collection}/{id}',
    operationId: 'deleteRecord',
    tags: ['Records'],
    summary: 'Delete a record (If-Match optional)',
    security: [{ endUserJwt: [] }],
    request: { params: RecordParam },
    responses: { 204: { description: 'Deleted' }, ...recordErrors },
  }),
  async (c) => {
    const { ws, collection, id } = c.req.valid('param');
    await removeRecord(decisionRequest(c, ws), collection, id, version(c));
    return c.body(null, 204);
  },
);

recordRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/records/{collection}/import',
    operationId: 'importRecords',
    tags: ['Records'],
    summary: 'Insert or replace records by id with an API key (records:write): no end-user token, no policy',
    description:
      'For data the application owns rather than its users, such as the subject directory that trusted-PEP AuthZEN calls read (workspace setting pepSubjects). A replaced record’s version goes up by one; owner defaults to the record id.',
    request: { params: CollectionParam, body: jsonBody(ImportRecordsSchema) },
    responses: {
      200: dataOf(z.object({ imported: z.number().int() }), 'How many records were written'),
      ...adminErrors,
    },
  }),
  async (c) => {
    const { ws, collection } = c.req.valid('param');
    return c.json({ data: await importRecords(c.env.DB, ws, collection, c.req.valid('json')) }, 200);
  },
);
