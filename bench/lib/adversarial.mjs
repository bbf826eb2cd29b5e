// Adversarial shapes for `npm run bench` (BENCHMARKS.md → Adversarial): the worst policy
// documents the write-time checks accept, bound with the maximum fan-out, against the
// worst request within the limits. Pure data: bench/scenarios/adversarial.mjs sets them up through the
// public admin API and loads them over HTTP; bench/adversarial-units.ts evaluates the
// same documents and contexts in-process to measure nanoseconds per budget unit.
//
// Limits these shapes sit at (read from src/ on 2026-11-24):
// - a request body, and so a policy document, is at most 64 KB (body-limit.ts);
// - a policy has at most 500 rules of at most 32 conditions (policy/schema.ts);
// - a binding names at most 20 policies, and a request matches 4 binding keys: exact,
//   resource:*, *:action, *:* (routes/policies.ts, policy/compiled.ts): 80 policies;
// - a context nests at most 8 levels (decision/authorize.ts), attribute paths at most 9
//   segments (policy/attributes.ts);
// - string_like patterns at most 256 characters and 8 `*` (policy/glob.ts);
// - a batch carries at most 100 checks (routes/authorize.ts).

export const BODY_MAX = 64 * 1024;
export const RESOURCE = 'adv';
export const ACTION = 'probe';
/** The four binding keys a request for (RESOURCE, ACTION) matches. */
export const BINDING_KEYS = [
  [RESOURCE, ACTION],
  [RESOURCE, '*'],
  ['*', ACTION],
  ['*', '*'],
];
export const POLICIES_PER_BINDING = 20;
const MAX_RULES = 500;
const MAX_CONDITIONS = 32;
/** Room left under BODY_MAX (a request's headers are not part of the body limit). */
const SLACK = 32;

const bytes = (s) => Buffer.byteLength(s);
const DEEP = 'request_metadata.a.b.c.d.e.f.g.h';
const deep = (leaf) => ({ a: { b: { c: { d: { e: { f: { g: { h: leaf } } } } } } } });
/** A condition false for every request here (the token's sub is never "x"). */
const FALSE = { function: 'string_equal', attribute: 'sub', value: 'x' };

/**
 * A policy of rules built by `rule(i)`, as many as fit in BODY_MAX (and MAX_RULES), or
 * exactly `count` when given.
 */
export function policyDoc(name, rule, count) {
  const doc = { name, specification: { rules: [], default: { rule_id: 'deny', effect: 'Deny' } } };
  const base = bytes(JSON.stringify(doc));
  let size = base;
  for (let i = 0; i < (count ?? MAX_RULES); i++) {
    const r = rule(i);
    const add = bytes(JSON.stringify(r)) + (i > 0 ? 1 : 0);
    if (count === undefined && size + add > BODY_MAX - SLACK) break;
    doc.specification.rules.push(r);
    size += add;
  }
  if (size > BODY_MAX - SLACK) throw new Error(`${name}: ${size} bytes`);
  return doc;
}

/** Rules of 32 copies of `cond` (the last replaced by `last` when given). */
const rulesOf =
  (cond, last, effect = 'Deny') =>
  (i) => ({
    rule_id: `r${i}`,
    effect,
    conditions: Array.from({ length: MAX_CONDITIONS }, (_, k) =>
      last && k === MAX_CONDITIONS - 1 ? last : cond,
    ),
  });

/**
 * The largest `n` for which `make(n)` (a JSON body) stays within BODY_MAX; `make` must
 * grow monotonically with n.
 */
function largestWithin(make) {
  let lo = 0;
  let hi = BODY_MAX;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytes(make(mid)) <= BODY_MAX - SLACK) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const zeros = (n) => new Array(n).fill(0);

/**
 * The shapes. Each: name (the scenario), label (the table row), what (one sentence for
 * the paragraph), workspace, policy(name) → document or null (the seed workspace, or a
 * workspace another shape set up), path (authorize or authorize/batch), body(token) →
 * the request body (≤ 64 KB), headers.
 */
