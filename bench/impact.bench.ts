// Impact analysis and shadow policies, in process (Node, the engine only: no HTTP, no D1).
// - Replay: 100,000 stored events of the seed policy (built by the audit's own
//   serializeEvent, parsed back as a reader of D1 rows gets them) replayed against a draft
//   by analysis/impact.ts, next to the raw engine deciding the same inputs once.
// - Shadow: the seed policy decided alone, then with a shadow draft that changes one rule
//   (decideWithShadow), on the same requests.

import { newTally, replayInto, storedInput } from '../src/analysis/impact';
import type { AuditEvent } from '../src/audit/event';
import { serializeEvent } from '../src/audit/event';
import { ORDER_APPROVAL_POLICY as DEMO_POLICY } from '../src/contract/seed-policy';
import type { RequestInput } from '../src/policy/attributes';
import { compilePolicy } from '../src/policy/compile-policy';
import { bindingKey, type CompiledPolicy, type CompiledPolicySet } from '../src/policy/compiled';
import { buildEngine } from '../src/policy/evaluate';
import { fmt, measure } from './lib/measure';

const EVENTS = 100_000;

/** The seed with its within-limit rule tightened (amount must also be under 2,000). */
const DRAFT = structuredClone(DEMO_POLICY);
DRAFT.specification.rules[1]?.conditions.push({
  function: 'integer_less_than',
  attribute: 'request_metadata',
  metadata_key: 'amount',
  value: 2000,
} as never);

function compiled(doc: unknown, version: number): CompiledPolicy {
  const c = compilePolicy(doc, version);
  if (!c.ok) throw new Error(JSON.stringify(c.issues));
  return c.policy;
}

function setOf(policy: CompiledPolicy, extra = 0): CompiledPolicySet {
  const set: CompiledPolicySet = { version: 1, timezone: 'UTC', policies: {}, bindings: {} };
  set.policies[policy.name] = policy;
  set.bindings[bindingKey('orders', 'approve')] = [policy.name];
  // `extra` other policies on other resources (the engine bench's 100-policy workspace).
  for (let i = 0; i < extra; i++) {
    const p = compiled({ ...DEMO_POLICY, name: `other_${i}` }, 1);
    set.policies[p.name] = p;
    set.bindings[bindingKey(`orders_${i}`, 'approve')] = [p.name];
  }
  return set;
}

function input(i: number, resource = 'orders'): RequestInput {
  return {
    attributes: {
      sub: `user_${i % 500}`,
      ext_role: i % 3 === 0 ? 'manager' : 'employee',
      ext_approval_limit: 5000,
    },
    resource,
    action: 'approve',
    context: { amount: (i * 7919) % 8000 },
    now: 1_790_000_000_000 + i * 1000,
    timezone: 'UTC',
  };
}

