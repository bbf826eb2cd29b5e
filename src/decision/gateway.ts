/**
 * The one decision function behind every gateway contract (forward-auth for nginx and
 * Traefik, Envoy ext_authz, the Lambda-authorizer format, and RPC's authorizeRequest):
 * the original request's method and target go through the canonical path and the
 * workspace's route map (decision/route-map.ts), then the same authorize() as the API.
 * Answers in the only vocabulary gateways share: 200, 401 or 403. Never throws (fail
 * closed). Refusals (an ambiguous path, a conflicting header family, no route) are
 * decisions too, and are audited.
 *
 * Which request is asked about is a property of the gateway's contract, never of
 * headers a client could have added (http/gateway-headers.ts). A request carrying a
 * method-override header is refused: an upstream honouring it (Express method-override,
 * Symfony, Laravel, ASP.NET…) would serve a method nobody authorized.
 */
import { serializeEvent } from '../audit/event';
import { recordAudit } from '../audit/outbox';
import { type GatewayAnswer, type GatewayRefusal, gatewayStatus } from '../contract';
import { VerdictError } from '../lib/errors';
import { newDecisionId } from '../lib/ids';
import { authorize, type Caller, type DecisionEnv } from './authorize';
import { resolveRoute } from './route-map';
import { snapshotFor } from './snapshot';

export type { GatewayAnswer };

export type GatewayRequest = {
  method: string;
  /** The raw request target the gateway received: "/path?query". */
  target: string;
  token: string | undefined;
  /**
   * The method-override header the original request carries (`name: value`), if any
   * (methodOverrideIn); such a request is refused whatever its route.
   */
  methodOverride?: string | undefined;
};

/** Headers some frameworks honour to serve a method other than the request's own. */
export const METHOD_OVERRIDE_HEADERS = [
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
] as const;

/**
 * The first method-override header among the original request's headers, as
 * `name: value`, or undefined. Present at all (even empty) counts: fail closed.
 */
export function methodOverrideIn(get: (name: string) => string | null | undefined): string | undefined {
  for (const name of METHOD_OVERRIDE_HEADERS) {
    const value = get(name);
    if (value !== null && value !== undefined) return `${name}: ${value.slice(0, 32)}`;
  }
  return undefined;
}

type Ctx = { waitUntil(p: Promise<unknown>): void };

/** The decision for a gateway's original request. Never throws. */
export async function gatewayDecision(
  env: DecisionEnv & Parameters<typeof recordAudit>[0],
  ctx: Ctx,
  ws: string,
  original: GatewayRequest,
  caller: Caller,
): Promise<GatewayAnswer> {
  const deny = (status: 401 | 403, reason: string, extra: Record<string, string> = {}): GatewayAnswer => ({
    status,
    reason,
    headers: { 'x-verdict-decision': 'Deny', 'x-verdict-reason': reason, ...extra },
  });
  try {
    const now = Date.now();
    const snapshot = await snapshotFor(env, ws, now);
    // Refused before any token or policy: audited as a Deny of the request as sent.
    const refuse = (reason: GatewayRefusal, message: string, extra: Record<string, string> = {}) => {
      const decisionId = newDecisionId();
      recordAudit(env, ctx, [
        serializeEvent(
          {
            decisionId,
            workspaceId: ws,
            time: now,
            subject: null,
            provider: null,
            resource: '(gateway)',
            action: original.method.slice(0, 16),
            decision: 'Deny',
            policy: null,
            policyVersion: null,
            ruleId: null,
            reasons: [{ code: reason, message }],
            attributes: {},
            context: { target: original.target },
            latencyMs: 0,
            ip: caller.ip ?? null,
            userAgent: caller.userAgent ?? null,
          },
          snapshot.redact,
        ),
      ]);
      return deny(gatewayStatus(reason), reason, { 'x-verdict-decision-id': decisionId, ...extra });
    };
    if (original.methodOverride !== undefined) {
      return refuse(
        'method_override',
        `The request carries ${original.methodOverride}; an upstream honouring it would serve a method other than ${original.method.slice(0, 16)}, the one asked about`,
      );
    }
    const resolved = resolveRoute(snapshot.settings.routeMap, original.method, original.target);
    if (!resolved.ok) {
      return refuse(
        'path_refused',
        `The request target is refused (${resolved.refusal}): ${resolved.detail}`,
        {
          'x-verdict-path-refusal': resolved.refusal,
        },
      );
    }
    if (!resolved.match) {
      return refuse('no_route', `No route-map entry matches ${resolved.method} ${resolved.path}`);
    }
    const route = resolved.match;
    const context = { ...route.params, method: resolved.method, path: resolved.path };
    const outcome = await authorize({
      env,
      ws,
      token: original.token,
      checks: [{ resource: route.resource, action: route.action, context }],
      caller,
      now,
    });
    recordAudit(env, ctx, outcome.events);
    if (!outcome.ok) return deny(gatewayStatus(outcome.error.reason), outcome.error.reason);
    const decision = outcome.decisions[0];
    if (!decision?.allowed) {
      return deny(gatewayStatus('policy_denied'), 'policy_denied', {
        'x-verdict-decision-id': decision?.decisionId ?? '',
      });
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
    return deny(gatewayStatus('error'), err instanceof VerdictError ? err.code : 'internal');
  }
}

/** A gateway-reported client address, when it is an IP literal (otherwise unknown). */
export function gatewayClientIp(value: string | null | undefined): string | undefined {
  const v = value?.trim();
  return v && /^[0-9A-Fa-f:.]{2,45}$/.test(v) ? v : undefined;
}