export function adversarialShapes() {
  /** One authorize body for (RESOURCE, ACTION) with `context`. */
  const one = (context) => (token) =>
    JSON.stringify({ token, resource: RESOURCE, action: ACTION, context: context(token) });
  /** A context of `extra` plus a string `pad` filling the body to 64 KB. */
  const padded =
    (extra, ch = 'a') =>
    (token) => {
      const make = (n) => one(() => ({ ...extra, pad: ch.repeat(n) }))(token);
      return make(largestWithin(make));
    };
  /** A seed-workspace body (orders/approve, amount 500) whose context `fill(n)` grows to 64 KB. */
  const seedFloor = (fill) => (token) => {
    const make = (n) =>
      JSON.stringify({ token, resource: 'orders', action: 'approve', context: { amount: 500, ...fill(n) } });
    return make(largestWithin(make));
  };
  /** Deny rules of string_like with the longest pattern: `*` + 254 `a` + `b` (9 machine words). */
  const longGlob = (name) =>
    policyDoc(
      name,
      rulesOf({ function: 'string_like', attribute: 'request_metadata.s', value: `*${'a'.repeat(254)}b` }),
    );
  /** A context whose `key` is a string of `ch` filling the body (after `extra`). */
  const filledString =
    (key, ch, extra = {}) =>
    (token) => {
      const make = (n) => one(() => ({ ...extra, [key]: ch.repeat(n) }))(token);
      return make(largestWithin(make));
    };
  const shapes = [
    {
      name: 'adv-floor-string',
      label: 'Floor: seed policy, 64 KB body (a ~63 KB string in the context)',
      what: 'the seed policy (Allow) with the context padded to 64 KB by one string: reading, parsing and auditing the largest body, with no hostile policy',
      workspace: 'bench',
      policy: null,
      body: seedFloor((n) => ({ pad: 'a'.repeat(n) })),
    },
    {
      name: 'adv-floor-list',
      label: 'Floor: seed policy, 64 KB body (a list of ~32,000 numbers)',
      what: 'the same with the padding a list of ~32,000 zeros (the costliest 64 KB context to parse and walk of those tried)',
      workspace: 'bench',
      policy: null,
      body: seedFloor((n) => ({ pad: zeros(n) })),
    },
    {
      name: 'adv-floor-objects',
      label: 'Floor: seed policy, 64 KB body (2,040 one-key objects, 990 distinct keys, then numbers)',
      what: 'the same with the padding as many one-key objects as a body may hold (2,048 objects and arrays in all) using as many distinct keys as it may (1,000 in all; V8 builds a hidden class per distinct key), then a list of numbers to 64 KB: the costliest context to parse that is accepted (past either limit the body is refused before parsing), before any policy runs',
      workspace: 'bench',
      policy: null,
      body: seedFloor((n) => ({
        pad: Array.from({ length: 2040 }, (_, i) => ({ [(i % 990).toString(36)]: 0 })),
        numbers: Array.from({ length: n }, () => 0),
      })),
    },
    {
      name: 'adv-glob-60k',
      label: 'string_like `*a…ab` (256 chars, 9 words) × 6 rules × 32, against a 63 KB string of `a`',
      what: 'string_like with the longest pattern (`*` + 254 `a` + `b`, 9 machine words) in Deny rules of 32 conditions, against a context string of ~63,000 `a`: the shape that took 5–6 s per request before the linear matcher; one condition would cost 63,000 × 9 × 4 units, past the budget, so the decision stops before matching',
      workspace: 'adv-glob-60k',
      policy: longGlob,
      body: filledString('s', 'a'),
    },
    {
      name: 'adv-glob',
      label: 'string_like `*a…ab` (256 chars, 9 words) × 32, against a 1,000-char string',
      what: 'the same patterns against a 1,000-character string (padded to 64 KB elsewhere), so the budget is spent matching: ~11,000 characters at 9 words',
      workspace: 'adv-glob',
      policy: longGlob,
      body: padded({ s: 'a'.repeat(1000) }, 'b'),
    },
    {
      name: 'adv-conditions',
      label: 'Most conditions: is_present on a 9-segment path, 31 true + 1 false per Deny rule',
      what: 'the cheapest condition that holds (is_present) on the deepest path the schema accepts (request_metadata + 8 segments), 31 per Deny rule with a false 32nd, so every condition of every rule runs until the budget ends it',
      workspace: 'adv-conditions',
      policy: (name) => policyDoc(name, rulesOf({ function: 'is_present', attribute: DEEP }, FALSE)),
      body: padded(deep(1)),
    },
    {
      name: 'adv-indeterminate',
      label: 'Indeterminate Deny rules: integer_equal on a non-numeric string, 9-segment path, 32 per rule',
      what: 'Deny rules whose 32 conditions are all indeterminate (integer_equal on the string "x" at the deepest path): no condition is false, so all run, and each builds its failure text',
      workspace: 'adv-indeterminate',
      policy: (name) => policyDoc(name, rulesOf({ function: 'integer_equal', attribute: DEEP, value: 0 })),
      body: padded(deep('x')),
    },
    {
      name: 'adv-numeric',
      label: 'Numeric coercion: double_not_equal on a 300-digit string, 31 true + 1 false',
      what: 'double_not_equal on a 300-digit numeric string (under the 400-character cap, finite as a double), 31 per Deny rule with a false 32nd: each condition runs the decimal grammar and Number() over 300 characters',
      workspace: 'adv-numeric',
      policy: (name) =>
        policyDoc(
          name,
          rulesOf({ function: 'double_not_equal', attribute: 'request_metadata.n', value: 0 }, FALSE),
        ),
      body: padded({ n: '1'.repeat(300) }),
    },
    {
      name: 'adv-contains',
      label: 'string_contains: 44,000 `a` searched for `a`×10,000 + `b` + `a`×9,999',
      what: 'string_contains on two context strings, a text of 44,000 `a` and a 20,000-character pattern of `a` with one `b` in the middle (both from the request, value_from_attribute)',
      workspace: 'adv-contains',
      policy: (name) =>
        policyDoc(
          name,
          (i) => ({
            rule_id: `r${i}`,
            effect: 'Deny',
            conditions: [
              {
                function: 'string_contains',
                attribute: 'request_metadata.s',
                value_from_attribute: 'request_metadata.t',
              },
            ],
          }),
          20,
        ),
      body: (token) => {
        const t = `${'a'.repeat(10000)}b${'a'.repeat(9999)}`;
        return filledString('s', 'a', { t })(token);
      },
    },
    {
      name: 'adv-ignore-case',
      label: 'string_equal_ignore_case on two ~16,000-char strings of `Σ`/`σ`',
      what: 'string_equal_ignore_case on two context strings of Greek capital and small sigma (~16,000 characters each, 2 bytes each in UTF-8), which differ in the last character',
      workspace: 'adv-ignore-case',
      policy: (name) =>
        policyDoc(
          name,
          (i) => ({
            rule_id: `r${i}`,
            effect: 'Deny',
            conditions: [
              {
                function: 'string_equal_ignore_case',
                attribute: 'request_metadata.s',
                value_from_attribute: 'request_metadata.t',
              },
            ],
          }),
          40,
        ),
      body: (token) => {
        const make = (n) => one(() => ({ s: 'Σ'.repeat(n), t: `${'σ'.repeat(n - 1)}b` }))(token);
        return make(largestWithin(make));
      },
    },
    {
      name: 'adv-list-walk',
      label: 'integer_equal on a list of ~32,000 numbers, 32 per Deny rule (indeterminate)',
      what: 'integer_equal on a context list of ~32,000 zeros: the list does not read as an integer, so each condition is indeterminate and costs its 16 units, but before the coercion the evaluator measures the list (sizeOf walks every item)',
      workspace: 'adv-list-walk',
      policy: (name) =>
        policyDoc(name, rulesOf({ function: 'integer_equal', attribute: 'request_metadata.l', value: 0 })),
      body: (token) => {
        const make = (n) => one(() => ({ l: zeros(n) }))(token);
        return make(largestWithin(make));
      },
    },
    {
      name: 'adv-list-coerce',
      label: 'string_in from a 1,000-item context list whose last item is a number, 32 per Deny rule',
      what: 'string_in with value_from_attribute naming a context list of 999 strings and one number: the operand coercion reads 999 items before it fails (indeterminate, 16 units charged)',
      workspace: 'adv-list-coerce',
      policy: (name) =>
        policyDoc(
          name,
          rulesOf({ function: 'string_in', attribute: 'sub', value_from_attribute: 'request_metadata.l' }),
        ),
      body: padded({ l: [...new Array(999).fill('a'), 0] }),
    },
    {
      name: 'adv-list-intersects',
      label: 'list_intersects: 1 item against ~11,000 distinct numbers (both from the context), 32 per rule',
      what: 'list_intersects between a one-item context list and a context list of ~11,000 distinct numbers (value_from_attribute): every condition builds a Set of the operand',
      workspace: 'adv-list-intersects',
      policy: (name) =>
        policyDoc(
          name,
          rulesOf({
            function: 'list_intersects',
            attribute: 'request_metadata.a',
            value_from_attribute: 'request_metadata.b',
          }),
        ),
      body: (token) => {
        const make = (n) => one(() => ({ a: [-1], b: Array.from({ length: n }, (_, i) => i) }))(token);
        return make(largestWithin(make));
      },
    },
    {
      name: 'adv-ip',
      label: 'ip_in_cidr `::/0` with an IPv6 caller (cf-connecting-ip), 31 true + 1 false',
      what: 'ip_in_cidr against `::/0` with the caller an IPv6 address with an IPv4 tail (cf-connecting-ip, which Cloudflare sets from the real client, so any IPv6 client gets this path), 31 per Deny rule with a false 32nd: the address is parsed into a bigint by every condition',
      workspace: 'adv-ip',
      policy: (name) =>
        policyDoc(name, rulesOf({ function: 'ip_in_cidr', attribute: 'ip', value: '::/0' }, FALSE)),
      headers: { 'cf-connecting-ip': '1111:2222:3333:4444:5555:6666:255.255.255.255' },
      body: padded({}),
    },
    {
      name: 'adv-explain',
      label: 'Explanation: 20 failing Allow rules per policy on a 16-key object of 1,900-number lists',
      what: 'policies of 20 Allow rules whose one condition (string_equal to "x") is indeterminate on a context object of 16 keys, each a list of ~1,900 zeros (~61 KB in all): the decision is the default Deny, and the denial explains 19 Allow rules, each showing the object (bounded for display, but serialized in full to measure it)',
      workspace: 'adv-explain',
      policy: (name) =>
        policyDoc(
          name,
          (i) => ({
            rule_id: `a${i}`,
            effect: 'Allow',
            conditions: [{ function: 'string_equal', attribute: 'request_metadata.o', value: 'x' }],
          }),
          20,
        ),
      body: (token) => {
        const make = (n) =>
          one(() => ({ o: Object.fromEntries(Array.from({ length: 16 }, (_, k) => [`k${k}`, zeros(n)])) }))(
            token,
          );
        return make(largestWithin(make));
      },
    },
    {
      name: 'adv-batch',
      label: 'Batch: 100 checks of the is_present shape (CPU per request; the ratio is per decision)',
      what: "POST …/authorize/batch with 100 checks against the is_present policies above, through the Hono route (the batch is not on the hot path); the checks share the request's budget",
      workspace: 'adv-conditions',
      policy: null,
      path: 'authorize/batch',
      body: (token) =>
        JSON.stringify({
          token,
          checks: Array.from({ length: 100 }, () => ({
            resource: RESOURCE,
            action: ACTION,
            context: deep(1),
          })),
        }),
      decisions: 100,
    },
  ];
  return shapes;
}
