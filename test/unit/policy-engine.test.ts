import { describe, expect, it } from 'vitest';
import type { RequestInput } from '../../src/policy/attributes';
import { compilePolicy } from '../../src/policy/compile-policy';
import { bindingKey, type CompiledPolicySet } from '../../src/policy/compiled';
import { buildEngine } from '../../src/policy/evaluate';
import { businessHoursRule, financeHighValueRule, orderApprovalPolicy } from '../fixtures/seed';

function setOf(docs: unknown[], bindings: Record<string, string[]>, timezone = 'UTC'): CompiledPolicySet {
  const policies: CompiledPolicySet['policies'] = {};
  for (const doc of docs) {
    const r = compilePolicy(doc, 1);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    policies[r.policy.name] = r.policy;
  }
  return { version: 1, timezone, policies, bindings };
}

const NOON_WED = Date.parse('2026-11-18T12:00:00Z');

function input(
  ext: Record<string, unknown>,
  amount: unknown,
  extra: Partial<RequestInput> = {},
): RequestInput {
  return {
    attributes: { sub: 'u1', ...ext },
    resource: 'orders',
    action: 'approve',
    context: { amount },
    now: NOON_WED,
    timezone: 'UTC',
    ...extra,
  };
}

const seedEngine = buildEngine(
  setOf([orderApprovalPolicy], { [bindingKey('orders', 'approve')]: ['order_approval'] }),
);

describe('the seed scenario (order_approval)', () => {
  const cases: [string, Record<string, unknown>, number, 'Allow' | 'Deny', string][] = [
    [
      'employee approves $500',
      { ext_role: 'employee', ext_approval_limit: 1000 },
      500,
      'Allow',
      'within-limit',
    ],
    [
      'employee approves exactly the limit',
      { ext_role: 'employee', ext_approval_limit: 1000 },
      1000,
      'Allow',
      'within-limit',
    ],
    [
      'employee cannot approve $5,000',
      { ext_role: 'employee', ext_approval_limit: 1000 },
      5000,
      'Deny',
      'deny',
    ],
    [
      'manager approves $15,000',
      { ext_role: 'manager', ext_approval_limit: 10000 },
      15000,
      'Allow',
      'manager-unlimited',
    ],
    [
      'a string limit from a JWT template coerces',
      { ext_role: 'employee', ext_approval_limit: '1000' },
      500,
      'Allow',
      'within-limit',
    ],
    [
      'a malformed limit never allows',
      { ext_role: 'employee', ext_approval_limit: '10abc' },
      5,
      'Deny',
      'deny',
    ],
    ['a missing limit never allows', { ext_role: 'employee' }, 5, 'Deny', 'deny'],
  ];
  for (const [name, ext, amount, effect, rule] of cases) {
    it(name, () => {
      const d = seedEngine.decide(input(ext, amount));
      expect(d.effect).toBe(effect);
      expect(d.ruleId).toBe(rule);
      expect(d.policy).toBe('order_approval');
      expect(d.policyVersion).toBe(1);
    });
  }

  it('explains a denial well enough to say "amount (5000) exceeds your approval limit"', () => {
    const d = seedEngine.decide(input({ ext_role: 'employee', ext_approval_limit: 1000 }, 5000));
    const failed = d.reasons.find((r) => r.code === 'condition_failed' && r.rule === 'within-limit');
    expect(failed).toBeDefined();
    if (failed?.code !== 'condition_failed') throw new Error('unreachable');
    expect(failed.condition.actual).toBe(5000);
    expect(failed.condition.expected).toBe(1000);
    expect(failed.condition.operandAttribute).toBe('ext_approval_limit');
    expect(failed.condition.attribute).toBe('request_metadata.amount');
    expect(failed.message).toContain('5000');
    expect(failed.message).toContain('1000');
  });

  it('reports an indeterminate condition with the reason', () => {
    const d = seedEngine.decide(input({ ext_role: 'employee', ext_approval_limit: '10abc' }, 5));
    const reason = d.reasons.find((r) => r.code === 'condition_indeterminate');
    expect(reason?.code).toBe('condition_indeterminate');
    expect(JSON.stringify(reason)).toContain('10abc');
  });

  it('no binding → Deny no_policy', () => {
    const d = seedEngine.decide(input({ ext_role: 'manager' }, 1, { action: 'delete' }));
    expect(d.effect).toBe('Deny');
    expect(d.reasons[0]?.code).toBe('no_policy');
  });
});

