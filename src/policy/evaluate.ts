/**
 * The evaluator: a compiled policy set becomes plain closures once per isolate (no
 * eval, no new Function), indexed by (resource, action) so policies that do not apply
 * cost nothing. Semantics (PRODUCT.md): conditions are ANDed; any matching Deny wins,
 * else any matching Allow allows, else the bound policies' defaults (a Deny default
 * wins over an Allow default). A condition that cannot be evaluated does not match and
 * is reported. No binding → Deny with reason no_policy.
 */
import { AttributeResolver, type RequestInput } from './attributes';
import { describe } from './coerce';
import {
  bindingKey,
  bindingKeysFor,
  type CompiledCondition,
  type CompiledPolicy,
  type CompiledPolicySet,
} from './compiled';
import { FUNCTIONS } from './functions';
import type { Effect } from './schema';

const FALSE = 0;
const TRUE = 1;
const INDETERMINATE = 2;
type Outcome = typeof FALSE | typeof TRUE | typeof INDETERMINATE;

export type ConditionExplanation = {
  index: number;
  function: string;
  attribute: string;
  result: 'true' | 'false' | 'indeterminate';
  /** The attribute's value (as read, before coercion). */
  actual?: unknown;
  /** The operand: the constant, or the value of value_from_attribute. */
  expected?: unknown;
  operandAttribute?: string;
  message: string;
};

export type PolicyReason =
  | { code: 'rule_matched'; policy: string; policyVersion: number; rule: string; effect: Effect }
  | { code: 'default_applied'; policy: string; policyVersion: number; rule: string; effect: Effect }
  | {
      code: 'condition_failed' | 'condition_indeterminate';
      policy: string;
      rule: string;
      condition: ConditionExplanation;
      message: string;
    }
  | { code: 'no_policy'; message: string };

export type EngineDecision = {
  effect: Effect;
  policy: string | null;
  policyVersion: number | null;
  ruleId: string | null;
  reasons: PolicyReason[];
};

export type RuleTrace = {
  policy: string;
  policyVersion: number;
  rule: string;
  effect: Effect;
  matched: boolean;
  conditions: ConditionExplanation[];
};

type ConditionClosure = {
  test: (r: AttributeResolver) => Outcome;
  explain: (r: AttributeResolver, index: number) => ConditionExplanation;
};
type RuleClosure = { id: string; effect: Effect; conditions: ConditionClosure[] };
type PolicyClosure = {
  name: string;
  version: number;
  rules: RuleClosure[];
  default: { id: string; effect: Effect };
};

const MAX_REASONS = 20;

function absent(v: unknown): boolean {
  return v === undefined || v === null;
}

