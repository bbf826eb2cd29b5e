/**
 * Hono middleware for applications (`@verdict-authz/sdk/hono`; `hono` is an optional
 * peer): reads the caller's bearer token, asks Verdict, and answers 401/403/503
 * problem+json itself, or stores the Decision as `c.get('verdict')`. Options are
 * validated when the middleware is created. A denial tells the end user only that it
 * was denied and its decision id (the reasons name rules and values, which are for your
 * logs); set `exposeReasons` to send them too.
 *
 * @example
 * app.post('/orders/:id/approve',
 *   verdictAuthorize({ client, resource: 'orders', action: 'approve', context: async (c) => ({ amount: await amountOf(c.req.param('id')) }) }),
 *   (c) => c.json({ approved: c.get('verdict').decisionId }));
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { VerdictClient } from './client';
import type { Decision } from './contract';
import { VerdictError } from './errors';

type Resolver<T> = T | ((c: Context) => T | Promise<T>);

export type VerdictAuthorizeOptions = {
  /** The client, or a function of the request returning one (e.g. built from Workers `c.env`). */
  client: Resolver<VerdictClient>;
  resource: Resolver<string>;
  action: Resolver<string>;
  context?: Resolver<Record<string, unknown>>;
  /** Send the decision's reasons to the caller with a 403 (default: false). */
  exposeReasons?: boolean;
};

const resolve = async <T>(r: Resolver<T>, c: Context): Promise<T> =>
  typeof r === 'function' ? (r as (c: Context) => T | Promise<T>)(c) : r;

function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Response {
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  };
  if (status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"';
  return new Response(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }), {
    status,
    headers,
  });
}

export function verdictAuthorize(
  options: VerdictAuthorizeOptions,
): MiddlewareHandler<{ Variables: { verdict: Decision } }> {
  if (!options?.client) throw new TypeError('verdictAuthorize needs a VerdictClient');
  if (!options.resource || !options.action) throw new TypeError('verdictAuthorize needs resource and action');
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer +(\S+)$/i.exec(header)?.[1];
    if (!token) return problem(401, 'Unauthorized', 'Send the user token as Authorization: Bearer');
    let decision: Decision;
    try {
      const [client, resource, action, context] = await Promise.all([
        resolve(options.client, c),
        resolve(options.resource, c),
        resolve(options.action, c),
        options.context ? resolve(options.context, c) : Promise.resolve(undefined),
      ]);
      decision = (
        await client.checkAuthorization({ token, resource, action, ...(context ? { context } : {}) })
      ).data;
    } catch (err) {
      if (err instanceof VerdictError && err.status === 401) {
        return problem(401, 'Unauthorized', err.problem.detail ?? 'Invalid token', { reason: err.reason });
      }
      // Fail closed: if Verdict cannot answer, the request does not pass.
      return problem(503, 'Service unavailable', 'Authorization is unavailable; try again');
    }
    if (!decision.allowed) {
      return problem(403, 'Forbidden', 'Not authorized', {
        decisionId: decision.decisionId,
        ...(options.exposeReasons ? { reasons: decision.reasons } : {}),
      });
    }
    c.set('verdict', decision);
    await next();
  };
}
