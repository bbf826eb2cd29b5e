/** POST /v1/workspaces/:ws/authorize and …/authorize/batch: the decision API. */
import { createRoute, z } from '@hono/zod-openapi';
import { AuthorizeRequestSchema, BatchRequestSchema, DecisionSchema } from '../../contract';
import { decideAll } from '../../decision/enforce';
import { decisionRequest, NO_STORE } from '../decision-request';
import { bearerToken } from '../middleware/auth';
import { dataOf, errors, jsonBody, named, router, WorkspaceParam } from '../openapi';

const decisionErrors = {
  400: errors.badRequest,
  401: errors.unauthorized,
  404: errors.notFound,
  413: errors.tooLarge,
  415: errors.unsupported,
  503: errors.unavailable,
} as const;

export const authorizeRoutes = router();

authorizeRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/authorize',
    operationId: 'authorize',
    tags: ['Decisions'],
    summary: 'May this user do this action on this resource, in this context?',
    description: 'A policy denial is a 200 with allowed:false and reasons. Every call is audited.',
    security: [{ endUserJwt: [] }],
    request: { params: WorkspaceParam, body: jsonBody(AuthorizeRequestSchema) },
    responses: { 200: dataOf(DecisionSchema, 'The decision'), ...decisionErrors },
  }),
  async (c) => {
    const { token, ...check } = c.req.valid('json');
    const req = decisionRequest(c, c.req.valid('param').ws, token ?? bearerToken(c));
    const { decisions } = await decideAll(req, [check]);
    return c.json({ data: decisions[0] as (typeof decisions)[number] }, 200, NO_STORE);
  },
);

authorizeRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/authorize/batch',
    operationId: 'authorizeBatch',
    tags: ['Decisions'],
    summary: 'Up to 100 decisions for one token (verified once)',
    security: [{ endUserJwt: [] }],
    request: { params: WorkspaceParam, body: jsonBody(BatchRequestSchema) },
    responses: {
      200: dataOf(z.array(named(DecisionSchema)), 'One decision per check, in order'),
      ...decisionErrors,
    },
  }),
  async (c) => {
    const { token, checks } = c.req.valid('json');
    const req = decisionRequest(c, c.req.valid('param').ws, token ?? bearerToken(c));
    const { decisions } = await decideAll(req, checks);
    return c.json({ data: decisions }, 200, NO_STORE);
  },
);
