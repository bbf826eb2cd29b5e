/**
 * GET /v1/workspaces/:ws/forward-auth — for Traefik ForwardAuth and nginx auth_request.
 * Reads Authorization, X-Forwarded-Method / X-Forwarded-Uri (Traefik) or
 * X-Original-Method / X-Original-URI (nginx), maps the route through the workspace's
 * route map and answers only what those gateways understand: 200 (with identity
 * headers), 401 (no or bad token) or 403 (denied, unmapped, or no safe answer).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { gatewayDecision } from '../gateway-decision';
import { bearerToken } from '../middleware/auth';
import { router, WorkspaceParam } from '../openapi';

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
