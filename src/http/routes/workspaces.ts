/** Workspaces (root key) and their settings (admin), and the workspace's API keys. */
import { createRoute, z } from '@hono/zod-openapi';
import {
  createKey,
  createWorkspace,
  keysOf,
  revokeKeyAs,
  updateSettings,
  workspaceView,
} from '../../admin/workspaces';
import {
  ApiKeySchema,
  CreatedKeySchema,
  CreatedWorkspaceSchema,
  CreateKeySchema,
  CreateWorkspaceSchema,
  UpdateWorkspaceSchema,
  WhoAmISchema,
  WorkspaceSchema,
} from '../../contract';
import { adminErrors, dataOf, errors, jsonBody, named, router, WorkspaceParam } from '../openapi';

export const workspaceRoutes = router();

workspaceRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces',
    operationId: 'createWorkspace',
    tags: ['Workspaces'],
    summary: 'Create a workspace and its first admin key (root key)',
    request: { body: jsonBody(CreateWorkspaceSchema) },
    responses: { 201: dataOf(CreatedWorkspaceSchema, 'Created'), 409: errors.conflict, ...adminErrors },
  }),
  async (c) => c.json({ data: await createWorkspace(c.env, c.req.valid('json')) }, 201),
);

workspaceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}',
    operationId: 'getWorkspace',
    tags: ['Workspaces'],
    summary: 'Read the workspace: settings and the gateway route map',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(WorkspaceSchema, 'The workspace'), ...adminErrors },
  }),
  (c) => c.json({ data: workspaceView(c.get('workspace')) }, 200),
);

workspaceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/whoami',
    operationId: 'whoAmI',
    tags: ['Workspaces'],
    summary:
      'Who the caller is: the presented key (name, scopes) and the workspace’s id and name (any live key)',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(WhoAmISchema, 'Who the key is'), ...adminErrors },
  }),
  (c) => {
    const { workspaceId: _, ...key } = c.get('apiKey');
    const { id, name } = c.get('workspace');
    return c.json({ data: { workspace: { id, name }, key } }, 200);
  },
);

workspaceRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/workspaces/{ws}',
    operationId: 'updateWorkspace',
    tags: ['Workspaces'],
    summary: 'Update settings: timezone, audit retention, redacted keys, gateway route map',
    request: { params: WorkspaceParam, body: jsonBody(UpdateWorkspaceSchema) },
    responses: { 200: dataOf(WorkspaceSchema, 'The updated workspace'), ...adminErrors },
  }),
  async (c) => c.json({ data: await updateSettings(c.env, c.get('workspace').id, c.req.valid('json')) }, 200),
);

workspaceRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/api-keys',
    operationId: 'createApiKey',
    tags: ['API keys'],
    summary: 'Create a scoped key (the secret is returned once); only scopes the calling key holds',
    request: { params: WorkspaceParam, body: jsonBody(CreateKeySchema) },
    responses: { 201: dataOf(CreatedKeySchema, 'Created'), ...adminErrors },
  }),
  async (c) => c.json({ data: await createKey(c.env, c.get('apiKey'), c.req.valid('json')) }, 201),
);

workspaceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/api-keys',
    operationId: 'listApiKeys',
    tags: ['API keys'],
    summary: 'List keys (never the secrets)',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(named(ApiKeySchema)), 'Keys'), ...adminErrors },
  }),
  async (c) => c.json({ data: await keysOf(c.env, c.get('workspace').id) }, 200),
);

workspaceRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/api-keys/{id}',
    operationId: 'revokeApiKey',
    tags: ['API keys'],
    summary:
      'Revoke a key (effective on the next request): only keys within your own scopes, never the last admin key',
    request: { params: WorkspaceParam.extend({ id: z.string().max(64) }) },
    responses: { 204: { description: 'Revoked' }, 409: errors.conflict, ...adminErrors },
  }),
  async (c) => {
    await revokeKeyAs(c.env, c.get('apiKey'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);
