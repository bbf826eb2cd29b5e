/** The audit trail: query, export, aggregates, dead letters. */
import { createRoute, z } from '@hono/zod-openapi';
import type { AuditEvent } from '../../audit/event';
import { producerCounters } from '../../audit/producer';
import { auditStats, decodeCursor, exportAudit, queryAudit } from '../../audit/queries';
import { insertEvents } from '../../audit/store';
import { badRequest } from '../../lib/errors';
import { requireKey } from '../middleware/auth';
import { adminErrors, dataOf, router, WorkspaceParam } from '../openapi';

const Instant = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const n = /^[0-9]+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: 'an ISO 8601 instant or epoch milliseconds' });
      return z.NEVER;
    }
    return n;
  })
  .openapi({ type: 'string', example: '2026-11-22T00:00:00Z' });

const Filters = z.object({
  subject: z.string().max(256).optional(),
  resource: z.string().max(128).optional(),
  action: z.string().max(128).optional(),
  decision: z.enum(['Allow', 'Deny']).optional(),
  from: Instant,
  to: Instant,
});

const AuditEventSchema = z.record(z.string(), z.unknown()).openapi('AuditEvent');

export const auditRoutes = router();

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/audit',
    tags: ['Audit'],
    summary: 'Decisions, newest first, with filters and a cursor',
    middleware: [requireKey('audit:read')] as const,
    request: {
      params: WorkspaceParam,
      query: Filters.extend({
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: z.string().max(200).optional(),
      }),
    },
    responses: {
      200: {
        description: 'A page of events',
        content: {
          'application/json': {
            schema: z.object({ data: z.array(AuditEventSchema), nextCursor: z.string().nullable() }),
          },
        },
      },
      ...adminErrors,
    },
  }),
  async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    const decoded = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !decoded)
      throw badRequest('The cursor is not valid', [
        { path: 'cursor', message: 'not a cursor from this API' },
      ]);
    const page = await queryAudit(c.env.DB, c.get('workspace').id, filter, limit, decoded);
    return c.json(
      { data: page.events as unknown as Record<string, unknown>[], nextCursor: page.nextCursor },
      200,
    );
  },
);

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/audit/export',
    tags: ['Audit'],
    summary: 'Every matching event, streamed as NDJSON or CSV',
    middleware: [requireKey('audit:read')] as const,
    request: {
      params: WorkspaceParam,
      query: Filters.extend({ format: z.enum(['ndjson', 'csv']).default('ndjson') }),
    },
    responses: { 200: { description: 'The export stream' }, ...adminErrors },
  }),
  (c) => {
    const { format, ...filter } = c.req.valid('query');
    const ws = c.get('workspace').id;
    return new Response(exportAudit(c.env.DB, ws, filter, format), {
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
    tags: ['Audit'],
    summary:
      'Allow/deny per hour and top denied subjects (default: last 24 h); producer counters of this isolate',
    middleware: [requireKey('audit:read')] as const,
    request: { params: WorkspaceParam, query: z.object({ from: Instant, to: Instant }) },
    responses: { 200: dataOf(z.record(z.string(), z.unknown()), 'Aggregates'), ...adminErrors },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const to = q.to ?? Date.now();
    const from = q.from ?? to - 86_400_000;
    const stats = await auditStats(c.env.DB, c.get('workspace').id, from, to);
    return c.json(
      {
        data: {
          ...stats,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          producer: { ...producerCounters },
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
    tags: ['Audit'],
    summary: 'Audit messages that exhausted their retries',
    middleware: [requireKey('admin')] as const,
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(z.record(z.string(), z.unknown())), 'Parked messages'), ...adminErrors },
  }),
  async (c) => {
    const rows = await c.env.DB.prepare(
      'SELECT id, body, received_at AS receivedAt FROM audit_dead_letters WHERE workspace_id = ? ORDER BY received_at LIMIT 500',
    )
      .bind(c.get('workspace').id)
      .all<{ id: string; body: string; receivedAt: number }>();
    return c.json(
      { data: rows.results.map((r) => ({ id: r.id, receivedAt: r.receivedAt, body: JSON.parse(r.body) })) },
      200,
    );
  },
);

auditRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/audit/dead-letters/replay',
    tags: ['Audit'],
    summary: 'Write parked events to the audit trail (idempotent) and drop them from the parking table',
    middleware: [requireKey('admin')] as const,
    request: { params: WorkspaceParam },
    responses: {
      200: dataOf(z.object({ replayed: z.number().int(), kept: z.number().int() }), 'Result'),
      ...adminErrors,
    },
  }),
  async (c) => {
    const ws = c.get('workspace').id;
    const rows = await c.env.DB.prepare(
      'SELECT id, body FROM audit_dead_letters WHERE workspace_id = ? LIMIT 500',
    )
      .bind(ws)
      .all<{ id: string; body: string }>();
    let replayed = 0;
    let kept = 0;
    for (const r of rows.results) {
      const body = JSON.parse(r.body) as AuditEvent;
      try {
        if (body?.workspaceId !== ws || typeof body.decisionId !== 'string')
          throw new Error('not an event of this workspace');
        await insertEvents(c.env.DB, [body]);
        await c.env.DB.prepare('DELETE FROM audit_dead_letters WHERE id = ?').bind(r.id).run();
        replayed++;
      } catch {
        kept++;
      }
    }
    return c.json({ data: { replayed, kept } }, 200);
  },
);
