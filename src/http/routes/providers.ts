/** Auth providers (bring your own token): CRUD with registration-time checks. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  createProvider,
  providerOf,
  providersOf,
  removeProvider,
  replaceProvider,
} from '../../admin/providers';
import {
  PrincipalCheckRequestSchema,
  PrincipalCheckSchema,
  ProviderInputSchema,
  ProviderSchema,
} from '../../contract';
import { checkPrincipal } from '../../decision/principal-check';
import { flag } from '../../env';
import { adminErrors, dataOf, errors, jsonBody, named, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';

const IdParam = WorkspaceParam.extend({ id: z.string().max(64) });
const writeErrors = { ...adminErrors, 409: errors.conflict, 422: errors.invalid } as const;

const registerOpts = (c: Context<AppEnv>) => ({
  allowHttp: flag(c.env.ALLOW_HTTP_ISSUERS),
  devIdp: flag(c.env.DEV_IDP),
});

export const providerRoutes = router();

providerRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/auth-providers',
    operationId: 'createProvider',
    tags: ['Auth providers'],
    summary: 'Register an IdP: checks discovery, the exact issuer and the key set before accepting it',
    request: { params: WorkspaceParam, body: jsonBody(ProviderInputSchema) },
    responses: { 201: dataOf(ProviderSchema, 'Registered'), ...writeErrors },
  }),
  async (c) =>
    c.json(
      { data: await createProvider(c.env, c.get('workspace').id, c.req.valid('json'), registerOpts(c)) },
      201,
    ),
);

providerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/auth-providers',
    operationId: 'listProviders',
    tags: ['Auth providers'],
    summary: 'List providers',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(named(ProviderSchema)), 'Providers'), ...adminErrors },
  }),
  async (c) => c.json({ data: await providersOf(c.env, c.get('workspace').id) }, 200),
);

providerRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/auth-providers/{id}',
    operationId: 'getProvider',
    tags: ['Auth providers'],
    summary: 'Read a provider',
    request: { params: IdParam },
    responses: { 200: dataOf(ProviderSchema, 'The provider'), ...adminErrors },
  }),
  async (c) => c.json({ data: await providerOf(c.env, c.get('workspace').id, c.req.valid('param').id) }, 200),
);

providerRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/workspaces/{ws}/auth-providers/{id}',
    operationId: 'replaceProvider',
    tags: ['Auth providers'],
    summary: 'Replace a provider (same checks as registration)',
    request: { params: IdParam, body: jsonBody(ProviderInputSchema) },
    responses: { 200: dataOf(ProviderSchema, 'Updated'), ...writeErrors },
  }),
  async (c) =>
    c.json(
      {
        data: await replaceProvider(
          c.env,
          c.get('workspace').id,
          c.req.valid('param').id,
          c.req.valid('json'),
          registerOpts(c),
        ),
      },
      200,
    ),
);

providerRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/auth-providers/{id}',
    operationId: 'deleteProvider',
    tags: ['Auth providers'],
    summary: 'Remove a provider: its tokens are refused from the next decision on',
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' }, ...adminErrors },
  }),
  async (c) => {
    await removeProvider(c.env, c.get('workspace').id, c.req.valid('param').id);
    return c.body(null, 204);
  },
);

providerRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/auth-providers/{id}/check',
    operationId: 'checkPrincipal',
    tags: ['Auth providers'],
    summary:
      'Verify a token against this provider (or map claims) and show what policies would see, or the precise refusal',
    request: { params: IdParam, body: jsonBody(PrincipalCheckRequestSchema) },
    responses: {
      200: dataOf(PrincipalCheckSchema, 'The mapped attributes, or why the token is refused'),
      ...adminErrors,
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json({ data: await checkPrincipal(c.env, c.get('workspace').id, id, body, Date.now()) }, 200);
  },
);
