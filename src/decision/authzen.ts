/**
 * OpenID AuthZEN evaluations over the decision path: each item mapped to a check
 * (action.name → action, resource.type → resource, resource.properties and context →
 * request_metadata plus resource_id, resource.properties → record.<field>), decided as
 * POST /authorize decides it, and answered in the spec's result shape. Who the subject is
 * (an end user's token, or a trusted PEP naming it) is the HTTP layer's to tell
 * (http/routes/authzen.ts); this is the same for both, beside the other gateway adapters.
 */
import { recordAudit } from '../audit/outbox';
import type { Decision, Evaluation, EvaluationResult } from '../contract';
import { REQUEST_BUDGET } from '../policy/attributes';
import { authorize } from './authorize';
import { type DecisionRequest, requireIdentity, settle } from './enforce';
import { type PepSubject, subjectDirectory } from './pep-subject';

type Item = Evaluation;
type Result = EvaluationResult;
export type Semantic = 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';

/** Who is calling: a trusted PEP (its key) or an end user (their token). */
export type AuthZenCaller =
  | { kind: 'pep'; keyId: string; ws: string; token: string | undefined }
  | { kind: 'user'; ws: string; token: string | undefined };

/** Top-level entity fields beside type, id and properties, read as properties (earlier drafts). */
function propertiesOf(entity: Item['resource']): Record<string, unknown> {
  const { type: _t, id: _i, properties, ...extra } = entity;
  return { ...extra, ...(properties ?? {}) };
}

function toCheck(item: Item) {
  const props = propertiesOf(item.resource);
  return {
    resource: item.resource.type,
    action: item.action.name,
    context: {
      ...props,
      ...(item.action.properties ?? {}),
      ...(item.context ?? {}),
      resource_id: item.resource.id,
    },
    // The PEP's properties never override the resource's own id.
    record: { ...props, id: item.resource.id },
  };
}

function explained(d: Decision): Result {
  const first = d.reasons.find((r) => 'message' in r) as { message?: string } | undefined;
  const why = d.allowed
    ? `rule "${d.ruleId}" of policy "${d.policy}" v${d.policyVersion}`
    : (first?.message ?? String(d.ruleId));
  return { decision: d.allowed, context: { id: d.decisionId, reason_admin: { en: why } } };
}

const refused = (reason: string, code = 400): Result => ({
  decision: false,
  context: { code, reason_admin: { en: reason } },
});

/**
 * The evaluations of one AuthZEN call, in order, under its semantic: `execute_all`, or stop
 * at the first deny (`deny_on_first_deny`) or permit (`permit_on_first_permit`). An item
 * given as a string could not be read: it is refused in place. One work budget for the
 * whole call.
 */
export async function evaluateAll(
  req: DecisionRequest,
  who: AuthZenCaller,
  items: (Item | string)[],
  semantic: Semantic,
  explain: boolean,
): Promise<Result[]> {
  const first = items.find((i): i is Item => typeof i !== 'string');
  // An end-user token is verified once; a refused one is the request's 401, as for /authorize.
  const sub =
    who.kind === 'user' || who.token !== undefined
      ? (await requireIdentity(req, first ? toCheck(first) : { resource: 'authzen', action: 'evaluate' })).sub
      : undefined;
  const results: Result[] = [];
  // One work budget for the whole call, however many evaluations it holds.
  const budget = { left: REQUEST_BUDGET };
  const directory = subjectDirectory(req.env.DB, who.ws);
  for (const item of items) {
    let result: Result;
    if (typeof item === 'string') result = refused(item);
    else if (sub !== undefined && item.subject.id !== sub)
      result = {
        decision: false,
        context: { reason_admin: { en: 'subject.id does not match the token subject' } },
      };
    else {
      const pep: PepSubject | undefined =
        who.kind === 'pep' && who.token === undefined
          ? { id: item.subject.id, properties: propertiesOf(item.subject), keyId: who.keyId, directory }
          : undefined;
      const outcome = await authorize({ ...req, checks: [toCheck(item)], budget, ...(pep ? { pep } : {}) });
      if (pep && !outcome.ok) {
        // The subject source lacks a required attribute: this item is refused (and audited), not the call.
        recordAudit(req.env, req.ctx, outcome.events);
        result = refused(outcome.error.detail, 403);
      } else {
        settle(req, outcome);
        const d = outcome.decisions[0] as Decision;
        result = who.kind === 'user' || explain ? explained(d) : { decision: d.allowed };
      }
    }
    results.push(result);
    if (semantic === 'deny_on_first_deny' && !result.decision) break;
    if (semantic === 'permit_on_first_permit' && result.decision) break;
  }
  return results;
}
