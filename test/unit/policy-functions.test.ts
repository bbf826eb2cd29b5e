import { describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../src/contract/policy';
import { compilePolicy } from '../../src/policy/compile-policy';
import { bindingKey } from '../../src/policy/compiled';
import { buildEngine } from '../../src/policy/evaluate';
import { FUNCTIONS } from '../../src/policy/functions';

type Outcome = 'true' | 'false' | 'indeterminate';

/** Evaluates one condition against `attrs` and returns its outcome from the trace. */
function outcome(
  condition: Record<string, unknown>,
  attrs: Record<string, unknown>,
  context: Record<string, unknown> = {},
): Outcome {
  const compiled = compilePolicy(
    {
      name: 'p',
      specification: {
        rules: [{ rule_id: 'r', effect: 'Allow', conditions: [condition] }],
        default: { rule_id: 'd', effect: 'Deny' },
      },
    },
    1,
  );
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  const engine = buildEngine({
    version: 1,
    timezone: 'UTC',
    policies: { p: compiled.policy },
    bindings: { [bindingKey('*', '*')]: ['p'] },
  });
  const { rules, decision } = engine.trace({
    attributes: attrs,
    resource: 'r',
    action: 'a',
    context,
    now: Date.parse('2026-11-18T12:30:00Z'),
    timezone: 'UTC',
    ip: typeof attrs.__ip === 'string' ? attrs.__ip : undefined,
  });
  const result = rules[0]?.conditions[0]?.result as Outcome;
  // The decision must agree with the trace: only a true condition allows.
  expect(decision.effect).toBe(result === 'true' ? 'Allow' : 'Deny');
  return result;
}

const c = (fn: string, value?: unknown, extra: Record<string, unknown> = {}) => ({
  function: fn,
  attribute: 'ext_x',
  ...(value === undefined ? {} : { value }),
  ...extra,
});

// [function, value, attribute value that makes it true, … false, … indeterminate]
const table: [string, unknown, unknown, unknown, unknown][] = [
  ['string_equal', 'a', 'a', 'b', 1],
  ['string_not_equal', 'a', 'b', 'a', 7],
  ['string_equal_ignore_case', 'Sales', 'sALES', 'sale', 5],
  ['string_starts_with', 'ab', 'abc', 'cab', ['ab']],
  ['string_ends_with', 'bc', 'abc', 'bca', true],
  ['string_contains', 'b', 'abc', 'xyz', {}],
  ['string_in', ['a', 'b'], 'b', 'c', 2],
  ['string_not_in', ['a', 'b'], 'c', 'a', 2],
  ['string_like', 'user_*@acme.?om', 'user_12@acme.com', 'admin@acme.com', 7],
  ['integer_equal', 10, '10', 11, '10abc'],
  ['integer_not_equal', 10, 11, 10, 1.5],
  ['integer_less_than', 10, 9, 10, 'ten'],
  ['integer_less_equal', 10, 10, 11, '1e3'],
  ['integer_greater_than', 10, 11, 10, ''],
  ['integer_greater_equal', 10, '10', 9, ' 10'],
  ['double_equal', 1.5, '1.5', 1.25, 'NaN'],
  ['double_not_equal', 1.5, 2, 1.5, 'x'],
  ['double_less_than', 1.5, 1.25, 1.5, '1.5x'],
  ['double_less_equal', 1.5, 1.5, 2, '1.5e0'],
  ['double_greater_than', 1.5, 2, 1, []],
  ['double_greater_equal', 1.5, 1.5, 1, 'Infinity'],
  ['boolean_equal', true, 'true', false, 'yes'],
  ['time_in_range', { start: '09:00', end: '17:00:00' }, '12:00:00', '17:00:00', '25:00:00'],
  ['date_equal', '2026-11-18', '2026-11-18', '2026-11-19', '2026-02-30'],
  ['date_before', '2026-11-18', '2026-11-17', '2026-11-18', '18/11/2026'],
  ['date_after', '2026-11-18', '2026-11-19', '2026-11-18', 20261118],
  ['date_on_or_before', '2026-11-18', '2026-11-18', '2026-11-19', 'x'],
  ['date_on_or_after', '2026-11-18', '2026-11-18', '2026-11-17', 'x'],
  ['date_in_range', { start: '2026-01-01', end: '2027-01-01' }, '2026-06-01', '2027-01-01', 'x'],
  [
    'datetime_before',
    '2026-11-18T12:00:00Z',
    '2026-11-18T11:59:59Z',
    '2026-11-18T13:00:00+01:00',
    '2026-11-18 12:00',
  ],
  ['datetime_after', '2026-11-18T12:00:00Z', 1_800_000_000, '2026-11-18T12:00:00Z', '2026-11-18T12:00:00'],
  ['datetime_on_or_before', '2026-11-18T12:00:00Z', '2026-11-18T13:00:00+01:00', 1_800_000_000, true],
  ['datetime_on_or_after', '2026-11-18T12:00:00Z', '2026-11-18T12:00:00Z', '2026-11-18T11:00:00Z', {}],
  [
    'datetime_in_range',
    { start: '2026-11-18T00:00:00Z', end: '2026-11-19T00:00:00Z' },
    '2026-11-18T05:00:00Z',
    '2026-11-19T00:00:00Z',
    'x',
  ],
  ['datetime_equal', '2026-11-18T12:00:00Z', '2026-11-18T13:00:00+01:00', '2026-11-18T12:00:01Z', 'x'],
  ['list_contains', 'admin', ['user', 'admin'], ['user'], 'admin'],
  ['list_not_contains', 'admin', ['user'], ['admin'], 'admin'],
  ['list_intersects', ['admin', 'ops'], ['ops', 'x'], ['x'], 'ops'],
  ['ip_in_cidr', ['10.0.0.0/8', '2001:db8::/32'], '10.1.2.3', '11.0.0.1', 'not-an-ip'],
  ['ip_not_in_cidr', '192.168.0.0/16', '2001:db8::1', '192.168.4.4', '999.1.1.1'],
];

describe('every function: true, false and indeterminate', () => {
  for (const [fn, value, yes, no, bad] of table) {
    it(fn, () => {
      expect(outcome(c(fn, value), { ext_x: yes })).toBe('true');
      expect(outcome(c(fn, value), { ext_x: no })).toBe('false');
      expect(outcome(c(fn, value), { ext_x: bad })).toBe('indeterminate');
      // Absent (or null) is false, never indeterminate (as in IAM and OPA).
      expect(outcome(c(fn, value), {})).toBe('false');
      expect(outcome(c(fn, value), { ext_x: null })).toBe('false');
    });
  }

  it('numbers follow the exact grammar: plain decimals only, integers within ±(2^53−1)', () => {
    const int = (v: unknown) => outcome(c('integer_greater_than', 50000), { ext_x: v });
    const dbl = (v: unknown) => outcome(c('double_greater_than', 50000), { ext_x: v });
    for (const v of [60000, '60000', '-1', '007', 9007199254740991])
      expect(['true', 'false']).toContain(int(v));
    expect(int('60000')).toBe('true');
    expect(int('007')).toBe('false');
    for (const v of [
      '6e4',
      '60000.0',
      '0x10',
      '1_000',
      ' 1000',
      '1000 ',
      '',
      '+5',
      '.5',
      '5.',
      'NaN',
      'Infinity',
    ])
      expect(int(v)).toBe('indeterminate');
    // JSON numbers that are not exact safe integers: 1e309 parses to Infinity, 9007199254740993 rounds.
    for (const v of [JSON.parse('1e309'), JSON.parse('9007199254740993'), 60000.5, -(2 ** 53)])
      expect(int(v)).toBe('indeterminate');
    expect(dbl('60000.0')).toBe('true');
    expect(dbl('-0.5')).toBe('false');
    for (const v of [
      '6e4',
      '0x10',
      '1_000',
      ' 1',
      '',
      '.5',
      '5.',
      JSON.parse('1e309'),
      `1${'0'.repeat(400)}`,
    ])
      expect(dbl(v)).toBe('indeterminate');
  });

  it('booleans are true/false and exactly "true"/"false"', () => {
    const b = (v: unknown) => outcome(c('boolean_equal', true), { ext_x: v });
    expect(b('true')).toBe('true');
    expect(b(false)).toBe('false');
    expect(b('false')).toBe('false');
    for (const v of [1, 0, 'yes', 'True', 'TRUE', ' true', '']) expect(b(v)).toBe('indeterminate');
  });

  it('is_present / is_absent (null counts as absent)', () => {
    expect(outcome(c('is_present'), { ext_x: 0 })).toBe('true');
    expect(outcome(c('is_present'), { ext_x: null })).toBe('false');
    expect(outcome(c('is_absent'), {})).toBe('true');
    expect(outcome(c('is_absent'), { ext_x: '' })).toBe('false');
  });

  it('covers every function in the table', () => {
    const covered = new Set([...table.map((t) => t[0]), 'is_present', 'is_absent']);
    expect(FUNCTION_NAMES.filter((f) => !covered.has(f))).toEqual([]);
    // The contract's names and the implemented functions are the same set.
    expect(Object.keys(FUNCTIONS).sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  it('value_from_attribute reads the operand at evaluation time, including context paths', () => {
    const cond = {
      function: 'integer_less_equal',
      attribute: 'ext_x',
      value_from_attribute: 'request_metadata.limit',
    };
    expect(outcome(cond, { ext_x: 5 }, { limit: '7' })).toBe('true');
    expect(outcome(cond, { ext_x: 9 }, { limit: 7 })).toBe('false');
    expect(outcome(cond, { ext_x: 5 }, {})).toBe('false');
    expect(outcome(cond, { ext_x: 5 }, { limit: '7.0' })).toBe('indeterminate');
  });

  it('the ip attribute is the caller address', () => {
    const cond = { function: 'ip_in_cidr', attribute: 'ip', value: '127.0.0.0/8' };
    expect(outcome(cond, { __ip: '127.0.0.1' })).toBe('true');
    expect(outcome(cond, { __ip: '::ffff:127.0.0.9' })).toBe('true');
    // An entry point that does not know the caller's ip: every ip condition is indeterminate.
    expect(outcome(cond, {})).toBe('indeterminate');
    expect(outcome({ function: 'ip_not_in_cidr', attribute: 'ip', value: '127.0.0.0/8' }, {})).toBe(
      'indeterminate',
    );
    expect(outcome({ function: 'is_absent', attribute: 'ip' }, {})).toBe('indeterminate');
  });
});

describe('write-time validation', () => {
  const policy = (conditions: unknown[], rules?: unknown[]) => ({
    name: 'p',
    specification: {
      rules: rules ?? [{ rule_id: 'r1', effect: 'Allow', conditions }],
      default: { rule_id: 'd', effect: 'Deny' },
    },
  });
  const issues = (doc: unknown) => {
    const r = compilePolicy(doc, 1);
    if (r.ok) throw new Error('expected the policy to be refused');
    return r.issues;
  };

  it('accepts the seed policy verbatim', async () => {
    const { orderApprovalPolicy } = await import('../fixtures/seed');
    expect(compilePolicy(orderApprovalPolicy, 1).ok).toBe(true);
  });

  it('refuses an unknown function, naming the rule and condition', () => {
    const [issue] = issues(policy([{ function: 'string_equals', attribute: 'ext_role', value: 'x' }]));
    expect(issue?.path).toBe('specification.rules.0.conditions.0.function');
    expect(issue?.message).toContain('rule "r1", condition 0');
    expect(issue?.message).toContain('string_equal');
  });

  const refused: [string, Record<string, unknown>, string][] = [
    [
      'a wrong value type',
      { function: 'integer_less_than', attribute: 'ext_limit', value: '10abc' },
      'value',
    ],
    [
      'a malformed time',
      { function: 'time_in_range', attribute: 'current_time', value: { start: '9am', end: '17:00:00' } },
      'value',
    ],
    [
      'an empty time range',
      { function: 'time_in_range', attribute: 'current_time', value: { start: '09:00', end: '09:00:00' } },
      'value',
    ],
    [
      'an unbounded pattern',
      { function: 'string_like', attribute: 'ext_email', value: '*a*b*c*d*e*f*g*h*i*' },
      'value',
    ],
    ['a bad CIDR', { function: 'ip_in_cidr', attribute: 'ip', value: '10.0.0.0/33' }, 'value'],
    [
      'both value and value_from_attribute',
      { function: 'string_equal', attribute: 'ext_a', value: 'x', value_from_attribute: 'ext_b' },
      'value',
    ],
    ['neither value nor value_from_attribute', { function: 'string_equal', attribute: 'ext_a' }, 'value'],
    ['a value for is_present', { function: 'is_present', attribute: 'ext_a', value: true }, 'value'],
    [
      'an attribute that names nothing',
      { function: 'string_equal', attribute: 'role', value: 'x' },
      'attribute',
    ],
    [
      'metadata_key on another attribute',
      { function: 'string_equal', attribute: 'ext_a', metadata_key: 'k', value: 'x' },
      'metadata_key',
    ],
    [
      'a constant-only function from an attribute',
      { function: 'time_in_range', attribute: 'current_time', value_from_attribute: 'ext_t' },
      'value_from_attribute',
    ],
  ];
  for (const [name, cond, field] of refused) {
    it(`refuses ${name}`, () => {
      const [issue] = issues(policy([cond]));
      expect(issue?.path).toBe(`specification.rules.0.conditions.0.${field}`);
    });
  }

  it('refuses duplicate rule ids and unknown members', () => {
    const dup = issues(
      policy(
        [],
        [
          { rule_id: 'a', effect: 'Allow', conditions: [] },
          { rule_id: 'a', effect: 'Deny', conditions: [] },
        ],
      ),
    );
    expect(dup[0]?.message).toContain('duplicate rule_id');
    const typo = issues(policy([{ function: 'string_equal', attribute: 'ext_a', valu: 'x' }]));
    expect(JSON.stringify(typo)).toContain('valu');
    expect(issues({ name: 'p', specification: { rules: [] } })[0]?.path).toBe('specification.default');
    expect(issues(policy([], [{ rule_id: 'a', effect: 'Permit', conditions: [] }]))[0]?.path).toBe(
      'specification.rules.0.effect',
    );
  });
});
