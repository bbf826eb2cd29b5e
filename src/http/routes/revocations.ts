/**
 * Revocation: deny a `sub` or a token `jti` at once. The denylist travels in the
 * workspace snapshot: the isolate that takes the write applies it on its next
 * decision; other isolates within POLICY_REVALIDATE_MS plus KV propagation.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { publishSnapshot } from '../../decision/snapshot';
import { conflict, notFound } from '../../lib/errors';
import { database } from '../../storage/db';
import { deleteRevocation, listRevocations, upsertRevocation } from '../../storage/revocations';
import { requireKey } from '../middleware/auth';
import { adminErrors, dataOf, jsonBody, router, WorkspaceParam } from '../openapi';

const RevocationSchema = z
  .object({
    kind: z.enum(['sub', 'jti']),
    value: z.string().min(1).max(512),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Lift the revocation at this instant (default: never)' }),
  })
  .strict();

const RevocationOut = z
  .object({
    kind: z.enum(['sub', 'jti']),
    value: z.string(),
    expiresAt: z.number().int().nullable(),
    createdAt: z.number().int(),
  })
  .openapi('Revocation');

/** Revocations in force per workspace (each is checked on every decision, from the snapshot). */
export const MAX_REVOCATIONS = 10_000;

export const revocationRoutes = router();

revocationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/revocations',
    tags: ['Revocation'],
    summary: 'Deny a subject or a token id on every decision',
    middleware: [requireKey('revocations:write')] as const,
    request: { params: WorkspaceParam, body: jsonBody(RevocationSchema) },
    responses: { 201: dataOf(RevocationOut, 'Revoked'), ...adminErrors },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const ws = c.get('workspace').id;
    const now = Date.now();
    const r = {
      kind: body.kind,
      value: body.value,
      expiresAt: body.expiresAt ? Date.parse(body.expiresAt) : null,
      createdAt: now,
    };
    const db = database(c.env.DB);
    // The denylist travels in the workspace snapshot: bounded, and expired entries do not count.
    const live = (await listRevocations(db, ws)).filter(
      (x) => (x.expiresAt === null || x.expiresAt > now) && !(x.kind === r.kind && x.value === r.value),
    );
    if (live.length >= MAX_REVOCATIONS)
      throw conflict(`At most ${MAX_REVOCATIONS} revocations are in force at once; lift expired or old ones`);
    await upsertRevocation(db, ws, r);
    await publishSnapshot(c.env, ws, now);
    return c.json({ data: r }, 201);
  },
);

revocationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/revocations',
    tags: ['Revocation'],
    summary: 'List revocations',
    middleware: [requireKey('revocations:write')] as const,
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(RevocationOut), 'Revocations'), ...adminErrors },
  }),
  async (c) => c.json({ data: await listRevocations(database(c.env.DB), c.get('workspace').id) }, 200),
);

revocationRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/revocations/{kind}/{value}',
    tags: ['Revocation'],
    summary: 'Lift a revocation',
    middleware: [requireKey('revocations:write')] as const,
    request: {
      params: WorkspaceParam.extend({ kind: z.enum(['sub', 'jti']), value: z.string().min(1).max(512) }),
    },
    responses: { 204: { description: 'Lifted' }, ...adminErrors },
  }),
  async (c) => {
    const { kind, value } = c.req.valid('param');
    const ws = c.get('workspace').id;
    if (!(await deleteRevocation(database(c.env.DB), ws, kind, value))) throw notFound('Revocation');
    await publishSnapshot(c.env, ws);
    return c.body(null, 204);
  },
);
