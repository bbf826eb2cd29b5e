// Property: the compiled, indexed evaluator agrees with a straightforward reference
// interpreter (written here, independently, from PRODUCT.md's semantics) on random
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
const anyValue = fc.oneof(
  strings,
  ints,
  fc.constantFrom('1', '2', '2abc', true, 'true'),
  fc.constant(undefined),
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
const isInt = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?(0|[1-9][0-9]*)$/.test(v)) return Number(v);
  return undefined;
};
function refCondition(c: Cond, attrs: Record<string, unknown>, context: Record<string, unknown>): boolean {
  const read = (name: string) => (name === 'request_metadata' ? context[c.metadata_key ?? ''] : attrs[name]);
  const a = read(c.attribute);
  const b = c.value_from_attribute !== undefined ? attrs[c.value_from_attribute] : c.value;
  switch (c.function) {
    case 'is_present':
      return a !== undefined && a !== null;
    case 'is_absent':
      return a === undefined || a === null;
    case 'string_equal':
      return typeof a === 'string' && a === b;
    case 'string_not_equal':
      return typeof a === 'string' && a !== b;
    case 'string_in':
      return typeof a === 'string' && (b as string[]).includes(a);
    case 'boolean_equal': {
      const x = a === true || a === 'true' ? true : a === false || a === 'false' ? false : undefined;
      return x !== undefined && x === b;
    }
    case 'list_contains':
      return Array.isArray(a) && a.includes(b);
    default: {
      const x = isInt(a);
      const y = isInt(b);
      if (x === undefined || y === undefined) return false;
      if (c.function === 'integer_less_than') return x < y;
      if (c.function === 'integer_less_equal') return x <= y;
      if (c.function === 'integer_greater_than') return x > y;
      if (c.function === 'integer_greater_equal') return x >= y;
      if (c.function === 'integer_equal') return x === y;
      throw new Error(`reference: ${c.function}`);
    }
  }
}
function reference(
  policies: Policy[],
  bindings: [string, string, string][],
  resource: string,
  action: string,
  attrs: Record<string, unknown>,
  context: Record<string, unknown>,
): 'Allow' | 'Deny' {
  const names = new Set(
    bindings
      .filter(([r, a]) => (r === resource || r === '*') && (a === action || a === '*'))
      .map(([, , p]) => p),
  );
  const applicable = policies.filter((p) => names.has(p.name));
  if (applicable.length === 0) return 'Deny';
  let allowed = false;
  for (const p of applicable) {
    for (const rule of p.specification.rules) {
      if (rule.conditions.every((c) => refCondition(c, attrs, context))) {
        if (rule.effect === 'Deny') return 'Deny';
        allowed = true;
      }
    }
  }
  if (allowed) return 'Allow';
  return applicable.some((p) => p.specification.default.effect === 'Deny') ? 'Deny' : 'Allow';
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
            expect(got.effect).toBe(want);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
