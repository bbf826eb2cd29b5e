/** POST /v1/workspaces/:ws/authorize and …/authorize/batch: the decision API. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AuthorizeRequestSchema, BatchRequestSchema, DecisionSchema } from '../../contract';
import { authorize, type Caller } from '../../decision/authorize';
import { type DecisionRequest, settle } from '../../decision/enforce';
import { bearerToken } from '../middleware/auth';
import { dataOf, errors, jsonBody, named, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';

const decisionErrors = {
  400: errors.badRequest,
  401: errors.unauthorized,
  404: errors.notFound,
  413: errors.tooLarge,
  415: errors.unsupported,
  503: errors.unavailable,
} as const;

/** Caller facts for the audit trail and the `ip` attribute. */
export function callerFrom(headers: Headers): Caller {
  return {
    ip: headers.get('cf-connecting-ip') ?? undefined,
    userAgent: headers.get('user-agent') ?? undefined,
  };
}

export function callerOf(c: Context<AppEnv>): Caller {
  return callerFrom(c.req.raw.headers);
}

/** The decision request of a Hono request: its workspace, token, caller facts and waitUntil. */
export function decisionRequest(c: Context<AppEnv>, ws: string, token = bearerToken(c)): DecisionRequest {
  return { env: c.env, ctx: c.executionCtx, ws, token, caller: callerOf(c) };
}

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
    const outcome = await authorize(
      c.env,
      c.req.valid('param').ws,
      token ?? bearerToken(c),
      [check],
      callerOf(c),
    );
    settle({ env: c.env, ctx: c.executionCtx }, outcome);
    return c.json({ data: outcome.decisions[0] as (typeof outcome.decisions)[number] }, 200, {
      'cache-control': 'no-store',
    });
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
    const outcome = await authorize(
      c.env,
      c.req.valid('param').ws,
      token ?? bearerToken(c),
      checks,
      callerOf(c),
    );
    settle({ env: c.env, ctx: c.executionCtx }, outcome);
    return c.json({ data: outcome.decisions }, 200, { 'cache-control': 'no-store' });
  },
);
