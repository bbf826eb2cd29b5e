/**
 * Decisions on behalf of one request, for every entry point that answers with an HTTP
 * status rather than a Decision body (records, AuthZEN, the authorize routes'
 * refusals): the audit events go out under the request's waitUntil, a refused token
 * becomes its 401 (TokenError, mapped in the app's onError), and a denial its 403.
 */
import { recordAudit } from '../audit/outbox';
import type { AuditDeps } from '../audit/producer';
import { TokenError } from '../identity/reasons';
import type { VerifiedIdentity } from '../identity/verify-token';
import { VerdictError } from '../lib/errors';
import {
  type AuthorizeOutcome,
  type AuthorizeRequest,
  authorize,
  type Caller,
  type Check,
  type Decision,
  type DecisionEnv,
} from './authorize';

/** Who asks, in which workspace, and where the request's after-response work goes. */
export type DecisionRequest = {
  env: DecisionEnv & AuditDeps;
  ctx: { waitUntil(p: Promise<unknown>): void };
  ws: string;
  token: string | undefined;
  caller: Caller;
};

/** Schedules the audit events after the response, and turns a refused token into its 401/503. */
export function settle(
  req: Pick<DecisionRequest, 'env' | 'ctx'>,
  outcome: AuthorizeOutcome,
): asserts outcome is Extract<AuthorizeOutcome, { ok: true }> {
  recordAudit(req.env, req.ctx, outcome.events);
  if (!outcome.ok) {
    throw new TokenError(outcome.error.reason, outcome.error.detail).withDecision(
      outcome.events[0]?.decisionId,
    );
  }
}

/**
 * Every check decided and audited: the decisions, with a refused token thrown as its
 * 401/503 after its refusals are scheduled for the audit. `options` are the rest of an
 * AuthorizeRequest (an AuthZEN call's shared budget, a trusted PEP's subject).
 */
export async function decideAll(
  req: DecisionRequest,
  checks: readonly Check[],
  options: Pick<AuthorizeRequest, 'now' | 'budget' | 'pep'> = {},
): Promise<Extract<AuthorizeOutcome, { ok: true }>> {
  const outcome = await authorize({ ...req, checks, ...options });
  settle(req, outcome);
  return outcome;
}

/**
 * The caller's verified identity, before any decision is asked of the policies (the
 * records API needs the owner first; AuthZEN compares subject.id). A refused token is
 * audited as a refusal of `auditAs`, then answered 401/503.
 */
export async function requireIdentity(req: DecisionRequest, auditAs: Check): Promise<VerifiedIdentity> {
  const who = await authorize({ ...req, checks: [] });
  if (who.ok) return who.identity;
  await decideAll(req, [auditAs]);
  throw who.error;
}

/** One audited decision; 401 for a refused token, 403 (with the reasons) for a denial. */
export async function enforce(
  req: DecisionRequest,
  check: Check,
): Promise<{ identity: VerifiedIdentity; decision: Decision }> {
  const outcome = await decideAll(req, [check]);
  const decision = outcome.decisions[0] as Decision;
  if (!decision.allowed) {
    throw new VerdictError('forbidden', 403, `Not allowed to ${check.action} in ${check.resource}`, {
      extensions: { decisionId: decision.decisionId, reasons: decision.reasons },
    });
  }
  return { identity: outcome.identity, decision };
}
