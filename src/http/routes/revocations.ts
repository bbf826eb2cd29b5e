/**
 * Revocation: deny a `sub` or a token `jti` at once. The denylist travels in the
 * workspace snapshot: the isolate that takes the write applies it on its next
 * decision; other isolates within POLICY_REVALIDATE_MS plus KV propagation.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { revocationsOf, revoke, unrevoke } from '../../admin/workspaces';
import { RevocationKindSchema, RevocationSchema, RevocationValueSchema, RevokeSchema } from '../../contract';
import { adminErrors, dataOf, errors, jsonBody, named, router, WorkspaceParam } from '../openapi';

export const revocationRoutes = router();

revocationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/revocations',
    operationId: 'revoke',
    tags: ['Revocation'],
    summary: 'Deny a subject or a token id on every decision',
    request: { params: WorkspaceParam, body: jsonBody(RevokeSchema) },
    responses: { 201: dataOf(RevocationSchema, 'Revoked'), 409: errors.conflict, ...adminErrors },
  }),
  async (c) => c.json({ data: await revoke(c.env, c.get('workspace').id, c.req.valid('json')) }, 201),
);

revocationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/revocations',
    operationId: 'listRevocations',
    tags: ['Revocation'],
    summary: 'List revocations',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(named(RevocationSchema)), 'Revocations'), ...adminErrors },
  }),
  async (c) => c.json({ data: await revocationsOf(c.env, c.get('workspace').id) }, 200),
);

revocationRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/revocations/{kind}/{value}',
    operationId: 'unrevoke',
    tags: ['Revocation'],
    summary: 'Lift a revocation',
    request: {
      params: WorkspaceParam.extend({ kind: RevocationKindSchema, value: RevocationValueSchema }),
    },
    responses: { 204: { description: 'Lifted' }, ...adminErrors },
  }),
  async (c) => {
    const { kind, value } = c.req.valid('param');
    await unrevoke(c.env, c.get('workspace').id, kind, value);
    return c.body(null, 204);
  },
);
