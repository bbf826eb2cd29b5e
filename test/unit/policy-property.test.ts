// Property: the compiled, indexed evaluator agrees with a straightforward reference
// interpreter (written here, independently, from the README's policy semantics) on random
// policy sets and random requests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/policy/compile-policy';
import { bindingKey, type CompiledPolicySet } from '../../src/policy/compiled';
import { buildEngine } from '../../src/policy/evaluate';

type Cond = {
  function: string;
  attribute: string;
  value?: unknown;
  value_from_attribute?: string;
  metadata_key?: string;
};
type Rule = { rule_id: string; effect: 'Allow' | 'Deny'; conditions: Cond[] };
type Policy = {
  name: string;
  specification: { rules: Rule[]; default: { rule_id: string; effect: 'Allow' | 'Deny' } };
};

const ATTRS = ['ext_a', 'ext_b', 'ext_n'];
const strings = fc.constantFrom('x', 'y', 'z');
const ints = fc.integer({ min: -3, max: 3 });
// Values that read, values that do not (the number and boolean grammar of src/policy/coerce.ts), and absence.
const anyValue = fc.oneof(
  strings,
  ints,
  fc.constantFrom(
    '1',
    '2',
    '-2',
    '007',
    '1.0',
    '2abc',
    '6e4',
    '0x10',
    '1_000',
    ' 1',
    '',
    true,
    'true',
    'True',
  ),
  fc.constantFrom(1.5, -0, JSON.parse('9007199254740993') as number, Number.POSITIVE_INFINITY, 1e21),
  fc.constant(undefined),
  fc.constant(null),
  fc.array(strings, { maxLength: 3 }),
);

const condArb: fc.Arbitrary<Cond> = fc.oneof(
  fc.record({
    function: fc.constantFrom('string_equal', 'string_not_equal'),
    attribute: fc.constantFrom(...ATTRS),
    value: strings,
  }),
  fc.record({
    function: fc.constant('string_in'),
    attribute: fc.constantFrom(...ATTRS),
    value: fc.array(strings, { maxLength: 3 }),
  }),
  fc.record({
    function: fc.constantFrom(
      'integer_less_than',
      'integer_less_equal',
      'integer_greater_than',
      'integer_equal',
    ),
    attribute: fc.constantFrom(...ATTRS),
    value: ints,
  }),
  fc.record({
    function: fc.constantFrom('double_less_than', 'double_greater_equal', 'double_equal'),
    attribute: fc.constantFrom(...ATTRS),
    value: fc.constantFrom(-1.5, 0, 1, 2.5),
  }),
  fc.record({
    function: fc.constantFrom('integer_less_equal', 'integer_greater_equal'),
    attribute: fc.constant('request_metadata'),
    metadata_key: fc.constant('amount'),
    value_from_attribute: fc.constantFrom(...ATTRS),
  }),
  fc.record({
    function: fc.constant('boolean_equal'),
    attribute: fc.constantFrom(...ATTRS),
    value: fc.boolean(),
  }),
  fc.record({ function: fc.constant('list_contains'), attribute: fc.constantFrom(...ATTRS), value: strings }),
  fc.record({ function: fc.constantFrom('is_present', 'is_absent'), attribute: fc.constantFrom(...ATTRS) }),
);

const policyArb = (name: string): fc.Arbitrary<Policy> =>
  fc.record({
    name: fc.constant(name),
    specification: fc.record({
      rules: fc
        .array(
          fc.record({
            effect: fc.constantFrom('Allow' as const, 'Deny' as const),
            conditions: fc.array(condArb, { maxLength: 3 }),
          }),
          { maxLength: 4 },
        )
        .map((rs) => rs.map((r, i) => ({ rule_id: `r${i}`, ...r }))),
      default: fc.record({
        rule_id: fc.constant('default'),
        effect: fc.constantFrom('Allow' as const, 'Deny' as const),
      }),
    }),
  });

const RESOURCES = ['orders', 'invoices', '*'];
const ACTIONS = ['read', 'approve', '*'];

// ---- reference interpreter -------------------------------------------------------
// Three-valued, from the README's policy semantics: T, F or I (indeterminate). Absent (or null) → F;
// present but unreadable → I. Rules: any F → F, else any I → I, else T. Combining: a
// matching Deny denies; an indeterminate Deny denies; a matching Allow allows; else the
// defaults (any Deny default denies).
type Tri = 'T' | 'F' | 'I';
const MAX_SAFE = 2 ** 53 - 1;
function refNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  // optional "-", digits, optional ".digits" — and nothing else
  let i = v.startsWith('-') ? 1 : 0;
  const digits = (from: number) => {
    let j = from;
    while (j < v.length && v[j]! >= '0' && v[j]! <= '9') j++;
    return j;
  };
  let j = digits(i);
  if (j === i) return undefined;
  if (v[j] === '.') {
    i = j + 1;
    j = digits(i);
    if (j === i) return undefined;
  }
  if (j !== v.length) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
