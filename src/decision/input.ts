/**
 * What a decision is asked: the checks (the contract's Check, plus the record on records
 * routes), the caller's facts every check of a request shares, and the engine's input built
 * from them and the principal, the same on every entry point.
 */
import type { Check as ContractCheck } from '../contract';
import type { VerifiedIdentity } from '../identity/verify-token';
import { badRequest } from '../lib/errors';
import { valueDepthExceeds } from '../lib/json-depth';
import type { RequestInput } from '../policy/attributes';

/** A check as the engine takes it: the contract's Check, plus the record for records routes. */
export type Check = ContractCheck & { record?: Record<string, unknown> };

/**
 * Facts about the caller that every decision for one request shares, whatever the
 * entry point (a records list decides each row with exactly these). `ip` undefined
 * means the entry point does not know it: ip conditions are then indeterminate.
 */
export type Caller = { ip?: string | undefined; userAgent?: string | undefined };

export const MAX_CONTEXT_DEPTH = 8;

/** Context nesting limit, checked without recursion (a 30,000-deep context is a 400, not a 500). */
export function assertContext(context: unknown): void {
  if (valueDepthExceeds(context, MAX_CONTEXT_DEPTH))
    throw badRequest(`context is nested deeper than ${MAX_CONTEXT_DEPTH} levels`);
}

/** What the engine evaluates for one check: the same caller facts on every entry point. */
export function decisionInput(
  identity: VerifiedIdentity,
  check: Check,
  caller: Caller,
  now: number,
  timezone: string,
): RequestInput {
  return {
    attributes: identity.attributes,
    resource: check.resource,
    action: check.action,
    context: check.context ?? {},
    ...(check.record ? { record: check.record } : {}),
    ...(caller.ip ? { ip: caller.ip } : {}),
    now,
    timezone,
  };
}
