/** The audit trail: query, export, aggregates, dead letters. */
import { createRoute, z } from '@hono/zod-openapi';
import { DAY_MS, hotWindowStart } from '../../audit/archive';
import { listDeadLetters, replayDeadLetters } from '../../audit/dead-letters';
import { redactStored } from '../../audit/event';
import { auditStats, decodeCursor, exportAudit, getAuditEvent, queryAudit } from '../../audit/queries';
import {
  AuditEventSchema,
  AuditFiltersSchema,
  AuditPageSchema,
  AuditQuerySchema,
  AuditStatsSchema,
  InstantSchema,
  MAX_INSTANT_MS,
} from '../../contract';
import { badRequest, notFound } from '../../lib/errors';
import { adminErrors, dataOf, jsonOf, router, WorkspaceParam } from '../openapi';

export const auditRoutes = router();

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/audit',
    operationId: 'getAudit',
    tags: ['Audit'],
    summary: 'Decisions, newest first, with filters and a cursor',
    request: {
      params: WorkspaceParam,
      query: AuditQuerySchema,
    },
    responses: { 200: jsonOf(AuditPageSchema, 'A page of events'), ...adminErrors },
  }),
  async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    const decoded = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !decoded)
      throw badRequest('The cursor is not valid', [
        { path: 'cursor', message: 'not a cursor from this API' },
      ]);
    const workspace = c.get('workspace');
    const page = await queryAudit(c.env.DB, workspace.id, filter, limit, decoded);
    const redact = new Set(workspace.redactKeys);
    const hotStart = hotWindowStart(workspace.auditRetentionDays, Date.now());
    return c.json(
      {
        data: page.events.map((e) => redactStored(e, redact)),
        nextCursor: page.nextCursor,
        hotWindowStart: hotStart,
        pastHotWindow: (filter.from ?? 0) < hotStart,
      },
      200,
    );
  },
);

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/audit/export',
    operationId: 'exportAudit',
    tags: ['Audit'],
    summary: 'Every matching event, newest first, from D1 and the R2 archive, streamed as NDJSON or CSV',
    description:
      'The hot window (the workspace’s auditRetentionDays) is read from D1, older events from the archive (gzip NDJSON partitions by workspace, date and hour), each decision once and in order (time, then decision id, descending). Chunked transfer: count lines for progress.',
    request: {
      params: WorkspaceParam,
      query: AuditFiltersSchema.extend({ format: z.enum(['ndjson', 'csv']).default('ndjson') }),
    },
    responses: { 200: { description: 'The export stream' }, ...adminErrors },
  }),
  (c) => {
    const { format, ...filter } = c.req.valid('query');
    const workspace = c.get('workspace');
    const ws = workspace.id;
    const archive = {
      bucket: c.env.ARCHIVE,
      hotStart: hotWindowStart(workspace.auditRetentionDays, Date.now()),
    };
    const redact = new Set(workspace.redactKeys);
    return new Response(exportAudit(c.env.DB, ws, filter, format, archive, redact), {
      headers: {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="audit-${ws}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
        'cache-control': 'no-store',
      },
    });
  },
);

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/audit/stats',
    operationId: 'auditStats',
    tags: ['Audit'],
    summary: 'Allow/deny per hour, top denied subjects and top resources (default: last 24 h)',
    request: { params: WorkspaceParam, query: z.object({ from: InstantSchema, to: InstantSchema }) },
    responses: { 200: dataOf(AuditStatsSchema, 'Aggregates'), ...adminErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const to = q.to ?? Date.now();
    // The default day back stays a date even from the earliest instant there is.
    const from = q.from ?? Math.max(to - DAY_MS, -MAX_INSTANT_MS);
    const stats = await auditStats(c.env.DB, c.get('workspace').id, from, to);
    return c.json(
      {
        data: {
          ...stats,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
        },
      },
      200,
    );
  },
);

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/audit/dead-letters',
    operationId: 'listDeadLetters',
    tags: ['Audit'],
    summary: 'Audit messages that exhausted their retries',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(z.record(z.string(), z.unknown())), 'Parked messages'), ...adminErrors },
  }),
  async (c) => c.json({ data: await listDeadLetters(c.env.DB, c.get('workspace').id) }, 200),
);

auditRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/audit/dead-letters/replay',
    operationId: 'replayDeadLetters',
    tags: ['Audit'],
    summary: 'Write parked events to the audit trail (idempotent) and drop them from the parking table',
    request: { params: WorkspaceParam },
    responses: {
      200: dataOf(z.object({ replayed: z.number().int(), kept: z.number().int() }), 'Result'),
      ...adminErrors,
    },
  }),
  async (c) => c.json({ data: await replayDeadLetters(c.env.DB, c.get('workspace').id) }, 200),
);

// Registered last: /audit/export, /audit/stats and /audit/dead-letters match first.
auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/audit/{decisionId}',
    operationId: 'getAuditEvent',
    tags: ['Audit'],
    summary: 'One decision as it was audited: input (redacted), reasons, policy and rule',
    request: {
      params: WorkspaceParam.extend({
        decisionId: z
          .string()
          .regex(/^dec_[a-z0-9]{1,40}$/)
          .openapi({ example: 'dec_mwu2f9roe3360f0ddf872890' }),
      }),
    },
    responses: { 200: dataOf(AuditEventSchema, 'The event'), ...adminErrors },
  }),
  async (c) => {
    const workspace = c.get('workspace');
    const event = await getAuditEvent(c.env.DB, workspace.id, c.req.valid('param').decisionId);
    if (!event) throw notFound('Decision (the audit trail may lag a few seconds)');
    return c.json({ data: redactStored(event, new Set(workspace.redactKeys)) }, 200);
  },
);
