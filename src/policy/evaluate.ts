/**
 * The evaluator: a compiled policy set becomes plain closures once per isolate (no
 * eval, no new Function), indexed by (resource, action) so policies that do not apply
 * cost nothing.
 *
 * Semantics (README → "Your own workspace and IdP", the policy rules):
 * - A condition is true, false or indeterminate. On an absent attribute (or null) it is
 *   false; on a value that is present but does not read as the function's type (see
 *   coerce.ts), or on an attribute the entry point cannot know, it is indeterminate.
 * - A rule's conditions are ANDed: any false condition makes the rule not match; else
 *   any indeterminate one makes the rule indeterminate; else it matches.
 * - Combining: any matching Deny wins; else any indeterminate Deny denies (reason
 *   `indeterminate`, naming the rule and the condition); else any matching Allow
 *   allows; else the bound policies' defaults (a Deny default wins). An indeterminate
 *   Allow never allows. No binding → Deny with reason no_policy.
 * - Every decision runs within a work budget (attributes.ts); past it the decision is a
 *   Deny with reason `budget_exceeded`. Nothing here throws to the caller.
 */

import type { ConditionExplanation, Effect, PolicyReason } from '../contract';
import {
  AttributeResolver,
  type Budget,
  CONDITION_COST,
  DECISION_BUDGET,
  type RequestInput,
  SEGMENT_COST,
  UNKNOWN,
} from './attributes';
import {
  bindingKey,
  bindingKeysFor,
  type CompiledCondition,
  type CompiledPolicy,
  type CompiledPolicySet,
} from './compiled';
import {
  explainComparison,
  reasons as explained,
  explainPresence,
  MAX_REASONS,
  MAX_TRACED_RULES,
  type Result,
  type RuleTrace,
  traceRow,
} from './explain';
import { FUNCTIONS } from './functions';
import { ReplayResolver } from './replay-resolver';

const FALSE = 0;
const TRUE = 1;
const INDETERMINATE = 2;
type Outcome = typeof FALSE | typeof TRUE | typeof INDETERMINATE;
const resultOf = (o: Outcome): Result => (o === TRUE ? 'true' : o === FALSE ? 'false' : 'indeterminate');

export type { ConditionExplanation, PolicyReason, RuleTrace };
export { MAX_TRACED_RULES };

export type EngineDecision = {
  effect: Effect;
  policy: string | null;
  policyVersion: number | null;
  ruleId: string | null;
  reasons: PolicyReason[];
};

type ConditionClosure = {
  test: (r: AttributeResolver) => Outcome;
  /** Explains the condition; `known` is its outcome when the caller already computed it. */
  explain: (r: AttributeResolver, index: number, known?: Outcome) => ConditionExplanation;
};
/** `slot`: rules with the same conditions share one (their outcome is memoized per decision when shadows run). */
type RuleClosure = { id: string; effect: Effect; conditions: ConditionClosure[]; slot: number };
type PolicyClosure = {
  name: string;
  version: number;
  rules: RuleClosure[];
  default: { id: string; effect: Effect };
};

/** Thrown inside a decision when its budget runs out; caught by decide/trace. */
class BudgetExceeded extends Error {}

/** Absent for policies: undefined or null (a missing attribute makes a condition false). */
function absent(v: unknown): boolean {
  return v === undefined || v === null;
}

/** A value's size for the cost model, in O(1): a string's length, a list's length, else 1. */
function sizeOf(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  return 1;
}

function spend(r: AttributeResolver, units: number): void {
  r.budget.left -= units;
  if (r.budget.left < 0) throw new BudgetExceeded();
}

