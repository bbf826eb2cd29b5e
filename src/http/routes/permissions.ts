/** Permission bindings: (resource, action) — either may be "*" — to policies. */
import { createRoute, z } from '@hono/zod-openapi';
import { bindingsOf, bindPolicies, unbind } from '../../admin/policies';
import { BindingSchema, PermissionSchema } from '../../contract';
import { adminErrors, dataOf, errors, jsonBody, named, router, WorkspaceParam } from '../openapi';

export const permissionRoutes = router();

permissionRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/workspaces/{ws}/permissions',
    operationId: 'bindPolicies',
    tags: ['Permissions'],
    summary: 'Bind (resource, action) — either may be "*" — to policies',
    request: { params: WorkspaceParam, body: jsonBody(PermissionSchema) },
    responses: { 200: dataOf(PermissionSchema, 'The binding'), 422: errors.invalid, ...adminErrors },
  }),
  async (c) => c.json({ data: await bindPolicies(c.env, c.get('workspace').id, c.req.valid('json')) }, 200),
);

permissionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/permissions',
    operationId: 'listBindings',
    tags: ['Permissions'],
    summary: 'List bindings',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(named(BindingSchema)), 'Bindings'), ...adminErrors },
  }),
  async (c) => c.json({ data: await bindingsOf(c.env, c.get('workspace').id) }, 200),
);

permissionRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/permissions',
    operationId: 'unbind',
    tags: ['Permissions'],
    summary: 'Remove a binding (requests it covered are then denied with no_policy)',
    request: {
      params: WorkspaceParam,
      query: z.object({ resource: z.string().min(1), action: z.string().min(1) }),
    },
    responses: { 204: { description: 'Removed' }, ...adminErrors },
  }),
  async (c) => {
    const { resource, action } = c.req.valid('query');
    await unbind(c.env, c.get('workspace').id, resource, action);
    return c.body(null, 204);
  },
);
