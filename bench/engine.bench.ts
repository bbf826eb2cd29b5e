// Engine benchmark: Verdict's compiled evaluator vs Cedar (cedar-wasm, stateful API)
// vs json-rules-engine, on equivalent policies (the seed's order_approval, one copy per
// resource type) at 10, 100 and 1,000 policies in the workspace, in one process.
// Every contender is first checked to give the same decisions on the same requests.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { Engine as RulesEngine } from 'json-rules-engine';
import { ORDER_APPROVAL_POLICY as DEMO_POLICY } from '../src/contract/seed-policy';
import { compilePolicy } from '../src/policy/compile-policy';
import { bindingKey, type CompiledPolicySet } from '../src/policy/compiled';
import { buildEngine } from '../src/policy/evaluate';
import { fmt, measure } from './lib/measure';

const SIZES = [10, 100, 1000];

const seedPolicy = (i: number) => ({ ...DEMO_POLICY, name: `order_approval_${i}` });

type Req = { resource: string; role: string; limit: number; amount: number };

function requests(n: number): Req[] {
  const out: Req[] = [];
  for (let i = 0; i < 64; i++) {
    out.push({
      resource: `orders_${(i * 7919) % n}`,
      role: i % 3 === 0 ? 'manager' : 'employee',
      limit: 1000,
      amount: i % 2 ? 500 : 5000,
    });
  }
  return out;
}

function verdictContender(n: number) {
  const set: CompiledPolicySet = { version: 1, timezone: 'UTC', policies: {}, bindings: {} };
  for (let i = 0; i < n; i++) {
    const r = compilePolicy(seedPolicy(i), 1);
    if (!r.ok) throw new Error('compile');
    set.policies[r.policy.name] = r.policy;
    set.bindings[bindingKey(`orders_${i}`, 'approve')] = [r.policy.name];
  }
  const engine = buildEngine(set);
  return (q: Req) =>
    engine.decide({
      attributes: { sub: 'u', ext_role: q.role, ext_approval_limit: q.limit },
      resource: q.resource,
      action: 'approve',
      context: { amount: q.amount },
      now: 0,
      timezone: 'UTC',
    }).effect === 'Allow';
}

function cedarContender(n: number) {
  let text = '';
  for (let i = 0; i < n; i++) {
    text += `@id("p${i}_manager") permit(principal, action == Action::"approve", resource == Resource::"orders_${i}") when { principal.role == "manager" };\n`;
    text += `@id("p${i}_limit") permit(principal, action == Action::"approve", resource == Resource::"orders_${i}") when { context.amount <= principal.approval_limit };\n`;
  }
  const id = `bench-${n}`;
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: text });
  if (parsed.type !== 'success') throw new Error(`cedar parse: ${JSON.stringify(parsed)}`);
  return (q: Req) => {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'User', id: 'u' },
      action: { type: 'Action', id: 'approve' },
      resource: { type: 'Resource', id: q.resource },
      context: { amount: q.amount },
      preparsedPolicySetId: id,
      entities: [
        { uid: { type: 'User', id: 'u' }, attrs: { role: q.role, approval_limit: q.limit }, parents: [] },
      ],
    });
    if (answer.type !== 'success') throw new Error(`cedar: ${JSON.stringify(answer)}`);
    return answer.response.decision === 'allow';
  };
}

function rulesEngineContender(n: number) {
  const engine = new RulesEngine([], { allowUndefinedFacts: true });
  for (let i = 0; i < n; i++) {
    engine.addRule({
      conditions: {
        all: [
          { fact: 'resource', operator: 'equal', value: `orders_${i}` },
          { fact: 'role', operator: 'equal', value: 'manager' },
        ],
      },
      event: { type: 'allow' },
    });
    engine.addRule({
      conditions: {
        all: [
          { fact: 'resource', operator: 'equal', value: `orders_${i}` },
          { fact: 'amount', operator: 'lessThanInclusive', value: { fact: 'approval_limit' } },
        ],
      },
      event: { type: 'allow' },
    });
  }
  return async (q: Req) => {
    const { events } = await engine.run({
      resource: q.resource,
      role: q.role,
      amount: q.amount,
      approval_limit: q.limit,
    });
    return events.length > 0;
  };
}

export async function runEngineBench(): Promise<{ markdown: string; rows: Record<string, number>[] }> {
  const rows: Record<string, number>[] = [];
  for (const n of SIZES) {
    const reqs = requests(n);
    const ours = verdictContender(n);
    const ced = cedarContender(n);
    const jre = rulesEngineContender(n);
    for (const q of reqs) {
      const want = ours(q);
      if (ced(q) !== want || (await jre(q)) !== want)
        throw new Error(`contenders disagree at n=${n} on ${JSON.stringify(q)}`);
    }
    let k = 0;
    const next = () => reqs[k++ & 63] as Req;
    const v = await measure(() => ours(next()), { batch: 256 });
    const c = await measure(() => ced(next()), { batch: 16 });
    const j = await measure(() => jre(next()), { batch: 4, rounds: 3 });
    rows.push({ n, verdict: v.opsPerSec, cedar: c.opsPerSec, jre: j.opsPerSec });
    console.log(
      `engine n=${n}: verdict ${fmt(v.opsPerSec)}/s, cedar ${fmt(c.opsPerSec)}/s, json-rules-engine ${fmt(j.opsPerSec)}/s`,
    );
  }
  const first = rows[0] as Record<string, number>;
  const lines = [
    '| policies | Verdict (decisions/s) | Cedar-wasm stateful | json-rules-engine | Verdict ÷ Cedar | Verdict ÷ json-rules-engine |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${fmt(r.n as number)} | ${fmt(r.verdict as number)} | ${fmt(r.cedar as number)} | ${fmt(r.jre as number)} | ${fmt((r.verdict as number) / (r.cedar as number), 1)}× | ${fmt((r.verdict as number) / (r.jre as number), 1)}× |`,
    ),
  ];
  const last = rows.at(-1) as Record<string, number>;
  const at100 = rows.find((r) => r.n === 100) as Record<string, number>;
  lines.push('');
  lines.push(
    `- Target ≥ 20× Cedar at 100 policies: measured **${fmt((at100.verdict as number) / (at100.cedar as number), 1)}×**.`,
  );
  lines.push(
    `- Target time at 1,000 policies ≤ 3× time at 10: measured **${fmt((first.verdict as number) / (last.verdict as number), 2)}×**.`,
  );
  return { markdown: lines.join('\n'), rows };
}
