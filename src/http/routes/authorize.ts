/** POST /v1/workspaces/:ws/authorize and …/authorize/batch: the decision API. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authorize, type Caller, type Check } from '../../decision/authorize';
import { type DecisionRequest, settle } from '../../decision/enforce';
import { bearerToken } from '../middleware/auth';
import { dataOf, jsonBody, ProblemSchema, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';

/** Limits of the authorize body, shared with the hot route (src/http/hot-authorize.ts). */
export const NAME_MAX = 128;
export const TOKEN_MAX = 16_384;

const Name = z.string().min(1).max(NAME_MAX);
const Context_ = z
  .record(z.string(), z.unknown())
  .optional()
  .openapi({
    description: 'request_metadata for policies (depth ≤ 8)',
    example: { orderId: 'order-1', amount: 500 },
  });

export const CheckSchema = z
  .object({
    resource: Name.openapi({ example: 'orders' }),
    action: Name.openapi({ example: 'approve' }),
    context: Context_,
  })
  .strict();

const AuthorizeBody = CheckSchema.extend({
  token: z
    .string()
    .max(TOKEN_MAX)
    .optional()
    .openapi({ description: 'The end-user JWT (or send it as Authorization: Bearer)' }),
}).strict();

const BatchBody = z
  .object({ token: z.string().max(TOKEN_MAX).optional(), checks: z.array(CheckSchema).min(1).max(100) })
  .strict();

export const DecisionSchema = z
  .object({
    allowed: z.boolean(),
    decision: z.enum(['Allow', 'Deny']),
    decisionId: z.string(),
    policy: z.string().nullable(),
    policyVersion: z.number().int().nullable(),
    ruleId: z.string().nullable(),
    reasons: z.array(z.record(z.string(), z.unknown())),
    subject: z.string().nullable(),
  })
  .openapi('Decision');

const tokenErrors = {
  400: { description: 'Malformed input', content: { 'application/problem+json': { schema: ProblemSchema } } },
  401: {
    description: 'Missing or invalid token (reason in `reason`)',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  404: {
    description: 'No such workspace',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  503: {
    description: 'A dependency is down and no safe answer exists',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
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
    tags: ['Decisions'],
    summary: 'May this user do this action on this resource, in this context?',
    description: 'A policy denial is a 200 with allowed:false and reasons. Every call is audited.',
    security: [{ endUserJwt: [] }],
    request: { params: WorkspaceParam, body: jsonBody(AuthorizeBody) },
    responses: { 200: dataOf(DecisionSchema, 'The decision'), ...tokenErrors },
  }),
  async (c) => {
    const { token, ...check } = c.req.valid('json');
    const outcome = await authorize(
      c.env,
      c.req.valid('param').ws,
      token ?? bearerToken(c),
      [check as Check],
      callerOf(c),
    );
    settle({ env: c.env, ctx: c.executionCtx }, outcome);
    return c.json({ data: outcome.decisions[0] as z.infer<typeof DecisionSchema> }, 200, {
      'cache-control': 'no-store',
    });
  },
);

authorizeRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/authorize/batch',
    tags: ['Decisions'],
    summary: 'Up to 100 decisions for one token (verified once)',
    security: [{ endUserJwt: [] }],
    request: { params: WorkspaceParam, body: jsonBody(BatchBody) },
    responses: { 200: dataOf(z.array(DecisionSchema), 'One decision per check, in order'), ...tokenErrors },
  }),
  async (c) => {
    const { token, checks } = c.req.valid('json');
    const outcome = await authorize(
      c.env,
      c.req.valid('param').ws,
      token ?? bearerToken(c),
      checks as Check[],
      callerOf(c),
    );
    settle({ env: c.env, ctx: c.executionCtx }, outcome);
    return c.json({ data: outcome.decisions as z.infer<typeof DecisionSchema>[] }, 200, {
      'cache-control': 'no-store',
    });
  },
);
