// Replaying stored (redacted, bounded) inputs: every kind of audit marker reads as
// unknown, so a condition that needs it is indeterminate — never decided on a guess.
import { describe, expect, it } from 'vitest';
import { storedInput } from '../../src/analysis/impact';
import { auditEvent } from '../../src/audit/event';
import { compilePolicy } from '../../src/policy/compile-policy';
import { bindingKey, type CompiledPolicySet } from '../../src/policy/compiled';
import { buildEngine } from '../../src/policy/evaluate';

function engineFor(condition: Record<string, unknown>, effect: 'Allow' | 'Deny') {
  const c = compilePolicy(
    {
      name: 'p',
      specification: {
        rules: [{ rule_id: 'r', effect, conditions: [condition] }],
        default: { rule_id: 'd', effect: effect === 'Allow' ? 'Deny' : 'Allow' },
      },
    },
    1,
  );
  if (!c.ok) throw new Error(JSON.stringify(c.issues));
  const set: CompiledPolicySet = { version: 1, timezone: 'UTC', policies: { p: c.policy }, bindings: {} };
  set.bindings[bindingKey('doc', 'read')] = ['p'];
  return buildEngine(set);
}

/** The event the audit stores for this context and these attributes, as replay reads it. */
function stored(
  context: Record<string, unknown>,
  attributes: Record<string, unknown> = {},
  redact: string[] = [],
) {
  const e = auditEvent(
    {
      decisionId: 'dec_1',
      workspaceId: 'w',
      time: 0,
      subject: 'u',
      provider: 'p',
      resource: 'doc',
      action: 'read',
      decision: 'Allow',
      policy: 'p',
      policyVersion: 1,
      ruleId: 'r',
      reasons: [],
      attributes: { sub: 'u', ...attributes },
      context,
      latencyMs: 0,
      ip: null,
      userAgent: null,
      replay: { timezone: 'UTC', policiesJson: '{"p":1}' },
    },
    redact,
  );
  return storedInput(e, 'UTC');
}

describe('replay of stored inputs', () => {
  const cases: [
    string,
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
    string[],
  ][] = [
    [
      'a redacted context key',
      { function: 'string_equal', attribute: 'request_metadata', metadata_key: 'card', value: 'x' },
      { card: 'x' },
      {},
      ['card'],
    ],
    [
      'a redacted claim (ext_ prefix)',
      { function: 'string_equal', attribute: 'ext_card', value: 'x' },
      {},
      { ext_card: 'x' },
      ['card'],
    ],
    [
      'a string cut at 256 characters',
      { function: 'string_starts_with', attribute: 'request_metadata', metadata_key: 'note', value: 'a' },
      { note: 'a'.repeat(300) },
      {},
      [],
    ],
    [
      'a list cut at 64 items',
      { function: 'list_contains', attribute: 'request_metadata', metadata_key: 'tags', value: 'last' },
      { tags: [...Array.from({ length: 80 }, (_, i) => `t${i}`), 'last'] },
      {},
      [],
    ],
    [
      'an object whose keys were cut',
      { function: 'string_equal', attribute: 'request_metadata', metadata_key: 'k99', value: 'v' },
      Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])),
      {},
      [],
    ],
    [
      'a path below a redacted object',
      { function: 'string_equal', attribute: 'request_metadata', metadata_key: 'card.brand', value: 'v' },
      { card: { brand: 'v' } },
      {},
      ['card'],
    ],
  ];
  for (const [name, condition, context, attributes, redact] of cases) {
    it(`${name}: unknown, so a Deny rule is indeterminate and an Allow rule does not allow`, () => {
      const input = stored(context, attributes, redact);
      const deny = engineFor(condition, 'Deny').replay(input);
      expect(deny.touchedMarker).toBe(true);
      expect(deny.decision.effect).toBe('Deny');
      expect(deny.decision.reasons[0]).toMatchObject({ code: 'indeterminate' });
      const allow = engineFor(condition, 'Allow').replay(input);
      expect(allow.touchedMarker).toBe(true);
      expect(allow.decision.effect).toBe('Deny');
      // The live engine on the full input decides it outright: the marker is what made the difference.
      const live = engineFor(condition, 'Allow').decide({
        ...input,
        context,
        attributes: { sub: 'u', ...attributes },
      });
      expect(live.effect).toBe('Allow');
    });
  }

  it('absent values and values kept whole are replayed exactly, with no marker touched', () => {
    const condition = {
      function: 'string_equal',
      attribute: 'request_metadata',
      metadata_key: 'k1',
      value: 'v',
    };
    const kept = engineFor(condition, 'Allow').replay(stored({ k1: 'v', card: 'x' }, {}, ['card']));
    expect(kept).toMatchObject({ touchedMarker: false, decision: { effect: 'Allow' } });
    const absent = engineFor(condition, 'Allow').replay(stored({ other: 1 }));
    expect(absent).toMatchObject({ touchedMarker: false, decision: { effect: 'Deny' } });
  });
});
