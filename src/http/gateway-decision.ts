/**
 * The one decision function behind every gateway contract (forward-auth, Envoy
 * ext_authz, Lambda-authorizer format): the original request's method and URI go
 * through the workspace's route map, then the same authorize() as the API. Answers
 * in the only vocabulary gateways share: 200, 401 or 403. Never throws (fail closed).
 */
import type { Context } from 'hono';
import { sendAudit } from '../audit/producer';
import { authorize, snapshotFor } from '../decision/authorize';
import { matchRoute } from '../decision/route-map';
import { VerdictError } from '../lib/errors';
import { callerOf } from './routes/authorize';
import type { AppEnv } from './types';

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