function buildCondition(c: CompiledCondition): ConditionClosure {
  const spec = FUNCTIONS[c.fn];
  if (!spec) throw new Error(`compiled policy names unknown function ${c.fn}`);
  const path = c.path;
  const test = spec.test as (a: unknown, b: unknown) => boolean;
  const costOf = spec.cost;

  const base =
    CONDITION_COST + SEGMENT_COST * (path.length + (c.operand?.kind === 'attr' ? c.operand.path.length : 0));

  if (c.fn === 'is_present' || c.fn === 'is_absent') {
    const wantPresent = c.fn === 'is_present';
    const run = (r: AttributeResolver): Outcome => {
      spend(r, base);
      const v = r.get(path);
      if (v === UNKNOWN) return INDETERMINATE;
      return absent(v) === wantPresent ? FALSE : TRUE;
    };
    return {
      test: run,
      explain: (r, index, known) => explainPresence(c, index, r.get(path), resultOf(known ?? run(r))),
    };
  }

  const operand = c.operand;
  const constant =
    operand?.kind === 'const' ? (spec.prepare ? spec.prepare(operand.value) : operand.value) : undefined;
  const constantSize = operand?.kind === 'const' ? sizeOf(operand.value) : 0;
  const fromPath = operand?.kind === 'attr' ? operand.path : undefined;
  const fromCoerce = spec.operandFromAttr;

  const run = (r: AttributeResolver): Outcome => {
    spend(r, base);
    const raw = r.get(path);
    if (raw === UNKNOWN) return INDETERMINATE;
    if (absent(raw)) return FALSE;
    let rawB: unknown;
    if (fromPath) {
      rawB = r.get(fromPath);
      if (rawB === UNKNOWN) return INDETERMINATE;
      if (absent(rawB)) return FALSE;
    }
    // Everything the function will do (coercions included) is paid for before it runs,
    // from sizes known in O(1).
    const sa = sizeOf(raw);
    const sb = fromPath ? sizeOf(rawB) : constantSize;
    spend(r, costOf ? costOf(sa, sb, constant, fromPath !== undefined) : Math.min(sa, sb));
    const a = r.coerce(spec.attr, raw);
    if (!a.ok) return INDETERMINATE;
    let b = constant;
    if (fromPath) {
      if (!fromCoerce) return INDETERMINATE;
      const cb = r.coerce(fromCoerce, rawB);
      if (!cb.ok) return INDETERMINATE;
      b = cb.value;
    }
    return test(a.value, b) ? TRUE : FALSE;
  };

  const explain = (r: AttributeResolver, index: number, known?: Outcome): ConditionExplanation => {
    const actual = r.get(path);
    const expected = fromPath ? r.get(fromPath) : operand?.kind === 'const' ? operand.value : undefined;
    return explainComparison(c, spec, index, actual, expected, resultOf(known ?? run(r)));
  };

  return { test: run, explain };
}

function buildPolicy(
  p: CompiledPolicy,
  slotOf: (rule: CompiledPolicy['rules'][number]) => number,
): PolicyClosure {
  return {
    name: p.name,
    version: p.version,
    default: p.default,
    rules: p.rules.map((rule) => ({
      id: rule.id,
      effect: rule.effect,
      conditions: rule.conditions.map(buildCondition),
      slot: slotOf(rule),
    })),
  };
}

/** The decision when a rule matched: that rule's effect, from that policy. */
function matched(policy: PolicyClosure, rule: RuleClosure): EngineDecision {
  const at = { policy: policy.name, policyVersion: policy.version };
  return { effect: rule.effect, ...at, ruleId: rule.id, reasons: explained.matched(at, rule) };
}

/**
 * A rule's outcome. With a memo (a decision evaluated live and in shadow), the live pass
 * records each rule's outcome and the shadow pass reuses it: the shadow pays only for the
 * rules the draft changed, and the live pass evaluates (and spends) exactly as it would
 * without a shadow.
 */
function ruleOutcome(rule: RuleClosure, r: AttributeResolver): Outcome {
  const memo = r.memo;
  if (memo === undefined) return conditionsOutcome(rule, r);
  if (r.memoRead) {
    const known = memo[rule.slot] as number;
    if (known !== 0) return (known - 1) as Outcome;
  }
  const outcome = conditionsOutcome(rule, r);
  memo[rule.slot] = outcome + 1;
  return outcome;
}

