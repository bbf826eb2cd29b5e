/**
 * Gateway contracts beyond forward-auth, over the same decision path:
 * - Envoy ext_authz, HTTP service mode: Envoy sends the original method, path (after
 *   `path_prefix`) and headers to /v1/workspaces/:ws/ext-authz/<original path>, plus
 *   X-Verdict-Workspace (headers_to_add); 200 allows (X-Verdict-* headers go upstream),
 *   401/403 are relayed to the client. List the method-override headers in the filter's
 *   allowed_headers so Verdict sees (and refuses) them. Configure the filter with failure_mode_allow:
 *   false and the connection manager with normalize_path / merge_slashes.
 * - AWS API Gateway HTTP API Lambda authorizer, payload 2.0, simple response:
 *   POST the authorizer event to /v1/workspaces/:ws/lambda-authorizer and get
 *   `{ isAuthorized, context }` (always 200; the decision is in the body).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { LambdaEventSchema, LambdaResponseSchema } from '../../contract';
import { gatewayClientIp, gatewayDecision, methodOverrideIn } from '../../decision/gateway';
import { bearerToken } from '../middleware/auth';
import { errors, jsonBody, jsonOf, router, WorkspaceParam } from '../openapi';

export const gatewayRoutes = router();

/**
 * The original request target of an ext_authz check: the raw text after the prefix
 * (never a URL parser's reading of it, which would resolve "%2e%2e" against Verdict's
 * own path). Envoy must name the workspace in X-Verdict-Workspace (headers_to_add), so
 * a target whose dot segments the runtime resolved out of the prefix cannot land on
 * another workspace or route.
 */
function extAuthzTarget(url: string, ws: string): string | undefined {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  const raw = pathStart < 0 ? '/' : url.slice(pathStart);
  const prefix = `/v1/workspaces/${ws}/ext-authz`;
  if (!raw.startsWith(prefix)) return undefined;
  const rest = raw.slice(prefix.length);
  if (rest === '' || rest.startsWith('?')) return `/${rest}`;
  return rest.startsWith('/') ? rest : undefined;
}

// Documented here; served for every method by the handler below (Envoy sends the original method).
gatewayRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/v1/workspaces/{ws}/ext-authz/{originalPath}',
  operationId: 'envoyExtAuthz',
  tags: ['Gateways'],
  summary: 'Envoy ext_authz (HTTP service): the original request’s method and path after the prefix',
  description:
    'Every method is accepted (the original one). Requires X-Verdict-Workspace (Envoy headers_to_add) naming the workspace of the path. 200 allows (X-Verdict-* identity headers), 401/403 are relayed to the client.',
  security: [{ endUserJwt: [] }],
  request: {
    params: WorkspaceParam.extend({
      originalPath: z.string().openapi({ example: 'api/orders/o-1/approve' }),
    }),
    headers: z.object({ 'x-verdict-workspace': z.string() }),
  },
  responses: { 200: { description: 'Allowed' }, 401: errors.unauthorized, 403: errors.forbidden },
});

gatewayRoutes.all('/v1/workspaces/:ws/ext-authz/*', async (c) => {
  const ws = c.req.param('ws');
  const target = extAuthzTarget(c.req.url, ws);
  const named = c.req.header('x-verdict-workspace');
  const refused =
    named === undefined
      ? 'gateway_headers_missing'
      : named !== ws || target === undefined
        ? 'conflicting_gateway_headers'
        : undefined;
  const answer =
    refused !== undefined || target === undefined
      ? {
          status: 403 as const,
          reason: refused ?? 'conflicting_gateway_headers',
          headers: {
            'x-verdict-decision': 'Deny',
            'x-verdict-reason': refused ?? 'conflicting_gateway_headers',
          },
        }
      : await gatewayDecision(
          c.env,
          c.executionCtx,
          ws,
          {
            method: c.req.method,
            target,
            token: bearerToken(c),
            methodOverride: methodOverrideIn((name) => c.req.header(name)),
          },
          // Envoy's own headers do not carry a trustworthy client address by default.
          { userAgent: c.req.header('user-agent') },
        );
  const headers: Record<string, string> = { ...answer.headers, 'cache-control': 'no-store' };
  if (answer.status === 200) return c.body(null, 200, headers);
  if (answer.status === 401)
    headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${answer.reason}"`;
  headers['content-type'] = 'application/problem+json';
  const title = answer.status === 401 ? 'Unauthorized' : 'Forbidden';
  return c.body(
    JSON.stringify({ type: 'about:blank', title, status: answer.status, detail: answer.reason }),
    answer.status,
    headers,
  );
});

gatewayRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/lambda-authorizer',
    operationId: 'lambdaAuthorizer',
    tags: ['Gateways'],
    summary:
      'API Gateway HTTP API Lambda authorizer (payload 2.0) → simple response { isAuthorized, context }',
    request: { params: WorkspaceParam, body: jsonBody(LambdaEventSchema) },
    responses: {
      200: jsonOf(LambdaResponseSchema, 'The simple response (the decision is in the body)'),
      400: errors.badRequest,
    },
  }),
  async (c) => {
    const event = c.req.valid('json');
    const headers = Object.fromEntries(
      Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const source = event.identitySource?.[0] ?? headers.authorization ?? '';
    const token =
      /^Bearer +(\S+)$/i.exec(source)?.[1] ?? (source && !source.includes(' ') ? source : undefined);
    const method = event.requestContext?.http?.method ?? event.routeKey?.split(' ')[0] ?? 'GET';
    const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
    const target = event.rawQueryString ? `${path}?${event.rawQueryString}` : path;
    const answer = await gatewayDecision(
      c.env,
      c.executionCtx,
      c.req.valid('param').ws,
      { method, target, token, methodOverride: methodOverrideIn((name) => headers[name]) },
      // API Gateway sets sourceIp from the connection; the client cannot choose it.
      { ip: gatewayClientIp(event.requestContext?.http?.sourceIp), userAgent: headers['user-agent'] },
    );
    const context: Record<string, string> = { decision: answer.status === 200 ? 'Allow' : 'Deny' };
    if (answer.headers['x-verdict-subject']) context.subject = answer.headers['x-verdict-subject'];
    if (answer.headers['x-verdict-decision-id']) context.decisionId = answer.headers['x-verdict-decision-id'];
    if (answer.reason) context.reason = answer.reason;
    return c.json({ isAuthorized: answer.status === 200, context }, 200, { 'cache-control': 'no-store' });
  },
);