export async function runImpactBench(): Promise<{ markdown: string }> {
  const live = compiled(DEMO_POLICY, 1);
  const liveEngine = buildEngine(setOf(live));
  const draftEngine = buildEngine(setOf(compiled(DRAFT, 0)));

  // 100,000 events as the audit stores them and a D1 reader parses them.
  const events: AuditEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const inp = input(i);
    const d = liveEngine.decide(inp);
    events.push(
      JSON.parse(
        serializeEvent(
          {
            decisionId: `dec_${i}`,
            workspaceId: 'bench',
            time: inp.now,
            subject: inp.attributes.sub as string,
            provider: 'clerk',
            resource: inp.resource,
            action: inp.action,
            decision: d.effect,
            policy: d.policy,
            policyVersion: d.policyVersion,
            ruleId: d.ruleId,
            reasons: d.reasons,
            attributes: inp.attributes,
            context: inp.context,
            latencyMs: 0,
            ip: null,
            userAgent: null,
            replay: { timezone: 'UTC', policiesJson: liveEngine.boundVersionsJson('orders', 'approve') },
          },
          [],
        ).json,
      ) as AuditEvent,
    );
  }
  let tally = newTally();
  const replay = await measure(
    () => {
      tally = newTally();
      replayInto(tally, events, liveEngine, draftEngine, { samples: 10 });
    },
    { rounds: 3, roundMs: 1500 },
  );
  const replayPerSec = replay.opsPerSec * EVENTS;
  let k = 0;
  const inputs = events.map((e) => storedInput(e, 'UTC'));
  const raw = await measure(() => draftEngine.decide(inputs[k++ % EVENTS] as RequestInput), { batch: 1024 });
  console.log(
    `impact: replay ${fmt(replayPerSec)} events/s (${tally.allowToDeny} Allow→Deny of ${tally.considered}), engine alone ${fmt(raw.opsPerSec)} decisions/s`,
  );

  // Shadow overhead: the same requests with and without a shadow on the policy they use.
  const rows: string[] = [];
  for (const extra of [0, 99]) {
    const plain = buildEngine(setOf(live, extra));
    const shadowed = buildEngine(setOf(live, extra), { order_approval: compiled(DRAFT, 0) });
    // With 99 other policies, one request in 100 uses the shadowed one (as in the engine bench).
    const reqs = Array.from({ length: 1024 }, (_, i) =>
      input(i, extra === 0 || i % 100 === 0 ? 'orders' : `orders_${i % extra}`),
    );
    let a = 0;
    let b = 0;
    for (const q of reqs)
      if (plain.decide(q).effect !== shadowed.decideWithShadow(q).live.effect)
        throw new Error('shadow changed an answer');
    // Alternating rounds, so a slow moment on a shared machine hits both sides alike.
    const offRates: number[] = [];
    const onRates: number[] = [];
    for (let round = 0; round < 5; round++) {
      const offRound = await measure(() => plain.decide(reqs[a++ & 1023] as RequestInput), {
        batch: 1024,
        rounds: 1,
      });
      const onRound = await measure(() => shadowed.decideWithShadow(reqs[b++ & 1023] as RequestInput), {
        batch: 1024,
        rounds: 1,
      });
      offRates.push(offRound.opsPerSec);
      onRates.push(onRound.opsPerSec);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
    const off = { opsPerSec: median(offRates), usPerOp: 1e6 / median(offRates) };
    const on = { opsPerSec: median(onRates), usPerOp: 1e6 / median(onRates) };
    const ratio = off.opsPerSec / on.opsPerSec;
    console.log(
      `shadow (${extra + 1} policies): ${fmt(off.usPerOp * 1000)} ns → ${fmt(on.usPerOp * 1000)} ns, ${fmt(ratio, 2)}×`,
    );
    rows.push(
      `| ${extra === 0 ? 'seed policy only: every request uses the shadowed policy' : '100 policies, one shadowed: 1 request in 100 uses it'} | ${fmt(off.usPerOp * 1000)} | ${fmt(on.usPerOp * 1000)} | **${fmt(ratio, 2)}×** |`,
    );
  }
  const markdown = [
    '| replay (in process) | per second |',
    '|---|---:|',
    `| stored events replayed against a draft (100,000 events of the seed policy: parse-free input, live + draft decision, tally) | **${fmt(replayPerSec)}** |`,
    `| the engine alone deciding the same inputs once | ${fmt(raw.opsPerSec)} |`,
    '',
    `A replay decides each event up to twice (the live policy only when the versions it records are no longer live; here they are, so once) and keeps the tally; ${fmt(replayPerSec / raw.opsPerSec, 2)}× the raw engine's rate. The replay of a stored window also reads it from D1 in pages of 1,000 (jobs: IMPACT_CHUNK, default 2,000), which this row leaves out.`,
    '',
    '| shadow overhead (engine time per decision) | without a shadow (ns) | with a shadow (ns) | ratio |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    "Medians of 5 alternating rounds. The draft changes one of the seed's two rules. Rules whose conditions are the same in the live policy and the draft share a memo slot, so the shadow pass re-evaluates only the changed rule and recombines (policy/evaluate.ts → decideWithShadow).",
  ].join('\n');
  return { markdown };
}