describe('going further: finance-high-value and business hours', () => {
  const withFinance = {
    ...orderApprovalPolicy,
    specification: {
      ...orderApprovalPolicy.specification,
      rules: [...orderApprovalPolicy.specification.rules, financeHighValueRule],
    },
  };
  const engine = buildEngine(setOf([withFinance], { [bindingKey('orders', 'approve')]: ['order_approval'] }));

  it('finance approves over $10,000, sales does not', () => {
    expect(engine.decide(input({ ext_department: 'finance', ext_approval_limit: 0 }, 20000)).ruleId).toBe(
      'finance-high-value',
    );
    expect(engine.decide(input({ ext_department: 'sales', ext_approval_limit: 0 }, 20000)).effect).toBe(
      'Deny',
    );
    expect(engine.decide(input({ ext_department: 'finance', ext_approval_limit: 0 }, 10000)).effect).toBe(
      'Deny',
    );
  });

  const hours = {
    name: 'business_hours',
    specification: { rules: [businessHoursRule], default: { rule_id: 'deny', effect: 'Deny' } },
  };
  const at = (iso: string, timezone: string) => {
    const e = buildEngine(setOf([hours], { [bindingKey('*', '*')]: ['business_hours'] }, timezone));
    return e.decide(input({}, 1, { now: Date.parse(iso), timezone })).effect;
  };

  it('in UTC: weekday morning allowed, 17:00:00 exactly denied, 16:59:59 allowed, weekend denied', () => {
    expect(at('2026-11-18T09:00:00Z', 'UTC')).toBe('Allow');
    expect(at('2026-11-18T08:59:59Z', 'UTC')).toBe('Deny');
    expect(at('2026-11-18T16:59:59Z', 'UTC')).toBe('Allow');
    expect(at('2026-11-18T17:00:00Z', 'UTC')).toBe('Deny');
    expect(at('2026-11-21T12:00:00Z', 'UTC')).toBe('Deny'); // Saturday
  });

  it('in America/New_York the same instants read differently', () => {
    // 14:00Z is 09:00 in New York (EST, UTC-5) on a Wednesday.
    expect(at('2026-11-18T14:00:00Z', 'America/New_York')).toBe('Allow');
    expect(at('2026-11-18T12:00:00Z', 'America/New_York')).toBe('Deny');
    expect(at('2026-11-18T22:00:00Z', 'America/New_York')).toBe('Deny'); // 17:00:00 local
    // Saturday 03:00Z is still Friday 22:00 in New York: a weekday, but after hours.
    expect(at('2026-11-21T03:00:00Z', 'America/New_York')).toBe('Deny');
    // Sunday 16:00Z is Sunday 11:00 local: weekend.
    expect(at('2026-11-22T16:00:00Z', 'America/New_York')).toBe('Deny');
    // Monday 02:00Z is Sunday 21:00 in New York; Monday 14:30Z is Monday 09:30 there.
    expect(at('2026-11-23T14:30:00Z', 'America/New_York')).toBe('Allow');
  });

  it('time_in_range wraps midnight', () => {
    const night = {
      name: 'night',
      specification: {
        rules: [
          {
            rule_id: 'night',
            effect: 'Allow',
            conditions: [
              {
                function: 'time_in_range',
                attribute: 'current_time',
                value: { start: '22:00:00', end: '06:00:00' },
              },
            ],
          },
        ],
        default: { rule_id: 'deny', effect: 'Deny' },
      },
    };
    const e = buildEngine(setOf([night], { [bindingKey('*', '*')]: ['night'] }));
    const t = (iso: string) => e.decide(input({}, 1, { now: Date.parse(iso) })).effect;
    expect(t('2026-11-18T23:30:00Z')).toBe('Allow');
    expect(t('2026-11-18T02:00:00Z')).toBe('Allow');
    expect(t('2026-11-18T06:00:00Z')).toBe('Deny');
    expect(t('2026-11-18T12:00:00Z')).toBe('Deny');
    expect(t('2026-11-18T22:00:00Z')).toBe('Allow');
  });
});