/** False as soon as one condition is false, else indeterminate if any is. */
function conditionsOutcome(rule: RuleClosure, r: AttributeResolver): Outcome {
  let outcome: Outcome = TRUE;
  for (const c of rule.conditions) {
    const o = c.test(r);
    if (o === FALSE) return FALSE;
    if (o === INDETERMINATE) outcome = INDETERMINATE;
  }
  return outcome;
}

/** The first condition of `rule` that does not hold (indeterminate ones first when asked), explained. */
function firstFailure(
  rule: RuleClosure,
  r: AttributeResolver,
  want?: Outcome,
): ConditionExplanation | undefined {
  for (let i = 0; i < rule.conditions.length; i++) {
    const c = rule.conditions[i] as ConditionClosure;
    const o = c.test(r);
    if (o !== TRUE && (want === undefined || o === want)) return c.explain(r, i, o);
  }
  return undefined;
}

function indeterminateDeny(policy: PolicyClosure, rule: RuleClosure, r: AttributeResolver): EngineDecision {
  const condition = firstFailure(rule, r, INDETERMINATE) as ConditionExplanation;
  const at = { policy: policy.name, policyVersion: policy.version };
  return {
    effect: 'Deny',
    ...at,
    ruleId: rule.id,
    reasons: explained.indeterminateDeny(at, rule.id, condition),
  };
}

const budgetExceeded = (): EngineDecision => ({
  effect: 'Deny',
  policy: null,
  policyVersion: null,
  ruleId: null,
  reasons: explained.budgetExceeded(),
});

const conditionClosures = new WeakMap<CompiledCondition, ConditionClosure>();

/**
 * Whether one compiled condition is known to hold for a request (closures cached per
 * condition). Indeterminate and a spent budget read as false.
 */
export function conditionHolds(c: CompiledCondition, r: AttributeResolver): boolean {
  let closure = conditionClosures.get(c);
  if (!closure) {
    closure = buildCondition(c);
    conditionClosures.set(c, closure);
  }
  try {
    return closure.test(r) === TRUE;
  } catch (err) {
    if (err instanceof BudgetExceeded) return false;
    throw err;
  }
}

/** The compiled policies bound to (resource, action), including "*" bindings. */
export function applicablePolicies(
  set: CompiledPolicySet,
  resource: string,
  action: string,
): CompiledPolicy[] {
  const names = new Set<string>();
  for (const k of bindingKeysFor(resource, action)) {
    for (const n of set.bindings[k] ?? []) names.add(n);
  }
  return [...names].map((n) => set.policies[n]).filter((p): p is CompiledPolicy => p !== undefined);
}

export type Engine = {
  version: number;
  timezone: string;
  /** The policies bound to (resource, action), including "*" bindings. */
  policiesFor(resource: string, action: string): readonly PolicyClosure[];
  /** `{"<policy>":<version>,…}` of the policies bound to (resource, action), as JSON text (memoized). */
  boundVersionsJson(resource: string, action: string): string;
  /** One decision. `budget` may be shared across decisions (a records page); default: one decision's. */
  decide(input: RequestInput, budget?: Budget): EngineDecision;
  trace(input: RequestInput): { decision: EngineDecision; rules: RuleTrace[] };
  /**
   * One decision against a stored, redacted input (impact analysis): audit markers read
   * as unknown, and `touchedMarker` says whether the answer depended on one.
   */
  replay(input: RequestInput): { decision: EngineDecision; touchedMarker: boolean };
  /** Whether any policy has a shadow draft attached. */
  hasShadows: boolean;
  /**
   * The live decision and, when a policy bound to (resource, action) has a shadow, the
   * decision with the shadows substituted on the same input. The shadow never changes
   * the live answer or its budget; if it fails it is left out.
   */
  decideWithShadow(
    input: RequestInput,
    budget?: Budget,
  ): { live: EngineDecision; shadow?: { policies: string[]; decision: EngineDecision } };
};