function buildCondition(c: CompiledCondition): ConditionClosure {
  const spec = FUNCTIONS[c.fn];
  if (!spec) throw new Error(`compiled policy names unknown function ${c.fn}`);
  const path = c.path;
  const test = spec.test as (a: unknown, b: unknown) => boolean;

  if (c.fn === 'is_present' || c.fn === 'is_absent') {
    const wantPresent = c.fn === 'is_present';
    const run = (r: AttributeResolver): Outcome => (absent(r.get(path)) === wantPresent ? FALSE : TRUE);
    return {
      test: run,
      explain: (r, index) => {
        const actual = r.get(path);
        const result = run(r) === TRUE ? 'true' : 'false';
        return {
          index,
          function: c.fn,
          attribute: c.name,
          result,
          actual,
          message: `${c.name} is ${absent(actual) ? 'absent' : 'present'}`,
        };
      },
    };
  }

  const operand = c.operand;
  const constant =
    operand?.kind === 'const' ? (spec.prepare ? spec.prepare(operand.value) : operand.value) : undefined;
  const fromPath = operand?.kind === 'attr' ? operand.path : undefined;
  const fromCoerce = spec.operandFromAttr;

  const run = (r: AttributeResolver): Outcome => {
    const raw = r.get(path);
    if (raw === undefined) return INDETERMINATE;
    const a = spec.attr(raw);
    if (!a.ok) return INDETERMINATE;
    let b = constant;
    if (fromPath) {
      const rawB = r.get(fromPath);
      if (rawB === undefined || !fromCoerce) return INDETERMINATE;
      const cb = fromCoerce(rawB);
      if (!cb.ok) return INDETERMINATE;
      b = cb.value;
    }
    return test(a.value, b) ? TRUE : FALSE;
  };

  const explain = (r: AttributeResolver, index: number): ConditionExplanation => {
    const actual = r.get(path);
    const expected = fromPath ? r.get(fromPath) : operand?.kind === 'const' ? operand.value : undefined;
    const operandName = operand?.kind === 'attr' ? operand.name : JSON.stringify(expected);
    const shown = (v: unknown) =>
      typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? 'absent');
    const base = {
      index,
      function: c.fn,
      attribute: c.name,
      actual,
      expected,
      ...(operand?.kind === 'attr' ? { operandAttribute: operand.name } : {}),
    };
    const outcome = run(r);
    if (outcome === INDETERMINATE) {
      let why: string;
      if (actual === undefined) why = `${c.name} is absent`;
      else {
        const a = spec.attr(actual);
        if (!a.ok) why = `${c.name}: ${a.why}`;
        else if (fromPath && expected === undefined)
          why = `${operand?.kind === 'attr' ? operand.name : 'operand'} is absent`;
        else {
          const cb = fromCoerce?.(expected);
          why = `${operand?.kind === 'attr' ? operand.name : 'operand'}: ${cb && !cb.ok ? cb.why : describe(expected)}`;
        }
      }
      return { ...base, result: 'indeterminate', message: `cannot evaluate ${c.fn}: ${why}` };
    }
    const holds = outcome === TRUE;
    const valuePart = operand?.kind === 'attr' ? `${operandName} (${shown(expected)})` : operandName;
    return {
      ...base,
      result: holds ? 'true' : 'false',
      message: `${c.name} (${shown(actual)}) ${holds ? '' : 'does not satisfy: '}${spec.words} ${valuePart}`,
    };
  };

  return { test: run, explain };
}

function buildPolicy(p: CompiledPolicy): PolicyClosure {
  return {
    name: p.name,
    version: p.version,
    default: p.default,
    rules: p.rules.map((rule) => ({
      id: rule.id,
      effect: rule.effect,
      conditions: rule.conditions.map(buildCondition),
    })),
  };
}

/** The decision when a rule matched: that rule's effect, from that policy. */
function matched(policy: PolicyClosure, rule: RuleClosure): EngineDecision {
  const at = { policy: policy.name, policyVersion: policy.version };
  return {
    effect: rule.effect,
    ...at,
    ruleId: rule.id,
    reasons: [{ code: 'rule_matched', ...at, rule: rule.id, effect: rule.effect }],
  };
}

function ruleMatches(rule: RuleClosure, r: AttributeResolver): boolean {
  for (const c of rule.conditions) if (c.test(r) !== TRUE) return false;
  return true;
}

/** The first condition of `rule` that does not hold, explained. */
function firstFailure(rule: RuleClosure, r: AttributeResolver): ConditionExplanation | undefined {
  for (let i = 0; i < rule.conditions.length; i++) {
    const c = rule.conditions[i] as ConditionClosure;
    if (c.test(r) !== TRUE) return c.explain(r, i);
  }
  return undefined;
}

const conditionClosures = new WeakMap<CompiledCondition, ConditionClosure>();

/** Whether one compiled condition holds for a request (closures cached per condition). */
export function conditionHolds(c: CompiledCondition, r: AttributeResolver): boolean {
  let closure = conditionClosures.get(c);
  if (!closure) {
    closure = buildCondition(c);
    conditionClosures.set(c, closure);
  }
  return closure.test(r) === TRUE;
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
  decide(input: RequestInput): EngineDecision;
  trace(input: RequestInput): { decision: EngineDecision; rules: RuleTrace[] };
};