describe('combining', () => {
  const allowAll = {
    name: 'allow_all',
    specification: {
      rules: [{ rule_id: 'all', effect: 'Allow', conditions: [] }],
      default: { rule_id: 'd', effect: 'Deny' },
    },
  };
  const denyBanned = {
    name: 'deny_banned',
    specification: {
      rules: [
        {
          rule_id: 'banned',
          effect: 'Deny',
          conditions: [{ function: 'boolean_equal', attribute: 'ext_banned', value: true }],
        },
      ],
      default: { rule_id: 'fallthrough', effect: 'Allow' },
    },
  };
  const engine = buildEngine(
    setOf([allowAll, denyBanned], {
      [bindingKey('orders', '*')]: ['allow_all'],
      [bindingKey('*', '*')]: ['deny_banned'],
    }),
  );

  it('a matching Deny in any bound policy wins over an Allow', () => {
    const d = engine.decide(input({ ext_banned: true }, 1));
    expect(d.effect).toBe('Deny');
    expect(d.policy).toBe('deny_banned');
    expect(d.ruleId).toBe('banned');
  });

  it('an Allow applies when no Deny matches; * bindings apply', () => {
    expect(engine.decide(input({ ext_banned: false }, 1)).ruleId).toBe('all');
    expect(engine.decide(input({ ext_banned: 'false' }, 1)).effect).toBe('Allow');
  });

  it('defaults: a Deny default wins over an Allow default', () => {
    const d = engine.decide(input({}, 1, { resource: 'invoices', action: 'read' }));
    expect(d.effect).toBe('Allow'); // only deny_banned applies; its default is Allow
    const both = buildEngine(
      setOf([allowAll, denyBanned], { [bindingKey('x', 'y')]: ['deny_banned', 'allow_all'] }),
    );
    const noMatchAllow = { ...allowAll, specification: { ...allowAll.specification, rules: [] } };
    const e2 = buildEngine(
      setOf([noMatchAllow, denyBanned], { [bindingKey('x', 'y')]: ['deny_banned', 'allow_all'] }),
    );
    expect(both.decide(input({}, 1, { resource: 'x', action: 'y' })).effect).toBe('Allow');
    const d2 = e2.decide(input({}, 1, { resource: 'x', action: 'y' }));
    expect(d2.effect).toBe('Deny');
    expect(d2.policy).toBe('allow_all');
  });
});

describe('Deny rules fail closed (indeterminate)', () => {
  // The seed policy plus a guard: nobody approves above 50,000 through this policy.
  const guarded = {
    ...orderApprovalPolicy,
    specification: {
      ...orderApprovalPolicy.specification,
      rules: [
        {
          rule_id: 'cap',
          effect: 'Deny',
          conditions: [
            {
              function: 'integer_greater_than',
              attribute: 'request_metadata',
              metadata_key: 'amount',
              value: 50000,
            },
          ],
        },
        ...orderApprovalPolicy.specification.rules,
      ],
    },
  };
  const engine = buildEngine(setOf([guarded], { [bindingKey('orders', 'approve')]: ['order_approval'] }));
  const manager = { ext_role: 'manager', ext_approval_limit: 0 };

  it('a manager cannot step around the cap with an amount the guard cannot read', () => {
    for (const amount of [
      '6e4',
      '60000.0',
      JSON.parse('1e309'),
      JSON.parse('9007199254740993'),
      '0x10000',
      ' 60000',
      '',
    ]) {
      const d = engine.decide(input(manager, amount));
      expect(d.effect, `amount ${JSON.stringify(amount)}`).toBe('Deny');
      expect(d.ruleId).toBe('cap');
      const [reason] = d.reasons;
      expect(reason?.code).toBe('indeterminate');
      if (reason?.code !== 'indeterminate') throw new Error('unreachable');
      expect(reason.rule).toBe('cap');
      expect(reason.condition.attribute).toBe('request_metadata.amount');
      expect(reason.condition.result).toBe('indeterminate');
    }
  });

  it('positive twins: readable amounts decide normally, a missing amount does not trip the guard', () => {
    expect(engine.decide(input(manager, 60000)).ruleId).toBe('cap');
    expect(engine.decide(input(manager, '60000')).ruleId).toBe('cap');
    expect(engine.decide(input(manager, 15000)).effect).toBe('Allow');
    expect(engine.decide(input(manager, '15000')).effect).toBe('Allow');
    // Absent is false, so the guard does not apply; manager-unlimited does.
    expect(engine.decide({ ...input(manager, 0), context: {} }).ruleId).toBe('manager-unlimited');
  });

  it('a false condition beside an indeterminate one makes the rule not match', () => {
    const twoConditions = {
      name: 'p',
      specification: {
        rules: [
          {
            rule_id: 'guard',
            effect: 'Deny',
            conditions: [
              { function: 'string_equal', attribute: 'ext_role', value: 'contractor' },
              {
                function: 'integer_greater_than',
                attribute: 'request_metadata',
                metadata_key: 'amount',
                value: 1,
              },
            ],
          },
        ],
        default: { rule_id: 'd', effect: 'Allow' },
      },
    };
    const e = buildEngine(setOf([twoConditions], { [bindingKey('*', '*')]: ['p'] }));
    expect(e.decide(input({ ext_role: 'employee' }, '6e4')).effect).toBe('Allow');
    expect(e.decide(input({ ext_role: 'contractor' }, '6e4')).reasons[0]?.code).toBe('indeterminate');
  });

  it('an indeterminate Allow rule never allows', () => {
    const d = seedEngine.decide(input({ ext_role: 'employee', ext_approval_limit: 1000 }, '5e2'));
    expect(d.effect).toBe('Deny');
    expect(d.reasons.some((r) => r.code === 'condition_indeterminate')).toBe(true);
  });
});

