import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../src/audit/consumer';
import { AUDIT_LIMITS, type AuditFacts, auditEvent, isRedacted } from '../../src/audit/event';
import { MESSAGE_BYTES, pack } from '../../src/audit/producer';
import { compilePolicy } from '../../src/policy/compile-policy';
import { bindingKey } from '../../src/policy/compiled';
import { buildEngine } from '../../src/policy/evaluate';

describe('audit helpers', () => {
  it('packs events into as few messages as fit under the message size, none lost', () => {
    const events = Array.from({ length: 250 }, (_, i) =>
      JSON.stringify({ decisionId: `d${i}`, pad: 'x'.repeat(900) }),
    );
    const bodies = pack(events);
    // ~232 KB of events: as few messages as fit, each almost full.
    const total = events.reduce((n, e) => n + e.length + 1, 0);
    expect(bodies.length).toBe(Math.ceil(total / (MESSAGE_BYTES - 1_000)));
    for (const b of bodies) expect(b.length).toBeLessThanOrEqual(MESSAGE_BYTES);
    const back = bodies.flatMap(
      (b) => (JSON.parse(b) as { v: number; events: { decisionId: string }[] }).events,
    );
    expect(back.map((e) => e.decisionId)).toEqual(events.map((_, i) => `d${i}`));
  });
  it('backs off exponentially, capped at 5 minutes', () => {
    expect([1, 2, 3, 8, 20].map(retryDelaySeconds)).toEqual([2, 4, 8, 256, 300]);
  });
});

// A policy whose reasons quote the values they compare: the card number, an email
// compared against the card, and 19 conditions that all fail against a long value.
const policy = compilePolicy(
  {
    name: 'p',
    specification: {
      rules: [
        {
          rule_id: 'card-guard',
          effect: 'Deny',
          conditions: [
            {
              function: 'integer_greater_than',
              attribute: 'request_metadata',
              metadata_key: 'card',
              value: 1,
            },
          ],
        },
        {
          rule_id: 'card-prefix',
          effect: 'Allow',
          conditions: [
            { function: 'string_starts_with', attribute: 'request_metadata.payment.card', value: '4' },
          ],
        },
        {
          rule_id: 'email-is-card',
          effect: 'Allow',
          conditions: [
            {
              function: 'string_equal',
              attribute: 'ext_email',
              value_from_attribute: 'request_metadata.card',
            },
          ],
        },
        ...Array.from({ length: 19 }, (_, i) => ({
          rule_id: `long-${i}`,
          effect: 'Allow' as const,
          conditions: [{ function: 'string_equal', attribute: 'request_metadata.note', value: `n${i}` }],
        })),
      ],
      default: { rule_id: 'deny', effect: 'Deny' },
    },
  },
  1,
);
if (!policy.ok) throw new Error(JSON.stringify(policy.issues));
const engine = buildEngine({
  version: 1,
  timezone: 'UTC',
  policies: { p: policy.policy },
  bindings: { [bindingKey('*', '*')]: ['p'] },
});

function eventFor(
  context: Record<string, unknown>,
  attributes: Record<string, unknown>,
  redactKeys: string[],
) {
  const d = engine.decide({
    attributes,
    resource: 'orders',
    action: 'pay',
    context,
    now: 0,
    timezone: 'UTC',
  });
  const facts: AuditFacts = {
    decisionId: 'dec_1',
    workspaceId: 'ws',
    time: 0,
    subject: 'u',
    provider: 'p',
    resource: 'orders',
    action: 'pay',
    decision: d.effect,
    policy: d.policy,
    policyVersion: d.policyVersion,
    ruleId: d.ruleId,
    reasons: d.reasons,
    attributes,
    context,
    latencyMs: 1,
    ip: null,
    userAgent: null,
  };
  return auditEvent(facts, redactKeys);
}

describe('audit events: redaction covers every place a value appears', () => {
  const SECRET = '4111111111111111';

  it('the card number is in no field of the event, reasons and messages included', () => {
    const e = eventFor({ card: SECRET, payment: { card: SECRET } }, { ext_email: SECRET }, ['card', 'email']);
    const text = JSON.stringify(e);
    expect(text).not.toContain(SECRET);
    expect(isRedacted(e.input.context.card)).toBe(true);
    expect(isRedacted((e.input.context.payment as Record<string, unknown>).card)).toBe(true);
    expect(isRedacted(e.input.attributes.ext_email)).toBe(true);
    // The reasons still say which rule and condition, without the values.
    expect(text).toContain('card-guard');
  });

  it('positive twin: without redactKeys the values are kept (the test can see them)', () => {
    const e = eventFor({ card: SECRET }, { ext_email: 'a@b.c' }, []);
    expect(JSON.stringify(e)).toContain(SECRET);
  });

  it('property: a secret under a redacted key never reaches the stored event', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 40 }).filter((s) => /^[A-Za-z0-9]+$/.test(s)),
        fc.constantFrom('card', 'payment.card', 'deep'),
        fc.boolean(),
        (secret, where, asNumber) => {
          const value = asNumber ? '9'.repeat(Math.min(15, secret.length)) : `S${secret}`;
          const context: Record<string, unknown> = { other: 'x' };
          if (where === 'card') context.card = value;
          else if (where === 'payment.card') context.payment = { card: value, amount: 3 };
          else context.a = { b: [{ c: { card: value } }] };
          const e = eventFor(context, { ext_email: value }, ['card', 'email']);
          expect(JSON.stringify(e)).not.toContain(value);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('audit events are bounded, so every decision is stored', () => {
  it('a 60 KB context value failing 19 conditions stays under the budget, marked', () => {
    const long = 'x'.repeat(60_000);
    const e = eventFor({ note: long, payment: { card: long } }, { ext_email: long }, []);
    expect(JSON.stringify(e.reasons).length).toBeLessThanOrEqual(AUDIT_LIMITS.bytes);
    expect(JSON.stringify(e.input).length).toBeLessThanOrEqual(2 * AUDIT_LIMITS.bytes + 64);
    expect(e.input.context.note).toMatchObject({ $truncated: true, type: 'string', length: 60_000 });
    expect(e.reasons.length).toBeGreaterThan(10);
  });

  it('property: any JSON context gives an event within the bounds', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 12 })),
        fc.string(),
        (context, email) => {
          const e = eventFor(context, { ext_email: email.repeat(50) }, ['card']);
          const size = JSON.stringify(e).length;
          expect(size).toBeLessThanOrEqual(2 * AUDIT_LIMITS.bytes + AUDIT_LIMITS.bytes + 4096);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('huge lists, many keys and deep nesting are cut and marked', () => {
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 30; i++) {
      at.next = {};
      at = at.next as Record<string, unknown>;
    }
    const e = eventFor(
      {
        list: Array.from({ length: 5000 }, (_, i) => i),
        many: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
        deep,
      },
      {},
      [],
    );
    const list = e.input.context.list as unknown[];
    expect(list.length).toBe(AUDIT_LIMITS.items + 1);
    expect(list.at(-1)).toMatchObject({ $truncated: true, length: 5000 });
    expect(e.input.context.many).toMatchObject({ $truncated: { type: 'object' } });
    expect(JSON.stringify(e.input.context.deep)).toContain('"$truncated":true');
  });
});
