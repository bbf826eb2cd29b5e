/** Auth providers (bring your own token): CRUD with registration-time checks. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { publishSnapshot } from '../../decision/snapshot';
import { flag } from '../../env';
import { forgetKeys } from '../../identity/jwks-cache';
import { ProviderInputSchema, publicProvider } from '../../identity/provider-schema';
import { registerProvider } from '../../identity/register-provider';
import { conflict, notFound } from '../../lib/errors';
import { database, isUniqueViolation } from '../../storage/db';
import {
  deleteProvider,
  getProvider,
  insertProvider,
  listProviders,
  updateProvider,
} from '../../storage/providers';
import { requireKey } from '../middleware/auth';
import { adminErrors, dataOf, jsonBody, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';

const ProviderOut = ProviderInputSchema.omit({ hsSecret: true })
  .extend({
    id: z.string(),
    resolvedJwksUri: z.string().nullable(),
    keyFormat: z.enum(['jwks', 'x509']),
    hasHsSecret: z.boolean(),
  })
  .openapi('AuthProvider');

const IdParam = WorkspaceParam.extend({ id: z.string().max(64) });
const problem422 = {
  422: { description: 'Invalid provider', content: { 'application/problem+json': { schema: z.any() } } },
};

const registerOpts = (c: Context<AppEnv>) => ({
  allowHttp: flag(c.env.ALLOW_HTTP_ISSUERS),
  devIdp: flag(c.env.DEV_IDP),
});

export const providerRoutes = router();

providerRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/auth-providers',
    tags: ['Auth providers'],
    summary: 'Register an IdP: checks discovery, the exact issuer and the key set before accepting it',
    middleware: [requireKey('providers:write')] as const,
    request: { params: WorkspaceParam, body: jsonBody(ProviderInputSchema) },
    responses: { 201: dataOf(ProviderOut, 'Registered'), ...problem422, ...adminErrors },
  }),
  async (c) => {
    const provider = await registerProvider(c.req.valid('json'), undefined, registerOpts(c));
    const ws = c.get('workspace').id;
    try {
      await insertProvider(database(c.env.DB), ws, provider, Date.now());
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict('A provider with this name or issuer already exists in the workspace');
      throw err;
    }
    await publishSnapshot(c.env, ws);
    return c.json({ data: publicProvider(provider) }, 201);
  },
);

providerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/auth-providers',
    tags: ['Auth providers'],
    summary: 'List providers',
    middleware: [requireKey('providers:read')] as const,
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(ProviderOut), 'Providers'), ...adminErrors },
  }),
  async (c) =>
    c.json(
      { data: (await listProviders(database(c.env.DB), c.get('workspace').id)).map(publicProvider) },
      200,
    ),
);

providerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/auth-providers/{id}',
    tags: ['Auth providers'],
    summary: 'Read a provider',
    middleware: [requireKey('providers:read')] as const,
    request: { params: IdParam },
    responses: { 200: dataOf(ProviderOut, 'The provider'), ...adminErrors },
  }),
  async (c) => {
    const p = await getProvider(database(c.env.DB), c.get('workspace').id, c.req.valid('param').id);
    if (!p) throw notFound('Auth provider');
    return c.json({ data: publicProvider(p) }, 200);
  },
);

providerRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/workspaces/{ws}/auth-providers/{id}',
    tags: ['Auth providers'],
    summary: 'Replace a provider (same checks as registration)',
    middleware: [requireKey('providers:write')] as const,
    request: { params: IdParam, body: jsonBody(ProviderInputSchema) },
    responses: { 200: dataOf(ProviderOut, 'Updated'), ...problem422, ...adminErrors },
  }),
  async (c) => {
    const db = database(c.env.DB);
    const ws = c.get('workspace').id;
    const { id } = c.req.valid('param');
    const existing = await getProvider(db, ws, id);
    if (!existing) throw notFound('Auth provider');
    const body = c.req.valid('json');
    // Keep the stored secret when the update does not send one.
    const provider = await registerProvider(
      { ...body, hsSecret: body.hsSecret ?? existing.hsSecret },
      id,
      registerOpts(c),
    );
    try {
      await updateProvider(db, ws, provider, Date.now());
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict('A provider with this name or issuer already exists in the workspace');
      throw err;
    }
    if (existing.resolvedJwksUri) forgetKeys(existing.resolvedJwksUri);
    await publishSnapshot(c.env, ws);
    return c.json({ data: publicProvider(provider) }, 200);
  },
);

providerRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/auth-providers/{id}',
    tags: ['Auth providers'],
    summary: 'Remove a provider: its tokens are refused from the next decision on',
    middleware: [requireKey('providers:write')] as const,
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' }, ...adminErrors },
  }),
  async (c) => {
    const ws = c.get('workspace').id;
    if (!(await deleteProvider(database(c.env.DB), ws, c.req.valid('param').id)))
      throw notFound('Auth provider');
    await publishSnapshot(c.env, ws);
    return c.body(null, 204);
  },
);