describe('bounded work per decision', () => {
  const globRules = (n: number) => ({
    name: 'globs',
    specification: {
      rules: Array.from({ length: n }, (_, i) => ({
        rule_id: `g${i}`,
        effect: 'Allow',
        conditions: [
          {
            function: 'string_like',
            attribute: 'request_metadata',
            metadata_key: 'q',
            value: `*${'a'.repeat(254)}b`,
          },
        ],
      })),
      default: { rule_id: 'd', effect: 'Deny' },
    },
  });
  const engine = buildEngine(setOf([globRules(16)], { [bindingKey('*', '*')]: ['globs'] }));
  const ask = (q: string) => engine.decide({ ...input({}, 0), context: { q } });

  it('a request that needs more work than one decision may cost is a Deny with budget_exceeded', () => {
    const d = ask('a'.repeat(60_000));
    expect(d.effect).toBe('Deny');
    expect(d.reasons[0]?.code).toBe('budget_exceeded');
  });

  it('positive twin: the same policy decides a normal request, and matches', () => {
    expect(ask(`${'a'.repeat(300)}b`).effect).toBe('Allow');
    expect(ask('a'.repeat(100)).reasons[0]?.code).toBe('default_applied');
  });

  it('a shared budget spans decisions (a records page)', () => {
    const budget = { left: 1_000_000 };
    let decided = 0;
    while (
      engine.decide({ ...input({}, 0), context: { q: 'a'.repeat(300) } }, budget).reasons[0]?.code !==
      'budget_exceeded'
    )
      decided++;
    expect(decided).toBeGreaterThan(0);
    expect(budget.left).toBeLessThan(0);
  });
});

describe('a shadow never changes the live answer or what it spends', () => {
  // Two rules with the same (costly) condition share a memo slot. The live pass must pay for
  // both, as it does without a shadow: a budget that runs out on the second must still be a
  // budget_exceeded Deny, not the default Allow a reused outcome would reach.
  const costly = {
    function: 'string_like',
    attribute: 'request_metadata',
    metadata_key: 'q',
    value: `*${'a'.repeat(254)}b`,
  };
  const policy = {
    name: 'dup',
    specification: {
      rules: [
        { rule_id: 'deny-match', effect: 'Deny', conditions: [costly] },
        { rule_id: 'deny-again', effect: 'Deny', conditions: [costly] },
      ],
      default: { rule_id: 'open', effect: 'Allow' },
    },
  };
  const set = setOf([policy], { [bindingKey('*', '*')]: ['dup'] });
  const draft = compilePolicy({ ...policy, specification: { ...policy.specification, rules: [] } }, 2);
  if (!draft.ok) throw new Error('draft');
  const plain = buildEngine(set);
  const shadowed = buildEngine(set, { dup: draft.policy });
  const request = { ...input({}, 0), context: { q: 'a'.repeat(2000) } };

  it('at every budget, live with a shadow equals no shadow (answer and budget left)', () => {
    const full = { left: 1e12 };
    plain.decide(request, full);
    const cost = 1e12 - full.left;
    expect(cost).toBeGreaterThan(0);
    let exceeded = 0;
    for (let left = 0; left <= cost * 1.2; left += Math.max(1, Math.floor(cost / 40))) {
      const a = { left };
      const b = { left };
      const without = plain.decide(request, a);
      const withShadow = shadowed.decideWithShadow(request, b);
      expect(withShadow.live, `budget ${left}`).toEqual(without);
      expect(b.left, `budget ${left}`).toBe(a.left);
      if (without.reasons[0]?.code === 'budget_exceeded') exceeded++;
    }
    // The sweep crosses the limit: some budgets run out, the largest does not.
    expect(exceeded).toBeGreaterThan(0);
    expect(plain.decide(request, { left: cost }).effect).toBe('Allow');
  });
});

describe('explanations show bounded values', () => {
  it('a 60 KB value is cut and marked in the reasons, not echoed', () => {
    const long = 'x'.repeat(60_000);
    const d = seedEngine.decide(input({ ext_role: 'employee', ext_approval_limit: long }, 5));
    const text = JSON.stringify(d.reasons);
    expect(text.length).toBeLessThan(4_000);
    expect(text).toContain('"$truncated":true');
    // Positive twin: short values are shown as they are.
    expect(
      JSON.stringify(
        seedEngine.decide(input({ ext_role: 'employee', ext_approval_limit: 1000 }, 5000)).reasons,
      ),
    ).toContain('5000');
  });
});