function refInteger(v: unknown): number | undefined {
  if (typeof v === 'string' && v.includes('.')) return undefined;
  const n = refNumber(v);
  return n !== undefined && Number.isInteger(n) && Math.abs(n) <= MAX_SAFE ? n : undefined;
}
function refCondition(c: Cond, attrs: Record<string, unknown>, context: Record<string, unknown>): Tri {
  const read = (name: string) => (name === 'request_metadata' ? context[c.metadata_key ?? ''] : attrs[name]);
  const missing = (v: unknown) => v === undefined || v === null;
  const a = read(c.attribute);
  if (c.function === 'is_present') return missing(a) ? 'F' : 'T';
  if (c.function === 'is_absent') return missing(a) ? 'T' : 'F';
  const b = c.value_from_attribute !== undefined ? attrs[c.value_from_attribute] : c.value;
  if (missing(a) || missing(b)) return 'F';
  const tri = (x: boolean): Tri => (x ? 'T' : 'F');
  switch (c.function) {
    case 'string_equal':
      return typeof a === 'string' ? tri(a === b) : 'I';
    case 'string_not_equal':
      return typeof a === 'string' ? tri(a !== b) : 'I';
    case 'string_in':
      return typeof a === 'string' ? tri((b as string[]).includes(a)) : 'I';
    case 'boolean_equal': {
      const x = a === true || a === 'true' ? true : a === false || a === 'false' ? false : undefined;
      return x === undefined ? 'I' : tri(x === b);
    }
    case 'list_contains':
      return Array.isArray(a) ? tri(a.includes(b)) : 'I';
    default: {
      const double = c.function.startsWith('double_');
      const x = double ? refNumber(a) : refInteger(a);
      const y = double ? refNumber(b) : refInteger(b);
      if (x === undefined || y === undefined) return 'I';
      const op = c.function.slice(c.function.indexOf('_') + 1);
      if (op === 'less_than') return tri(x < y);
      if (op === 'less_equal') return tri(x <= y);
      if (op === 'greater_than') return tri(x > y);
      if (op === 'greater_equal') return tri(x >= y);
      if (op === 'equal') return tri(x === y);
      throw new Error(`reference: ${c.function}`);
    }
  }
}
function refRule(rule: Rule, attrs: Record<string, unknown>, context: Record<string, unknown>): Tri {
  const outcomes = rule.conditions.map((c) => refCondition(c, attrs, context));
  if (outcomes.includes('F')) return 'F';
  return outcomes.includes('I') ? 'I' : 'T';
}
function reference(
  policies: Policy[],
  bindings: [string, string, string][],
  resource: string,
  action: string,
  attrs: Record<string, unknown>,
  context: Record<string, unknown>,
): { effect: 'Allow' | 'Deny'; indeterminate: boolean } {
  const names = new Set(
    bindings
      .filter(([r, a]) => (r === resource || r === '*') && (a === action || a === '*'))
      .map(([, , p]) => p),
  );
  const applicable = policies.filter((p) => names.has(p.name));
  if (applicable.length === 0) return { effect: 'Deny', indeterminate: false };
  const rules = applicable.flatMap((p) => p.specification.rules);
  const outcome = (r: Rule) => refRule(r, attrs, context);
  if (rules.some((r) => r.effect === 'Deny' && outcome(r) === 'T'))
    return { effect: 'Deny', indeterminate: false };
  if (rules.some((r) => r.effect === 'Deny' && outcome(r) === 'I'))
    return { effect: 'Deny', indeterminate: true };
  if (rules.some((r) => r.effect === 'Allow' && outcome(r) === 'T'))
    return { effect: 'Allow', indeterminate: false };
  const effect = applicable.some((p) => p.specification.default.effect === 'Deny') ? 'Deny' : 'Allow';
  return { effect, indeterminate: false };
}
// -----------------------------------------------------------------------------------

describe('compiled evaluator vs reference interpreter', () => {
  it('agree on random policies, bindings and requests', () => {
    fc.assert(
      fc.property(
        fc.tuple(policyArb('p0'), policyArb('p1'), policyArb('p2')),
        fc.array(
          fc.tuple(
            fc.constantFrom(...RESOURCES),
            fc.constantFrom(...ACTIONS),
            fc.constantFrom('p0', 'p1', 'p2'),
          ),
          { maxLength: 5 },
        ),
        fc.array(
          fc.record({
            resource: fc.constantFrom('orders', 'invoices', 'users'),
            action: fc.constantFrom('read', 'approve', 'delete'),
            attrs: fc.record({ ext_a: anyValue, ext_b: anyValue, ext_n: anyValue }),
            amount: anyValue,
          }),
          { minLength: 1, maxLength: 8 },
        ),
        (policies, bindingList, requests) => {
          const set: CompiledPolicySet = { version: 1, timezone: 'UTC', policies: {}, bindings: {} };
          for (const p of policies) {
            const r = compilePolicy(p, 1);
            if (!r.ok) throw new Error(JSON.stringify(r.issues));
            set.policies[p.name] = r.policy;
          }
          for (const [res, act, name] of bindingList) {
            const key = bindingKey(res, act);
            set.bindings[key] = [...new Set([...(set.bindings[key] ?? []), name])];
          }
          const engine = buildEngine(set);
          for (const req of requests) {
            const attrs = Object.fromEntries(Object.entries(req.attrs).filter(([, v]) => v !== undefined));
            const context = req.amount === undefined ? {} : { amount: req.amount };
            const got = engine.decide({
              attributes: attrs,
              resource: req.resource,
              action: req.action,
              context,
              now: 0,
              timezone: 'UTC',
            });
            const want = reference(policies, bindingList, req.resource, req.action, attrs, context);
            expect(got.effect).toBe(want.effect);
            // An indeterminate Deny is reported as such (and only then).
            expect(got.reasons[0]?.code === 'indeterminate').toBe(want.indeterminate);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
