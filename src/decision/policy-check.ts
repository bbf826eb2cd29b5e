/**
 * A policy checked as a write checks it, and a workspace's policies compiled into the set
 * decisions read — pure, so the Worker (writes, POST …/validate, snapshots) and the
 * `verdict` CLI (validate, test: offline) run the same code.
 */
import type { ClaimMapping, FieldError, Permission, PolicyDocument } from '../contract';
import { attributeSchema } from '../identity/attribute-schema';
import { VerdictError } from '../lib/errors';
import { checkAttributes } from '../policy/attribute-check';
import { compilePolicy } from '../policy/compile-policy';
import { bindingKey, type CompiledPolicy, type CompiledPolicySet } from '../policy/compiled';

/** What the check needs of a provider: its name and claim mappings. */
export type MappingSource = { name: string; claimMappings: readonly ClaimMapping[] };

export type PolicyCheck =
  | { ok: true; policy: CompiledPolicy; document: PolicyDocument; warnings: FieldError[] }
  | { ok: false; errors: FieldError[]; warnings: FieldError[] };

/**
 * Validates and compiles `input` (unknown JSON), then checks its attributes against the
 * claim mappings: errors name the rule and condition (`specification.rules.1.conditions.0.value`),
 * and an ext_* attribute no mapping produces is a warning.
 */
export function checkPolicy(
  input: unknown,
  version: number,
  providers: readonly MappingSource[],
): PolicyCheck {
  const compiled = compilePolicy(input, version);
  if (!compiled.ok) return { ok: false, errors: compiled.issues, warnings: [] };
  const checked = checkAttributes(compiled.policy, attributeSchema(providers));
  if (checked.errors.length > 0) return { ok: false, errors: checked.errors, warnings: checked.warnings };
  return { ok: true, policy: compiled.policy, document: compiled.document, warnings: checked.warnings };
}

/** The set decisions read: compiled policies by name, bindings by (resource, action). */
export function policySet(
  policies: readonly CompiledPolicy[],
  bindings: readonly Permission[],
  timezone: string,
  version = 0,
): CompiledPolicySet {
  const set: CompiledPolicySet = { version, timezone, policies: {}, bindings: {} };
  for (const p of policies) set.policies[p.name] = p;
  for (const b of bindings) set.bindings[bindingKey(b.resource, b.action)] = [...b.policies];
  return set;
}

/** A 422 naming each problem of a policy (field paths in `errors`). */
export const invalidPolicy = (issues: FieldError[]) =>
  new VerdictError('invalid_policy', 422, issues[0]?.message ?? 'The policy is not valid', {
    errors: issues,
  });
