/**
 * The service-binding entrypoint. A gateway Worker bound to Verdict calls
 * - `env.VERDICT.authorize(workspaceId, { token, resource, action, context, ip })` and gets
 *   the same Decision object as POST /authorize, without HTTP;
 * - `env.VERDICT.authorizeRequest(workspaceId, { token, method, url, ip, headers })` to
 *   authorize the request it is about to forward through the workspace's route map, with
 *   the same canonical path and answers (200 / 401 / 403 and headers) as forward-auth; a
 *   method-override header among `headers` is refused (method_override).
 * `ip` is the end user's address (`request.headers.get('cf-connecting-ip')` in the
 * gateway); without it, ip conditions are indeterminate (an ip Deny rule denies).
 * Token refusals come back as a Deny decision whose reasons carry the token reason code
 * (RPC has no status).
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { recordAudit } from './audit/outbox';
import type { RpcAuthorizeRequest, RpcRouteRequest } from './contract';
import { authorize, type Decision } from './decision/authorize';
import { type GatewayAnswer, gatewayClientIp, gatewayDecision, methodOverrideIn } from './decision/gateway';
import { VerdictError } from './lib/errors';
import { newDecisionId } from './lib/ids';

export type { RpcAuthorizeRequest, RpcRouteRequest };

/** The path and query of an absolute http(s) URL, as written (never re-parsed), or the input. */
function targetOf(url: string): string | undefined {
  const m = /^https?:\/\/[^/?#]*/i.exec(url);
  if (!m) return url;
  const rest = url.slice(m[0].length);
  return rest === '' ? '/' : rest.startsWith('/') ? rest : undefined;
}

export class VerdictRpc extends WorkerEntrypoint<Env> {
  async authorize(workspaceId: string, request: RpcAuthorizeRequest): Promise<Decision> {
    if (typeof request?.resource !== 'string' || typeof request?.action !== 'string') {
      return deny('bad_request', 'resource and action are required strings');
    }
    try {
      const outcome = await authorize({
        env: this.env,
        ws: workspaceId,
        token: request.token,
        checks: [{ resource: request.resource, action: request.action, context: request.context ?? {} }],
        caller: { ip: gatewayClientIp(request.ip) },
      });
      recordAudit(this.env, this.ctx, outcome.events);
      if (!outcome.ok) {
        return {
          ...deny(outcome.error.reason, outcome.error.detail),
          decisionId: outcome.events[0]?.decisionId ?? newDecisionId(),
        };
      }
      return outcome.decisions[0] as Decision;
    } catch (err) {
      // Fail closed: any error is a Deny with its code.
      return err instanceof VerdictError
        ? deny(err.code, err.detail)
        : deny('internal', 'no decision could be made');
    }
  }

  async authorizeRequest(workspaceId: string, request: RpcRouteRequest): Promise<GatewayAnswer> {
    const target = typeof request?.url === 'string' ? targetOf(request.url) : undefined;
    if (typeof request?.method !== 'string' || target === undefined) {
      return { status: 403, reason: 'bad_request', headers: { 'x-verdict-decision': 'Deny' } };
    }
    return gatewayDecision(
      this.env,
      this.ctx,
      workspaceId,
      {
        method: request.method,
        target,
        token: request.token,
        methodOverride: methodOverrideIn(headerReader(request.headers)),
      },
      { ip: gatewayClientIp(request.ip) },
    );
  }
}

/** Case-insensitive reads of the headers an RPC caller passed (a plain object or a Headers). */
function headerReader(headers: unknown): (name: string) => string | undefined {
  if (headers instanceof Headers) return (name) => headers.get(name) ?? undefined;
  if (typeof headers !== 'object' || headers === null) return () => undefined;
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) lower.set(k.toLowerCase(), String(v));
  return (name) => lower.get(name);
}

function deny(code: string, message: string): Decision {
  return {
    allowed: false,
    decision: 'Deny',
    decisionId: newDecisionId(),
    policy: null,
    policyVersion: null,
    ruleId: null,
    reasons: [{ code, message } as Decision['reasons'][number]],
    subject: null,
  };
}
