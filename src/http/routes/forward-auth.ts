/**
 * GET /v1/workspaces/:ws/forward-auth — for Traefik ForwardAuth and nginx auth_request.
 * Reads Authorization, X-Forwarded-Method / X-Forwarded-Uri (Traefik) or
 * X-Original-Method / X-Original-URI (nginx), maps the route through the workspace's
 * route map and answers only what those gateways understand: 200 (with identity
 * headers), 401 (no or bad token) or 403 (denied, unmapped, or no safe answer).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { sendAudit } from '../../audit/producer';
import { authorize, snapshotFor } from '../../decision/authorize';
import { matchRoute } from '../../decision/route-map';
import { VerdictError } from '../../lib/errors';
import { bearerToken } from '../middleware/auth';
import { router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';
import { callerOf } from './authorize';

export type GatewayAnswer = {
  status: 200 | 401 | 403;
  headers: Record<string, string>;
  reason?: string;
};

/** The decision for a gateway's original request (method, URI, bearer token). Never throws. */
export async function gatewayDecision(
  c: Context<AppEnv>,
  ws: string,
  original: { method: string; uri: string; token: string | undefined },
): Promise<GatewayAnswer> {
  const deny = (status: 401 | 403, reason: string): GatewayAnswer => ({
    status,
    reason,
    headers: { 'x-verdict-decision': 'Deny', 'x-verdict-reason': reason },
  });
  try {
    const snapshot = await snapshotFor(c.env, ws, Date.now());
    const route = matchRoute(snapshot.settings.routeMap, original.method, original.uri);
    if (!route) return deny(403, 'no_route');
    const context = {
      ...route.params,
      method: original.method.toUpperCase(),
      path: original.uri.split('?')[0],
    };
    const outcome = await authorize(
      c.env,
      ws,
      original.token,
      [{ resource: route.resource, action: route.action, context }],
      callerOf(c),
    );
    c.executionCtx.waitUntil(sendAudit(c.env, outcome.events));
    if (!outcome.ok) return deny(outcome.error.status === 401 ? 401 : 403, outcome.error.reason);
    const decision = outcome.decisions[0];
    if (!decision?.allowed) {
      const denied = deny(403, 'policy_denied');
      return {
        ...denied,
        headers: { ...denied.headers, 'x-verdict-decision-id': decision?.decisionId ?? '' },
      };
    }
    return {
      status: 200,
      headers: {
        'x-verdict-decision': 'Allow',
        'x-verdict-subject': outcome.identity.sub,
        'x-verdict-decision-id': decision.decisionId,
        'x-verdict-policy': `${decision.policy}@${decision.policyVersion}`,
      },
    };
  } catch (err) {
    // Fail closed, in the only vocabulary the gateway understands.
    return deny(403, err instanceof VerdictError ? err.code : 'internal');
  }
}

export const forwardAuthRoutes = router();

forwardAuthRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/forward-auth',
    tags: ['Gateways'],
    summary: 'Traefik ForwardAuth / nginx auth_request: 200, 401 or 403 only',
    security: [{ endUserJwt: [] }],
    request: {
      params: WorkspaceParam,
      headers: z.object({
        'x-forwarded-method': z.string().optional(),
        'x-forwarded-uri': z.string().optional(),
        'x-original-method': z.string().optional(),
        'x-original-uri': z.string().optional(),
      }),
    },
    responses: {
      200: { description: 'Allowed; X-Verdict-Subject and X-Verdict-Decision are set for the upstream' },
      401: { description: 'Missing or invalid token' },
      403: { description: 'Denied, unmapped route, or no safe answer' },
    },
  }),
  async (c) => {
    const method = c.req.header('x-forwarded-method') ?? c.req.header('x-original-method') ?? 'GET';
    const uri = c.req.header('x-forwarded-uri') ?? c.req.header('x-original-uri') ?? '/';
    const answer = await gatewayDecision(c, c.req.valid('param').ws, { method, uri, token: bearerToken(c) });
    const headers: Record<string, string> = { ...answer.headers, 'cache-control': 'no-store' };
    if (answer.status === 401)
      headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${answer.reason}"`;
    return c.body(null, answer.status, headers);
  },
);
