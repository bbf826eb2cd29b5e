/**
 * authorize(): one request → its decisions and their audit events, for every entry point
 * (HTTP, batch, forward-auth, RPC, records, AuthZEN). A short pipeline:
 *
 *   snapshot → principal (token or trusted-PEP subject, then the denylist) → each check
 *   decided by the engine → its audit event
 *
 * Fails closed: a refused token is a 401 with its reason (the checks are audited as
 * refusals), a missing dependency is a 503, nothing here ends in Allow by accident. The
 * events are returned for the caller to send after the response.
 */
import { decisionEvents, shadowFacts } from '../audit/decision-events';
import type { AuditFacts, SerializedEvent } from '../audit/event';
import type { Decision } from '../contract';
import { type KeyEnv, revocationRefusal, verifiedIdentity } from '../identity/principal';
import { TokenError } from '../identity/reasons';
import type { VerifiedIdentity } from '../identity/verify-token';
import { unavailable, VerdictError } from '../lib/errors';
import { newDecisionId } from '../lib/ids';
import { type Budget, DECISION_BUDGET, REQUEST_BUDGET } from '../policy/attributes';
import { redactReasons } from '../policy/redaction';
import { assertContext, type Caller, type Check, decisionInput } from './input';
import { type PepSubject, pepIdentity } from './pep-subject';
import { isRevoked, type Snapshot, snapshotFor } from './snapshot';

export type { Caller, Check, Decision };

export type DecisionEnv = KeyEnv & { DB: D1Database; POLICY_REVALIDATE_MS?: string };

/** One request for decisions. */
export type AuthorizeRequest = {
  env: DecisionEnv;
  ws: string;
  /** The end user's token; absent when a trusted PEP names the subject (`pep`). */
  token: string | undefined;
  checks: readonly Check[];
  caller: Caller;
  now?: number;
  /** The request's work budget, shared by its checks (and by several calls of one HTTP request). */
  budget?: Budget;
  pep?: PepSubject;
};

export type AuthorizeOutcome =
  | { ok: true; identity: VerifiedIdentity; decisions: Decision[]; events: SerializedEvent[] }
  | { ok: false; error: TokenError; events: SerializedEvent[] };

export async function authorize(req: AuthorizeRequest): Promise<AuthorizeOutcome> {
  const started = performance.now();
  const now = req.now ?? Date.now();
  for (const check of req.checks) assertContext(check.context ?? {});
  const snapshot = await snapshotFor(req.env, req.ws, now);
  const audit = decisionEvents({ ws: req.ws, now, started, caller: req.caller, redact: snapshot.redact });

  let identity: VerifiedIdentity;
  try {
    identity = await principalOf(req, snapshot, now);
  } catch (err) {
    if (!(err instanceof TokenError))
      throw err instanceof VerdictError ? err : unavailable('Token verification failed');
    return { ok: false, error: err, events: req.checks.map((c) => audit.refused(c, newDecisionId(), err)) };
  }

  const budget = req.budget ?? { left: REQUEST_BUDGET };
  const decisions: Decision[] = [];
  const events: SerializedEvent[] = [];
  for (const check of req.checks) {
    const { decision, shadow } = decide(snapshot, identity, check, req.caller, now, budget);
    decisions.push(decision);
    const replay = {
      record: check.record,
      timezone: snapshot.set.timezone,
      policiesJson: snapshot.engine.boundVersionsJson(check.resource, check.action),
      ...(req.pep && !req.token ? { pepKeyId: req.pep.keyId } : {}),
    };
    events.push(audit.decided(check, identity, decision, { ...(shadow ? { shadow } : {}), replay }));
  }
  return { ok: true, identity, decisions, events };
}

/**
 * Who asks: the subject a trusted PEP names (when no token is sent), else the token's,
 * verified or from this isolate's cache; then the denylist, on every decision.
 */
async function principalOf(
  req: AuthorizeRequest,
  snapshot: Snapshot,
  now: number,
): Promise<VerifiedIdentity> {
  let identity: VerifiedIdentity;
  if (req.pep && !req.token) identity = await pepIdentity(snapshot, req.pep, now);
  else if (!req.token)
    throw new TokenError('token_missing', 'Send the end-user token in the body or as Authorization: Bearer');
  else
    identity = await verifiedIdentity(
      req.env,
      { ws: req.ws, version: snapshot.version, providers: snapshot.providers },
      req.token,
      now,
    );
  const revoked = revocationRefusal(isRevoked(snapshot, identity.sub, identity.jti, now));
  if (revoked) throw revoked;
  return identity;
}

/** One check through the engine (and its shadow drafts), within what is left of the request's budget. */
function decide(
  snapshot: Snapshot,
  identity: VerifiedIdentity,
  check: Check,
  caller: Caller,
  now: number,
  budget: Budget,
): { decision: Decision; shadow?: AuditFacts['shadow'] } {
  const allowance = Math.max(0, Math.min(DECISION_BUDGET, budget.left));
  const spent = { left: allowance };
  const input = decisionInput(identity, check, caller, now, snapshot.set.timezone);
  const both = snapshot.engine.hasShadows
    ? snapshot.engine.decideWithShadow(input, spent)
    : { live: snapshot.engine.decide(input, spent) };
  budget.left -= allowance - spent.left;
  const result = both.live;
  const decision: Decision = {
    allowed: result.effect === 'Allow',
    decision: result.effect,
    decisionId: newDecisionId(),
    policy: result.policy,
    policyVersion: result.policyVersion,
    ruleId: result.ruleId,
    // Redacted once, here: the caller's answer and the audit event carry the same reasons.
    reasons: redactReasons(result.reasons, snapshot.redact),
    subject: identity.sub,
  };
  return {
    decision,
    ...('shadow' in both && both.shadow ? { shadow: shadowFacts(both.live, both.shadow) } : {}),
  };
}
