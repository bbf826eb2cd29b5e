/**
 * Policy-enforced records, called with the end user's JWT. Every call is an
 * authorization decision (resource = collection, action = read | list | create |
 * update | delete, record.<field> = the record) and is audited. Lists return only the
 * rows the caller may read (see src/records/list-records.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { badRequest } from '../../lib/errors';
import { createRecord, pageOfRecords, patchRecord, readRecord, removeRecord } from '../../records/access';
import { MAX_CURSOR_LENGTH } from '../../records/cursor';
import { parseSort, WhereSchema, whereFromQuery, whereSql } from '../../records/query';
import { COLLECTION, RECORD_ID, type StoredRecord } from '../../records/store';
import { dataOf, jsonBody, ProblemSchema, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';
import { decisionRequest } from './authorize';

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
  complete: z.boolean(),
  reason: z.enum(['scan_budget']).optional(),
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

function version(c: Context<AppEnv>): number | undefined {
  const header = c.req.header('if-match');
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"?([0-9]+)"?$/.exec(header.trim());
  if (!m) throw badRequest('If-Match must be the record version, e.g. "3"');
  return Number(m[1]);
}

const withEtag = (r: StoredRecord) => ({ etag: `"${r.version}"`, 'cache-control': 'no-store' });

export const recordRoutes = router();

const recordsRequest = (c: Context<AppEnv>, ws: string) => decisionRequest(c, ws);

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
          cursor: z.string().max(MAX_CURSOR_LENGTH).optional(),
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
    const page = await pageOfRecords(recordsRequest(c, ws), collection, {
      where,
      sort: parseSort(query.sort),
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
                cursor: z.string().max(MAX_CURSOR_LENGTH).optional(),
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
    const page = await pageOfRecords(recordsRequest(c, ws), collection, {
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
    const record = await createRecord(recordsRequest(c, ws), collection, c.req.valid('json'));
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
    const record = await readRecord(recordsRequest(c, ws), collection, id);
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
    const updated = await patchRecord(
      recordsRequest(c, ws),
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
    tags: ['Records'],
    summary: 'Delete a record (If-Match optional)',
    security: [{ endUserJwt: [] }],
    request: { params: RecordParam },
    responses: { 204: { description: 'Deleted' }, ...errors },
  }),
  async (c) => {
    const { ws, collection, id } = c.req.valid('param');
    await removeRecord(recordsRequest(c, ws), collection, id, version(c));
    return c.body(null, 204);
  },
);
