/** Workspaces (root key) and their settings (admin), and the workspace's API keys. */
import { createRoute, z } from '@hono/zod-openapi';
import { routePatternProblem } from '../../decision/route-map';
import { forgetAbsence, publishSnapshot } from '../../decision/snapshot';
import { badRequest, conflict, forbidden, notFound } from '../../lib/errors';
import { listKeys, mintKey, revokeKey, type Scope, ScopeSchema } from '../../storage/api-keys';
import { database, isUniqueViolation } from '../../storage/db';
import { apiKeys } from '../../storage/schema';
import {
  insertWorkspaceStatement,
  RouteMapEntrySchema,
  updateWorkspace,
  WORKSPACE_ID,
  type Workspace,
} from '../../storage/workspaces';
import { requireKey, requireRoot } from '../middleware/auth';
import { adminErrors, dataOf, jsonBody, router, WorkspaceParam } from '../openapi';

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const Timezone = z.string().max(64).refine(isValidTimezone, 'Unknown IANA timezone');

export const WorkspaceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    auditRetentionDays: z.number().int(),
    redactKeys: z.array(z.string()),
    routeMap: z.array(RouteMapEntrySchema),
    createdAt: z.number().int(),
  })
  .openapi('Workspace');

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(ScopeSchema),
    createdAt: z.number().int(),
    lastUsedAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .openapi('ApiKey');

/** A workspace as the API shows it: without its cursor key. */
function publicView(ws: Workspace): z.infer<typeof WorkspaceSchema> {
  const { cursorKey: _secret, ...view } = ws;
  return view;
}

const CreatedKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The secret. Shown once; store it now.' }),
});

const CreateWorkspace = z
  .object({
    id: z
      .string()
      .regex(WORKSPACE_ID, 'Lowercase letters, digits and dashes, 2–63 characters')
      .openapi({ example: 'acme' }),
    name: z.string().min(1).max(200).openapi({ example: 'Acme Inc.' }),
    timezone: Timezone.optional().openapi({ example: 'Europe/Paris' }),
  })
  .strict();

const UpdateWorkspace = z
  .object({
    name: z.string().min(1).max(200).optional(),
    timezone: Timezone.optional(),
    auditRetentionDays: z.number().int().min(1).max(3650).optional(),
    redactKeys: z.array(z.string().min(1).max(128)).max(100).optional(),
    routeMap: z.array(RouteMapEntrySchema).max(500).optional(),
  })
  .strict();

const CreateKey = z
  .object({
    name: z.string().min(1).max(200),
    scopes: z.array(ScopeSchema).min(1).max(20),
  })
  .strict();

export const workspaceRoutes = router();

workspaceRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces',
    tags: ['Workspaces'],
    summary: 'Create a workspace and its first admin key (root key)',
    middleware: [requireRoot()] as const,
    request: { body: jsonBody(CreateWorkspace) },
    responses: {
      201: dataOf(z.object({ workspace: WorkspaceSchema, apiKey: CreatedKeySchema }), 'Created'),
      ...adminErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const db = database(c.env.DB);
    const now = Date.now();
    const ws = {
      id: body.id,
      name: body.name,
      timezone: body.timezone ?? 'UTC',
      auditRetentionDays: 90,
      createdAt: now,
    };
    const minted = await mintKey(ws.id, 'initial admin key', ['admin'], now);
    try {
      await db.batch([insertWorkspaceStatement(db, ws), db.insert(apiKeys).values(minted.row)]);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`Workspace "${ws.id}" already exists`);
      throw err;
    }
    forgetAbsence(ws.id);
    return c.json(
      {
        data: {
          workspace: { ...ws, redactKeys: [], routeMap: [] },
          apiKey: { ...minted.record, key: minted.key },
        },
      },
      201,
    );
  },
);

workspaceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}',
    tags: ['Workspaces'],
    summary: 'Read the workspace',
    middleware: [requireKey('admin')] as const,
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(WorkspaceSchema, 'The workspace'), ...adminErrors },
  }),
  (c) => c.json({ data: publicView(c.get('workspace')) }, 200),
);

workspaceRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/workspaces/{ws}',
    tags: ['Workspaces'],
    summary: 'Update settings: timezone, audit retention, redacted context keys, forward-auth route map',
    middleware: [requireKey('admin')] as const,
    request: { params: WorkspaceParam, body: jsonBody(UpdateWorkspace) },
    responses: { 200: dataOf(WorkspaceSchema, 'The updated workspace'), ...adminErrors },
  }),
  async (c) => {
    const patch = c.req.valid('json');
    const problems = (patch.routeMap ?? []).flatMap((r, i) => {
      const problem = routePatternProblem(r.path);
      return problem ? [{ path: `routeMap.${i}.path`, message: problem }] : [];
    });
    if (problems.length > 0)
      throw badRequest('The route map has patterns that cannot be matched safely', problems);
    const updated = await updateWorkspace(database(c.env.DB), c.get('workspace').id, patch);
    if (!updated) throw notFound('Workspace');
    // The snapshot carries the timezone, redaction keys and route map.
    await publishSnapshot(c.env, updated.id);
    return c.json({ data: publicView(updated) }, 200);
  },
);

workspaceRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/api-keys',
    tags: ['API keys'],
    summary: 'Create a scoped key (the secret is returned once)',
    middleware: [requireKey('keys:write')] as const,
    request: { params: WorkspaceParam, body: jsonBody(CreateKey) },
    responses: { 201: dataOf(CreatedKeySchema, 'Created'), ...adminErrors },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const caller = c.get('apiKey');
    // A key may only hand out scopes it holds itself (admin holds them all).
    const allowed = (s: Scope) => caller.scopes.includes('admin') || caller.scopes.includes(s);
    const denied = body.scopes.filter((s) => !allowed(s));
    if (denied.length > 0) {
      throw forbidden(`This key cannot grant scopes it does not hold: ${denied.join(', ')}`);
    }
    const minted = await mintKey(c.get('workspace').id, body.name, [...new Set(body.scopes)], Date.now());
    await database(c.env.DB).insert(apiKeys).values(minted.row);
    return c.json({ data: { ...minted.record, key: minted.key } }, 201);
  },
);

workspaceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/api-keys',
    tags: ['API keys'],
    summary: 'List keys (never the secrets)',
    middleware: [requireKey('keys:write')] as const,
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(ApiKeySchema), 'Keys'), ...adminErrors },
  }),
  async (c) => c.json({ data: await listKeys(database(c.env.DB), c.get('workspace').id) }, 200),
);

workspaceRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/api-keys/{id}',
    tags: ['API keys'],
    summary:
      'Revoke a key (effective on the next request): only keys within your own scopes, never the last admin key',
    middleware: [requireKey('keys:write')] as const,
    request: { params: WorkspaceParam.extend({ id: z.string().max(64) }) },
    responses: {
      204: { description: 'Revoked' },
      409: { description: 'The last admin key' },
      ...adminErrors,
    },
  }),
  async (c) => {
    const result = await revokeKey(
      c.env.DB,
      c.get('workspace').id,
      c.req.valid('param').id,
      c.get('apiKey').scopes,
      Date.now(),
    );
    switch (result) {
      case 'revoked':
        return c.body(null, 204);
      case 'not_found':
        throw notFound('API key');
      case 'exceeds_scopes':
        throw forbidden('This key cannot revoke a key with scopes it does not hold');
      case 'last_admin':
        throw conflict('This is the workspace’s last admin key; create another admin key first');
    }
  },
);
