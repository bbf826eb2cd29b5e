/**
 * Forward-auth endpoints, one per gateway contract (README → Gateways and standards):
 * - GET /v1/workspaces/:ws/forward-auth/nginx — nginx `auth_request`: reads only
 *   X-Original-URI / X-Original-Method (and X-Real-IP for the client address), which the
 *   documented config sets from nginx's own variables while clearing the other family;
 * - GET /v1/workspaces/:ws/forward-auth/traefik — Traefik ForwardAuth, which overwrites
 *   X-Forwarded-Uri / X-Forwarded-Method itself (client address: the last
 *   X-Forwarded-For entry, which Traefik appends);
 * - GET /v1/workspaces/:ws/forward-auth — for existing configs: exactly one family must
 *   be present.
 * A request carrying the other family is refused (403), and so is one carrying a
 * method-override header (403 method_override: the gateway passes the client's headers
 * to the auth request). Answers only what those gateways understand: 200 (with identity
 * headers), 401 (no or bad token) or 403.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { gatewayStatus } from '../../contract';
import { gatewayClientIp, gatewayDecision, methodOverrideIn } from '../../decision/gateway';
import { type ForwardAuthMode, forwardedRequest } from '../gateway-headers';
import { bearerToken } from '../middleware/auth';
import { router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';

export const forwardAuthRoutes = router();

const responses = {
  200: { description: 'Allowed; X-Verdict-Subject and X-Verdict-Decision are set for the upstream' },
  401: { description: 'Missing or invalid token' },
  403: {
    description:
      'Denied, unmapped route, refused path (x-verdict-reason: path_refused), a method-override header (method_override), or conflicting/missing gateway headers',
  },
} as const;

function clientIp(c: Context<AppEnv>, mode: ForwardAuthMode): string | undefined {
  if (mode === 'traefik') return gatewayClientIp(c.req.header('x-forwarded-for')?.split(',').pop());
  return gatewayClientIp(c.req.header('x-real-ip'));
}

async function answer(c: Context<AppEnv>, ws: string, mode: ForwardAuthMode): Promise<Response> {
  const original = forwardedRequest(c.req.raw.headers, mode);
  const result = original.ok
    ? await gatewayDecision(
        c.env,
        c.executionCtx,
        ws,
        {
          method: original.method,
          target: original.target,
          token: bearerToken(c),
          methodOverride: methodOverrideIn((name) => c.req.header(name)),
        },
        { ip: clientIp(c, mode), userAgent: c.req.header('user-agent') },
      )
    : {
        status: gatewayStatus(original.reason),
        reason: original.reason,
        headers: { 'x-verdict-decision': 'Deny', 'x-verdict-reason': original.reason },
      };
  const headers: Record<string, string> = { ...result.headers, 'cache-control': 'no-store' };
  if (result.status === 401)
    headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${result.reason}"`;
  return c.body(null, result.status, headers);
}

const modes = [
  [
    '/v1/workspaces/{ws}/forward-auth/nginx',
    'nginx',
    'nginx auth_request: X-Original-URI / X-Original-Method only',
  ],
  [
    '/v1/workspaces/{ws}/forward-auth/traefik',
    'traefik',
    'Traefik ForwardAuth: X-Forwarded-Uri / X-Forwarded-Method only',
  ],
  [
    '/v1/workspaces/{ws}/forward-auth',
    'auto',
    'Either family, exactly one present (prefer the explicit endpoints)',
  ],
] as const;

for (const [path, mode, summary] of modes) {
  // Gateways may send the subrequest with the original request's method; the answer
  // is the same whatever the method of the subrequest itself.
  forwardAuthRoutes.on(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], path.replace('{ws}', ':ws'), (c) =>
    answer(c, c.req.param('ws') ?? '', mode),
  );
  forwardAuthRoutes.openapi(
    createRoute({
      method: 'get',
      path,
      operationId: `forwardAuth${mode === 'auto' ? '' : mode[0]?.toUpperCase() + mode.slice(1)}`,
      tags: ['Gateways'],
      summary,
      security: [{ endUserJwt: [] }],
      request: { params: WorkspaceParam },
      responses,
    }),
    (c) => answer(c, c.req.valid('param').ws, mode),
  );
}