/**
 * Builds closures for a whole policy set (and the shadow drafts attached to its
 * policies, by name). Cost: once per isolate per set version.
 */
export function buildEngine(set: CompiledPolicySet, shadows: Record<string, CompiledPolicy> = {}): Engine {
  const hasShadows = Object.keys(shadows).some((name) => set.policies[name] !== undefined);
  const slots = new Map<string, number>();
  const slotOf = (rule: CompiledPolicy['rules'][number]) => {
    if (!hasShadows) return 0;
    const key = JSON.stringify(rule.conditions);
    const known = slots.get(key);
    if (known !== undefined) return known;
    slots.set(key, slots.size);
    return slots.size - 1;
  };
  const closures = new Map<string, PolicyClosure>();
  for (const [name, p] of Object.entries(set.policies)) closures.set(name, buildPolicy(p, slotOf));
  const shadowClosures = new Map<string, PolicyClosure>();
  for (const [name, p] of Object.entries(shadows))
    if (closures.has(name)) shadowClosures.set(name, buildPolicy(p, slotOf));
  const bound = new Map<string, PolicyClosure[]>();
  for (const [key, names] of Object.entries(set.bindings)) {
    const list = names.map((n) => closures.get(n)).filter((p): p is PolicyClosure => p !== undefined);
    bound.set(key, list);
  }
  // (resource, action) → what decisions need of its bindings, memoized in one entry and
  // bounded because both come from requests: the applicable policies, then on first use the
  // audit event's record of their versions and the list with shadows substituted.
  type Bound = {
    policies: readonly PolicyClosure[];
    versionsJson?: string;
    /** null when no applicable policy has a shadow. */
    shadow?: { list: PolicyClosure[]; names: string[] } | null;
  };
  const lookup = new Map<string, Bound>();
  const EMPTY: readonly PolicyClosure[] = [];

  function boundFor(resource: string, action: string): Bound {
    const key = bindingKey(resource, action);
    const hit = lookup.get(key);
    if (hit) return hit;
    const seen = new Set<PolicyClosure>();
    for (const k of bindingKeysFor(resource, action)) {
      for (const p of bound.get(k) ?? EMPTY) seen.add(p);
    }
    const entry: Bound = { policies: seen.size === 0 ? EMPTY : [...seen] };
    if (lookup.size >= 4096) lookup.clear();
    lookup.set(key, entry);
    return entry;
  }

  function policiesFor(resource: string, action: string): readonly PolicyClosure[] {
    return boundFor(resource, action).policies;
  }

  function boundVersionsJson(resource: string, action: string): string {
    const b = boundFor(resource, action);
    b.versionsJson ??= JSON.stringify(Object.fromEntries(b.policies.map((p) => [p.name, p.version])));
    return b.versionsJson;
  }

  function shadowPoliciesFor(resource: string, action: string) {
    const b = boundFor(resource, action);
    if (b.shadow === undefined) {
      const names = b.policies.filter((p) => shadowClosures.has(p.name)).map((p) => p.name);
      b.shadow =
        names.length === 0 ? null : { list: b.policies.map((p) => shadowClosures.get(p.name) ?? p), names };
    }
    return b.shadow;
  }

  /** `explain: false` leaves out why each Allow rule failed (a shadow pass needs only the answer). */
  function decideWith(
    policies: readonly PolicyClosure[],
    r: AttributeResolver,
    explain = true,
  ): EngineDecision {
    if (policies.length === 0) {
      return {
        effect: 'Deny',
        policy: null,
        policyVersion: null,
        ruleId: null,
        reasons: explained.noPolicy(r.input.resource, r.input.action),
      };
    }
    let allow: { policy: PolicyClosure; rule: RuleClosure } | undefined;
    let unsure: { policy: PolicyClosure; rule: RuleClosure } | undefined;
    for (const policy of policies) {
      for (const rule of policy.rules) {
        // Once an Allow matched, only Deny rules can change the answer; once a Deny is
        // indeterminate, only a matching Deny can (it names a definite rule instead).
        if (rule.effect === 'Allow' && (allow || unsure)) continue;
        const outcome = ruleOutcome(rule, r);
        if (outcome === TRUE) {
          if (rule.effect === 'Deny') return matched(policy, rule);
          allow = { policy, rule };
        } else if (outcome === INDETERMINATE && rule.effect === 'Deny' && !unsure) {
          unsure = { policy, rule };
        }
      }
    }
    if (unsure) return indeterminateDeny(unsure.policy, unsure.rule, r);
    if (allow) return matched(allow.policy, allow.rule);
    const deciding = policies.find((p) => p.default.effect === 'Deny') ?? (policies[0] as PolicyClosure);
    const reasons: PolicyReason[] = [
      explained.defaultApplied({ policy: deciding.name, policyVersion: deciding.version }, deciding.default),
    ];
    // Explain why each Allow rule did not apply (the first condition that failed).
    if (explain)
      outer: for (const policy of policies) {
        for (const rule of policy.rules) {
          if (reasons.length >= MAX_REASONS) break outer;
          if (rule.effect !== 'Allow') continue;
          const failure = firstFailure(rule, r);
          if (failure) reasons.push(explained.notApplied(policy.name, rule.id, failure));
        }
      }
    return {
      effect: deciding.default.effect,
      policy: deciding.name,
      policyVersion: deciding.version,
      ruleId: deciding.default.id,
      reasons,
    };
  }

  function guarded<T>(run: () => T, exceeded: () => T): T {
    try {
      return run();
    } catch (err) {
      if (err instanceof BudgetExceeded) return exceeded();
      throw err;
    }
  }

  return {
    version: set.version,
    timezone: set.timezone,
    policiesFor,
    boundVersionsJson,
    decide(input, budget) {
      const policies = policiesFor(input.resource, input.action);
      return guarded(() => decideWith(policies, new AttributeResolver(input, budget)), budgetExceeded);
    },
    hasShadows,
    decideWithShadow(input, budget) {
      const policies = policiesFor(input.resource, input.action);
      const shadowed = hasShadows ? shadowPoliciesFor(input.resource, input.action) : null;
      const r = new AttributeResolver(input, budget);
      if (shadowed) r.memo = new Uint8Array(slots.size);
      const live = guarded(() => decideWith(policies, r), budgetExceeded);
      if (!shadowed) return { live };
      // The shadow runs on its own budget and can neither throw nor spend the live one.
      const liveLeft = r.budget.left;
      try {
        r.budget.left = DECISION_BUDGET;
        r.memoRead = true;
        const decision = guarded(() => decideWith(shadowed.list, r, false), budgetExceeded);
        return { live, shadow: { policies: shadowed.names, decision } };
      } catch {
        return { live };
      } finally {
        r.budget.left = liveLeft;
      }
    },
    replay(input) {
      const r = new ReplayResolver(input);
      const decision = guarded(
        () => decideWith(policiesFor(input.resource, input.action), r),
        budgetExceeded,
      );
      return { decision, touchedMarker: r.touchedMarker };
    },
    trace(input) {
      const policies = policiesFor(input.resource, input.action);
      return guarded(
        () => {
          const r = new AttributeResolver(input);
          const rules: RuleTrace[] = [];
          for (const policy of policies) {
            for (const rule of policy.rules) {
              if (rules.length >= MAX_TRACED_RULES) break;
              const at = { policy: policy.name, policyVersion: policy.version };
              rules.push(
                traceRow(
                  at,
                  rule,
                  rule.conditions.map((c, i) => c.explain(r, i)),
                ),
              );
            }
          }
          return { decision: decideWith(policies, r), rules };
        },
        () => ({ decision: budgetExceeded(), rules: [] }),
      );
    },
  };
}
