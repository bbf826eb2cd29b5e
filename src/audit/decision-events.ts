/**
 * The audit events of one authorize() call, built at the engine's edge: one event per
 * check, decided or refused, with what the call shares (workspace, time, caller, the
 * workspace's redaction keys, the principal's attributes serialized once) bound here
 * rather than repeated per check.
 */
import type { Decision } from '../contract';
import type { EngineDecision } from '../policy/evaluate';
import { type AuditFacts, attributesJsonOf, type SerializedEvent, serializeEvent } from './event';

/** What one call's events share. `started` is performance.now() when the call began (latency). */
export type CallFacts = {
  ws: string;
  now: number;
  started: number;
  caller: { ip?: string | undefined; userAgent?: string | undefined };
  redact: ReadonlySet<string>;
};

/** A check as the events record it (the decision path's Check). */
type CheckFacts = {
  resource: string;
  action: string;
  context?: Record<string, unknown> | undefined;
  record?: Record<string, unknown> | undefined;
};

/** The principal as the events record it. */
type PrincipalFacts = { sub: string; providerName: string; attributes: Record<string, unknown> };

/** What the audit event says of a shadow evaluation: its answer, and whether it differs from the live one. */
export function shadowFacts(
  live: EngineDecision,
  shadow: { policies: string[]; decision: EngineDecision },
): NonNullable<AuditFacts['shadow']> {
  const d = shadow.decision;
  return {
    policies: shadow.policies,
    decision: d.effect,
    policy: d.policy,
    ruleId: d.ruleId,
    diverged: d.effect !== live.effect || d.ruleId !== live.ruleId || d.policy !== live.policy,
  };
}

export type DecisionEvents = {
  /** A check refused before any policy was asked (a refused token): Deny, no subject. */
  refused(check: CheckFacts, decisionId: string, reason: { reason: string; detail: string }): SerializedEvent;
  /** A decided check, with what replaying it needs. */
  decided(
    check: CheckFacts,
    principal: PrincipalFacts,
    decision: Decision,
    extra: { shadow?: AuditFacts['shadow']; replay: NonNullable<AuditFacts['replay']> },
  ): SerializedEvent;
};

export function decisionEvents(call: CallFacts): DecisionEvents {
  let lastAttributes: Record<string, unknown> | undefined;
  let lastAttributesJson = '';
  const serialize = (
    check: CheckFacts,
    facts: Omit<
      AuditFacts,
      | 'workspaceId'
      | 'time'
      | 'resource'
      | 'action'
      | 'attributes'
      | 'context'
      | 'latencyMs'
      | 'ip'
      | 'userAgent'
    >,
    attributes: Record<string, unknown>,
  ): SerializedEvent => {
    // The principal's attributes are the same for every check of the call: redacted and
    // serialized once.
    if (attributes !== lastAttributes) {
      lastAttributes = attributes;
      lastAttributesJson = attributesJsonOf(attributes, call.redact);
    }
    return serializeEvent(
      {
        ...facts,
        workspaceId: call.ws,
        time: call.now,
        resource: check.resource,
        action: check.action,
        attributes,
        context: check.context ?? {},
        latencyMs: Math.round(performance.now() - call.started),
        ip: call.caller.ip ?? null,
        userAgent: call.caller.userAgent ?? null,
      },
      call.redact,
      lastAttributesJson,
    );
  };
  return {
    refused: (check, decisionId, refusal) =>
      serialize(
        check,
        {
          decisionId,
          subject: null,
          provider: null,
          decision: 'Deny',
          policy: null,
          policyVersion: null,
          ruleId: null,
          reasons: [{ code: refusal.reason, message: refusal.detail }],
        },
        {},
      ),
    decided: (check, principal, decision, extra) =>
      serialize(
        check,
        {
          decisionId: decision.decisionId,
          subject: principal.sub,
          provider: principal.providerName,
          decision: decision.decision,
          policy: decision.policy,
          policyVersion: decision.policyVersion,
          ruleId: decision.ruleId,
          reasons: decision.reasons,
          ...(extra.shadow ? { shadow: extra.shadow } : {}),
          replay: extra.replay,
        },
        principal.attributes,
      ),
  };
}
