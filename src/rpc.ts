/**
 * The service-binding entrypoint: a gateway Worker bound to Verdict calls
 * `env.VERDICT.authorize(workspaceId, { token, resource, action, context })` and gets
 * the same Decision object as POST /authorize, without HTTP. Token refusals come back
 * as a Deny decision whose reasons carry the token reason code (RPC has no status).
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { sendAudit } from './audit/producer';
import { authorize, type Decision, newDecisionId } from './decision/authorize';
import { VerdictError } from './lib/errors';

export type RpcAuthorizeRequest = {
  token?: string;
  resource: string;
  action: string;
  context?: Record<string, unknown>;
};

export class VerdictRpc extends WorkerEntrypoint<Env> {
  async authorize(workspaceId: string, request: RpcAuthorizeRequest): Promise<Decision> {
    if (typeof request?.resource !== 'string' || typeof request?.action !== 'string') {
      return deny('bad_request', 'resource and action are required strings');
    }
    try {
      const outcome = await authorize(
        this.env,
        workspaceId,
        request.token,
        [{ resource: request.resource, action: request.action, context: request.context ?? {} }],
        {},
      );
      this.ctx.waitUntil(sendAudit(this.env, outcome.events));
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
