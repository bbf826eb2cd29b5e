/**
 * Explanations: how the evaluator's outcomes become reasons, condition explanations and
 * trace rows. The evaluator (evaluate.ts) decides and calls these only when an answer needs
 * words: a decision that matched a rule explains nothing but the rule, a default explains
 * each Allow rule's first failing condition, a trace explains every condition. Nothing here
 * changes an outcome. Redaction of what these build is redaction.ts's (one mechanism for
 * every place an explanation leaves Verdict).
 */
import type { ConditionExplanation, Effect, PolicyReason } from '../contract';
import { UNKNOWN } from './attributes';
import { describe } from './coerce';
import type { CompiledCondition } from './compiled';
import type { FunctionSpec } from './functions';

export type Result = ConditionExplanation['result'];

/** A default explains at most this many Allow rules. */
export const MAX_REASONS = 20;
/** A trace explains at most this many rules (the decision itself still weighs them all). */
export const MAX_TRACED_RULES = 500;

export type RuleTrace = {
  policy: string;
  policyVersion: number;
  rule: string;
  effect: Effect;
  matched: boolean;
  /** true, false or indeterminate, by the rule semantics (evaluate.ts). */
  outcome: Result;
  conditions: ConditionExplanation[];
};

/** What names a policy and a rule in a reason. */
type At = { policy: string; policyVersion: number };
type Rule = { id: string; effect: Effect };

/**
 * A value as an explanation shows it: long strings, long lists and large objects are cut
 * and marked, so a reason never echoes a 60 KB input (20 reasons would make it 1.2 MB).
 */
const SHOWN_CHARS = 256;
export function display(v: unknown): unknown {
  if (typeof v === 'string')
    return v.length > SHOWN_CHARS
      ? { $truncated: true, type: 'string', length: v.length, prefix: v.slice(0, SHOWN_CHARS) }
      : v;
  if (Array.isArray(v)) {
    if (v.length <= 16 && v.every((x) => typeof x !== 'object' || x === null)) return v.map(display);
    return { $truncated: true, type: 'list', length: v.length, items: v.slice(0, 16).map(display) };
  }
  if (v !== null && typeof v === 'object') {
    // Shown only when small and flat: at most 16 keys of scalars (never serialized to measure it).
    let keys = 0;
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (
        ++keys > 16 ||
        (x !== null && typeof x === 'object') ||
        (typeof x === 'string' && x.length > SHOWN_CHARS)
      )
        return { $truncated: true, type: 'object' };
    }
    return v;
  }
  return v;
}

/** A value in a message: JSON, at most 80 characters. */
function shown(v: unknown): string {
  const text =
    typeof v === 'string' ? JSON.stringify(v.slice(0, 81)) : (JSON.stringify(display(v)) ?? 'absent');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** Absent for policies: undefined or null (a missing attribute makes a condition false). */
const absent = (v: unknown) => v === undefined || v === null;

/** is_present / is_absent, with the value read at `c.path` (UNKNOWN when the entry point cannot know it). */
export function explainPresence(
  c: CompiledCondition,
  index: number,
  actual: unknown,
  result: Result,
): ConditionExplanation {
  return {
    index,
    function: c.fn,
    attribute: c.name,
    result,
    ...(actual === UNKNOWN ? {} : { actual: display(actual) }),
    message:
      actual === UNKNOWN
        ? `cannot evaluate ${c.fn}: ${c.name} is not known at this entry point`
        : `${c.name} is ${absent(actual) ? 'absent' : 'present'}`,
  };
}

/** A comparison, with the values read for it (UNKNOWN when the entry point cannot know one). */
export function explainComparison(
  c: CompiledCondition,
  spec: Pick<FunctionSpec, 'attr' | 'operandFromAttr' | 'words'>,
  index: number,
  actual: unknown,
  expected: unknown,
  result: Result,
): ConditionExplanation {
  const operand = c.operand;
  const fromPath = operand?.kind === 'attr';
  const operandName = operand?.kind === 'attr' ? operand.name : shown(expected);
  const base = {
    index,
    function: c.fn,
    attribute: c.name,
    ...(actual === UNKNOWN ? {} : { actual: display(actual) }),
    ...(expected === UNKNOWN ? {} : { expected: display(expected) }),
    ...(operand?.kind === 'attr' ? { operandAttribute: operand.name } : {}),
  };
  if (result === 'indeterminate') {
    let why: string;
    const opName = operand?.kind === 'attr' ? operand.name : 'operand';
    if (actual === UNKNOWN) why = `${c.name} is not known at this entry point`;
    else if (expected === UNKNOWN) why = `${opName} is not known at this entry point`;
    else {
      const a = spec.attr(actual);
      if (!a.ok) why = `${c.name}: ${a.why}`;
      else {
        const cb = spec.operandFromAttr?.(expected);
        why = `${opName}: ${cb && !cb.ok ? cb.why : describe(expected)}`;
      }
    }
    return { ...base, result, message: `cannot evaluate ${c.fn}: ${why}` };
  }
  const holds = result === 'true';
  if (!holds && (absent(actual) || (fromPath && absent(expected)))) {
    const missing = absent(actual) ? c.name : operandName;
    return { ...base, result, message: `${missing} is absent, so ${c.fn} does not hold` };
  }
  const valuePart = operand?.kind === 'attr' ? `${operandName} (${shown(expected)})` : operandName;
  return {
    ...base,
    result,
    message: `${c.name} (${shown(actual)}) ${holds ? '' : 'does not satisfy: '}${spec.words} ${valuePart}`,
  };
}

/** The reasons of each kind of answer. */
export const reasons = {
  matched: (at: At, rule: Rule): PolicyReason[] => [
    { code: 'rule_matched', ...at, rule: rule.id, effect: rule.effect },
  ],
  defaultApplied: (at: At, rule: Rule): PolicyReason => ({
    code: 'default_applied',
    ...at,
    rule: rule.id,
    effect: rule.effect,
  }),
  /** Why an Allow rule did not apply: its first condition that did not hold. */
  notApplied: (policy: string, rule: string, failure: ConditionExplanation): PolicyReason => ({
    code: failure.result === 'indeterminate' ? 'condition_indeterminate' : 'condition_failed',
    policy,
    rule,
    condition: failure,
    message: `rule "${rule}": ${failure.message}`,
  }),
  /** A Deny rule that could not be evaluated: it denies (fail closed). */
  indeterminateDeny: (at: At, rule: string, condition: ConditionExplanation): PolicyReason[] => [
    {
      code: 'indeterminate',
      ...at,
      rule,
      effect: 'Deny',
      condition,
      message: `Deny rule "${rule}" could not be evaluated, so it denies: ${condition.message}`,
    },
  ],
  budgetExceeded: (): PolicyReason[] => [
    {
      code: 'budget_exceeded',
      message: 'The decision needed more work than one request may cost (policy size × input size)',
    },
  ],
  noPolicy: (resource: string, action: string): PolicyReason[] => [
    { code: 'no_policy', message: `No policy is bound to ${resource}/${action}` },
  ],
};

/** One rule of a trace, from its explained conditions (the rule semantics: any false, else any indeterminate). */
export function traceRow(at: At, rule: Rule, conditions: ConditionExplanation[]): RuleTrace {
  const outcome: Result = conditions.some((c) => c.result === 'false')
    ? 'false'
    : conditions.some((c) => c.result === 'indeterminate')
      ? 'indeterminate'
      : 'true';
  return {
    ...at,
    rule: rule.id,
    effect: rule.effect,
    matched: outcome === 'true',
    outcome,
    conditions,
  };
}