/** Builds closures for a whole policy set. Cost: once per isolate per set version. */
export function buildEngine(set: CompiledPolicySet): Engine {
  const closures = new Map<string, PolicyClosure>();
  for (const [name, p] of Object.entries(set.policies)) closures.set(name, buildPolicy(p));
  const bound = new Map<string, PolicyClosure[]>();
  for (const [key, names] of Object.entries(set.bindings)) {
    const list = names.map((n) => closures.get(n)).filter((p): p is PolicyClosure => p !== undefined);
    bound.set(key, list);
  }
  // (resource, action) → applicable policies, memoized; bounded because both come from requests.
  const lookup = new Map<string, readonly PolicyClosure[]>();
  const EMPTY: readonly PolicyClosure[] = [];

  function policiesFor(resource: string, action: string): readonly PolicyClosure[] {
    const key = bindingKey(resource, action);
    const hit = lookup.get(key);
    if (hit) return hit;
    const seen = new Set<PolicyClosure>();
    for (const k of bindingKeysFor(resource, action)) {
      for (const p of bound.get(k) ?? EMPTY) seen.add(p);
    }
    const result = seen.size === 0 ? EMPTY : [...seen];
    if (lookup.size >= 4096) lookup.clear();
    lookup.set(key, result);
    return result;
  }

  function decideWith(policies: readonly PolicyClosure[], r: AttributeResolver): EngineDecision {
    if (policies.length === 0) {
      return {
        effect: 'Deny',
        policy: null,
        policyVersion: null,
        ruleId: null,
        reasons: [
          { code: 'no_policy', message: `No policy is bound to ${r.input.resource}/${r.input.action}` },
        ],
      };
    }
    let allow: { policy: PolicyClosure; rule: RuleClosure } | undefined;
    for (const policy of policies) {
      for (const rule of policy.rules) {
        if (rule.effect === 'Allow' && allow) continue;
        if (!ruleMatches(rule, r)) continue;
        if (rule.effect === 'Deny') return matched(policy, rule);
        allow = { policy, rule };
      }
    }
    if (allow) return matched(allow.policy, allow.rule);
    const deciding = policies.find((p) => p.default.effect === 'Deny') ?? (policies[0] as PolicyClosure);
    const reasons: PolicyReason[] = [
      {
        code: 'default_applied',
        policy: deciding.name,
        policyVersion: deciding.version,
        rule: deciding.default.id,
        effect: deciding.default.effect,
      },
    ];
    // Explain why each Allow rule did not apply (the first condition that failed).
    outer: for (const policy of policies) {
      for (const rule of policy.rules) {
        if (reasons.length >= MAX_REASONS) break outer;
        if (rule.effect !== 'Allow') continue;
        const failure = firstFailure(rule, r);
        if (!failure) continue;
        reasons.push({
          code: failure.result === 'indeterminate' ? 'condition_indeterminate' : 'condition_failed',
          policy: policy.name,
          rule: rule.id,
          condition: failure,
          message: `rule "${rule.id}": ${failure.message}`,
        });
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

  return {
    version: set.version,
    timezone: set.timezone,
    policiesFor,
    decide(input) {
      return decideWith(policiesFor(input.resource, input.action), new AttributeResolver(input));
    },
    trace(input) {
      const r = new AttributeResolver(input);
      const policies = policiesFor(input.resource, input.action);
      const rules: RuleTrace[] = [];
      for (const policy of policies) {
        for (const rule of policy.rules) {
          const conditions = rule.conditions.map((c, i) => c.explain(r, i));
          rules.push({
            policy: policy.name,
            policyVersion: policy.version,
            rule: rule.id,
            effect: rule.effect,
            matched: conditions.every((c) => c.result === 'true'),
            conditions,
          });
        }
      }
      return { decision: decideWith(policies, r), rules };
    },
  };
}
