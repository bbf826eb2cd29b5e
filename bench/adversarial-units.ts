/// <reference types="node" />
// In-process companion of the adversarial rows (BENCHMARKS.md → Adversarial): evaluates
// each shape of bench/lib/adversarial.mjs with the real engine in Node, and reports the
// budget units it spends, the time, and so nanoseconds per unit for each kind of work;
// also the request-level work outside the evaluator (JSON parse, depth check, audit
// event, response JSON). Run: npx esbuild bench/adversarial-units.ts --bundle
// --platform=node --format=esm --outfile=bench/.out/adversarial-units.mjs && node bench/.out/adversarial-units.mjs
import { auditEvent } from '../src/audit/event';
import { ORDER_APPROVAL_POLICY as DEMO_POLICY } from '../src/contract/seed-policy';
import { assertContext } from '../src/decision/authorize';
import * as limits from '../src/policy/attributes';
import { compilePolicy } from '../src/policy/compile-policy';
import { bindingKey, type CompiledPolicySet } from '../src/policy/compiled';
import { buildEngine } from '../src/policy/evaluate';
import { adversarialShapes, BINDING_KEYS, POLICIES_PER_BINDING } from './lib/adversarial.mjs';

const { DECISION_BUDGET } = limits;
const REQUEST_BUDGET = (limits as { REQUEST_BUDGET?: number }).REQUEST_BUDGET;
const TOKEN = 'x'.repeat(620); // about the bench's RS256 token
const attributes = {
  sub: 'alice',
  issuer: 'http://127.0.0.1:1',
  provider: 'bench-idp',
  ext_role: 'employee',
  ext_approval_limit: '1000',
};

type Shape = ReturnType<typeof adversarialShapes>[number];

function engineFor(shape: Shape, all: Shape[]) {
  const set: CompiledPolicySet = { version: 1, timezone: 'UTC', policies: {}, bindings: {} };
  if (shape.workspace === 'bench') {
    const r = compilePolicy({ ...DEMO_POLICY, name: 'order_approval' }, 1);
    if (!r.ok) throw new Error('seed');
    set.policies.order_approval = r.policy;
    set.bindings[bindingKey('orders', 'approve')] = ['order_approval'];
    return buildEngine(set);
  }
  const owner = all.find((s) => s.workspace === shape.workspace && s.policy) as Shape;
  BINDING_KEYS.forEach(([resource, action], k) => {
    const names: string[] = [];
    for (let i = 0; i < POLICIES_PER_BINDING; i++) {
      const name = `p${String(k * POLICIES_PER_BINDING + i).padStart(2, '0')}`;
      const r = compilePolicy((owner.policy as (n: string) => unknown)(name), 1);
      if (!r.ok) throw new Error(`${shape.name}: ${JSON.stringify(r.issues.slice(0, 2))}`);
      set.policies[name] = r.policy;
      names.push(name);
    }
    set.bindings[bindingKey(resource as string, action as string)] = names;
  });
  return buildEngine(set);
}

const now = () => Number(process.hrtime.bigint()) / 1e3;
/** Median µs of `fn` over `n` runs after 2 warm-ups (at least 3 runs, at most ~1.5 s). */
function time(fn: () => void, n = 15): number {
  fn();
  fn();
  const xs: number[] = [];
  const start = now();
  for (let i = 0; i < n && (i < 3 || now() - start < 1.5e6); i++) {
    const t0 = now();
    fn();
    xs.push(now() - t0);
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)] as number;
}

const shapes = adversarialShapes();
const only = process.argv[2]?.split(',');
const rows: Record<string, unknown>[] = [];
for (const shape of shapes) {
  if (only && !only.includes(shape.name)) continue;
  const engine = engineFor(shape, shapes);
  const text = shape.body(TOKEN);
  const parsed = JSON.parse(text);
  const checks: { resource: string; action: string; context?: Record<string, unknown> }[] = parsed.checks ?? [
    parsed,
  ];
  const ip = (shape.headers as Record<string, string> | undefined)?.['cf-connecting-ip'];
  const inputs = checks.map((c) => ({
    attributes,
    resource: c.resource,
    action: c.action,
    context: c.context ?? {},
    ...(ip ? { ip } : {}),
    now: Date.now(),
    timezone: 'UTC',
  }));
  let spent = 0;
  let decisions: ReturnType<typeof engine.decide>[] = [];
  // As src/decision/authorize.ts does: one budget per request, each check allowed at
  // most DECISION_BUDGET of what is left (REQUEST_BUDGET when the source has one).
  const evaluate = () => {
    spent = 0;
    const request = { left: REQUEST_BUDGET ?? Number.POSITIVE_INFINITY };
    decisions = inputs.map((input) => {
      const allowance = Math.max(0, Math.min(DECISION_BUDGET, request.left));
      const budget = { left: allowance };
      const d = engine.decide(input, budget);
      const used = Math.min(allowance, allowance - budget.left);
      request.left -= allowance - budget.left;
      spent += used;
      return d;
    });
  };
  const evalUs = time(evaluate);
  const parseUs = time(() => {
    const p = JSON.parse(text);
    for (const c of p.checks ?? [p]) assertContext(c.context ?? {});
  });
  const auditUs = time(() => {
    decisions.forEach((d, i) => {
      auditEvent(
        {
          decisionId: 'dec_x',
          workspaceId: 'w',
          time: 0,
          subject: 'alice',
          provider: 'bench-idp',
          resource: (checks[i] as { resource: string }).resource,
          action: (checks[i] as { action: string }).action,
          decision: d.effect,
          policy: d.policy,
          policyVersion: d.policyVersion,
          ruleId: d.ruleId,
          reasons: d.reasons,
          attributes,
          context: (checks[i] as { context?: Record<string, unknown> }).context ?? {},
          latencyMs: 0,
          ip: null,
          userAgent: null,
        },
        [],
      );
    });
  });
  let responseBytes = 0;
  const responseUs = time(() => {
    responseBytes = JSON.stringify({ data: decisions.length === 1 ? decisions[0] : decisions }).length;
  });
  const first = decisions[0] as (typeof decisions)[number];
  rows.push({
    name: shape.name,
    bodyBytes: Buffer.byteLength(text),
    outcome: `${first.effect} ${first.reasons[0]?.code}`,
    units: spent,
    evalUs: Math.round(evalUs),
    nsPerUnit: spent ? Number(((evalUs * 1000) / spent).toFixed(2)) : null,
    parseUs: Math.round(parseUs),
    auditUs: Math.round(auditUs),
    responseUs: Math.round(responseUs),
    responseBytes,
  });
  const r = rows[rows.length - 1] as Record<string, unknown>;
  console.log(
    `${shape.name.padEnd(22)} ${String(r.outcome).padEnd(26)} units ${String(spent).padStart(9)}  eval ${String(r.evalUs).padStart(7)} µs  ${String(r.nsPerUnit).padStart(7)} ns/unit  parse ${r.parseUs} µs  audit ${r.auditUs} µs  response ${r.responseUs} µs / ${responseBytes} B`,
  );
}
process.stdout.write(`\n@@RESULT@@${JSON.stringify(rows)}\n`);
