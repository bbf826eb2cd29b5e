// Impact analysis and shadow policies, in workerd against real D1, KV and Queues.
//
// The oracle: decisions are made under policy v1 at chosen instants (authorize() takes
// the clock as an argument), stored as the audit stores them, then replayed against a
// draft v2. A second workspace, trusting the same IdP, runs v2 live; deciding each
// check there directly, at the same instant, is what the replay must agree with.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { applyRetention, sweepUnarchived } from '../../src/audit/consumer';
import { insertEvents } from '../../src/audit/store';
import { authorize } from '../../src/decision/authorize';
import { cond, hoursPolicy } from '../fixtures/hours-policy';
import { call, createWorkspace, expectProblem, json } from '../helpers/api';
import { issuerUrl, registerIdp, sign, trustingWorkspace } from '../helpers/idp';

const MAPPINGS = {
  claimMappings: [
    { jwtPath: 'role', attribute: 'role' },
    { jwtPath: 'dept', attribute: 'department' },
  ],
};

const V1 = hoursPolicy('20:00:00', 1000);

// v2: a redacted key now matters (card), business hours start at 18:00, employees' limit halves.
const V2 = {
  name: 'orders',
  specification: {
    rules: [
      {
        rule_id: 'blocked_card',
        effect: 'Deny',
        conditions: [cond('string_equal', 'request_metadata', 'blocked', 'card')],
      },
      {
        rule_id: 'after_hours',
        effect: 'Deny',
        conditions: [cond('time_in_range', 'current_time', { start: '18:00:00', end: '23:59:59' })],
      },
      V1.specification.rules[1],
      {
        rule_id: 'employees',
        effect: 'Allow',
        conditions: [
          cond('string_equal', 'ext_role', 'employee'),
          cond('integer_less_equal', 'request_metadata', 500, 'amount'),
        ],
      },
    ],
    default: { rule_id: 'deny', effect: 'Deny' },
  },
};

type Setup = { ws: string; adminKey: string; idp: string };

async function workspaceWith(policy: unknown, idp?: string): Promise<Setup> {
  if (!idp) {
    const world = await trustingWorkspace('impact', { provider: MAPPINGS, policy: { ...V1, name: 'all' } });
    // Replace the helper's "all" binding with the policy under test.
    const put = await call('PUT', `/v1/workspaces/${world.ws}/policies/orders`, {
      key: world.adminKey,
      body: policy,
    });
    expect(put.status).toBe(201);
    const bind = await call('PUT', `/v1/workspaces/${world.ws}/permissions`, {
      key: world.adminKey,
      body: { resource: '*', action: '*', policies: ['orders'] },
    });
    expect(bind.status).toBe(200);
    await redact(world);
    return world;
  }
  const { ws, adminKey } = await createWorkspace();
  expect((await registerIdp(ws, adminKey, idp, MAPPINGS)).status).toBe(201);
  expect(
    (await call('PUT', `/v1/workspaces/${ws}/policies/orders`, { key: adminKey, body: policy })).status,
  ).toBe(201);
  expect(
    (
      await call('PUT', `/v1/workspaces/${ws}/permissions`, {
        key: adminKey,
        body: { resource: '*', action: '*', policies: ['orders'] },
      })
    ).status,
  ).toBe(200);
  const s = { ws, adminKey, idp };
  await redact(s);
  return s;
}

async function redact(s: Setup) {
  const res = await call('PATCH', `/v1/workspaces/${s.ws}`, {
    key: s.adminKey,
    body: { redactKeys: ['card'] },
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

type Case = { token: string; amount: number; card?: string; now: number; action: string };

const DAY0 = Date.UTC(2026, 9, 5); // a Monday, UTC (the workspaces' timezone)
const H = 3_600_000;

/** A few hundred checks across users, amounts, cards and hours of the day. */
async function cases(idp: string): Promise<Case[]> {
  const users = [
    { sub: 'ann', role: 'manager' },
    { sub: 'bob', role: 'employee' },
    { sub: 'cyd', role: 'employee' },
    { sub: 'dee', role: 'intern' },
  ];
  const tokens = await Promise.all(
    // Valid from before the first decision's instant until after the test.
    users.map((u) =>
      sign(idp, {
        sub: u.sub,
        role: u.role,
        dept: 'ops',
        aud: 'verdict',
        iss: issuerUrl(idp),
        iat: Math.floor(DAY0 / 1000) - 3600,
        exp: Math.floor(Date.now() / 1000) + 3 * 86_400,
      }),
    ),
  );
  const out: Case[] = [];
  let i = 0;
  for (const token of tokens)
    for (const amount of [100, 450, 700, 1000, 5000, 20000])
      for (const hour of [9, 13, 19, 21])
        for (const card of [undefined, 'ok', 'blocked']) {
          i++;
          out.push({
            token,
            amount,
            ...(card ? { card } : {}),
            now: DAY0 + hour * H + (i % 60) * 1000,
            action: i % 2 ? 'approve' : 'read',
          });
        }
  return out;
}

const check = (c: Case) => ({
  resource: 'orders',
  action: c.action,
  context: { amount: c.amount, ...(c.card ? { card: c.card } : {}) },
});

/** Decides each case in `ws` at its instant; stores the events as the consumer stores them. */
async function decideAll(ws: string, all: Case[], store: boolean) {
  const decisions = [];
  for (const c of all) {
    const out = await authorize({
      env,
      ws,
      token: c.token,
      checks: [check(c)],
      caller: { ip: '10.0.0.1' },
      now: c.now,
    });
    if (!out.ok) throw new Error(`refused: ${out.error.reason}`);
    if (store)
      await insertEvents(
        env.DB,
        out.events.map((e) => e.json),
      );
    decisions.push(out.decisions[0] as NonNullable<(typeof out.decisions)[0]>);
  }
  return decisions;
}

const withoutVersions = (reasons: unknown[]) =>
  JSON.parse(JSON.stringify(reasons, (k, v) => (k === 'policyVersion' ? undefined : v)));

type Result = {
  exhaustive: true;
  considered: number;
  unchanged: number;
  allowToDeny: number;
  denyToAllow: number;
  indeterminate: number;
  excluded: number;
  drift: number;
  rules: { policy: string; rule: string; before: number; after: number }[];
  bySubject: { subject: string; allowToDeny: number; denyToAllow: number; considered: number }[];
  samples: {
    decisionId: string;
    time: number;
    after: { decision: string; ruleId: string | null; reasons: unknown[] };
    before: { decision: string; ruleId: string | null };
  }[];
};

async function impact(s: Setup, body: Record<string, unknown>) {
  return call('POST', `/v1/workspaces/${s.ws}/impact`, { key: s.adminKey, body });
}

type Job = {
  id: string;
  status: string;
  total: number;
  processed: number;
  chunks: number;
  result: Result | null;
};

/** Polls a job until it ends; returns it with every progress value seen. */
async function finish(s: Setup, id: string): Promise<{ job: Job; progress: Set<number> }> {
  const progress = new Set<number>();
  for (let i = 0; i < 300; i++) {
    const got = await call('GET', `/v1/workspaces/${s.ws}/impact/${id}`, { key: s.adminKey });
    const job = (await json<{ data: Job }>(got)).data;
    progress.add(job.processed);
    if (job.status === 'done' || job.status === 'failed') return { job, progress };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the job did not finish');
}

/** The result of an impact request, inline (200) or from its job (202). */
async function resultOf(s: Setup, body: Record<string, unknown>): Promise<Result> {
  const res = await impact(s, body);
  if (res.status === 200) return (await json<{ data: Result }>(res)).data;
  expect(res.status, await res.clone().text()).toBe(202);
  const { job } = await finish(s, (await json<{ data: Job }>(res)).data.id);
  expect(job.status).toBe('done');
  return job.result as Result;
}

const WINDOW = { since: DAY0 - H, until: DAY0 + 25 * H };

describe('impact analysis: replay against a draft', () => {
  it('agrees with deciding again directly under v2, at each decision’s own time', async () => {
    const a = await workspaceWith(V1);
    const b = await workspaceWith(V2, a.idp);
    const all = await cases(a.idp);
    const v1 = await decideAll(a.ws, all, true);
    const v2 = await decideAll(b.ws, all, false);
    // One refusal in the window: excluded, not replayed.
    const refused = await authorize({
      env,
      ws: a.ws,
      token: 'not-a-token',
      checks: [check(all[0] as Case)],
      caller: {},
      now: DAY0 + H,
    });
    await insertEvents(
      env.DB,
      refused.events.map((e) => e.json),
    );

    const r = await resultOf(a, { policies: { orders: V2 }, ...WINDOW, samples: 50, top: 10 });

    // The oracle's counts. A case whose context held the redacted card, replayed under a
    // draft whose first rule reads it, is indeterminate; every other is decided exactly.
    const expected = {
      considered: all.length,
      unchanged: 0,
      allowToDeny: 0,
      denyToAllow: 0,
      indeterminate: 0,
    };
    const flipped = new Map<string, (typeof v2)[number]>();
    all.forEach((c, i) => {
      const before = v1[i]?.decision;
      const after = v2[i];
      if (!after) throw new Error('missing');
      if (c.card) expected.indeterminate++;
      else if (before === after.decision) expected.unchanged++;
      else {
        expected[before === 'Allow' ? 'allowToDeny' : 'denyToAllow']++;
        flipped.set(v1[i]?.decisionId as string, after);
      }
    });
    expect(expected.allowToDeny).toBeGreaterThan(20); // the draft really changes things
    expect(expected.indeterminate).toBeGreaterThan(0);
    expect({
      considered: r.considered,
      unchanged: r.unchanged,
      allowToDeny: r.allowToDeny,
      denyToAllow: r.denyToAllow,
      indeterminate: r.indeterminate,
    }).toEqual(expected);
    expect(r.exhaustive).toBe(true);
    expect(r.excluded).toBe(1);
    expect(r.drift).toBe(0);

    // Every sample is a real flip, explained exactly as the direct v2 decision explains it.
    expect(r.samples.length).toBe(Math.min(50, flipped.size));
    for (const s of r.samples) {
      const direct = flipped.get(s.decisionId);
      expect(direct, s.decisionId).toBeDefined();
      expect(s.after.decision).toBe(direct?.decision);
      expect(s.after.ruleId).toBe(direct?.ruleId);
      expect(withoutVersions(s.after.reasons)).toEqual(withoutVersions((direct?.reasons ?? []).slice(0, 5)));
    }

    // Per-rule hits: the cases without a card are decided exactly as the direct v2 decisions
    // are, so each rule's "after" count is at least their count for it; card cases (replayed
    // indeterminate, still naming the rule that decided the replay) can only add to it.
    const afterHits = new Map<string, number>();
    all.forEach((c, i) => {
      if (c.card) return;
      const rule = v2[i]?.ruleId as string;
      afterHits.set(rule, (afterHits.get(rule) ?? 0) + 1);
    });
    const hitsOf = (rule: string) => r.rules.find((x) => x.rule === rule)?.after ?? 0;
    // after_hours moved from 20:00 to 18:00: the 19:00 cases without a card are now after hours.
    expect(hitsOf('after_hours')).toBeGreaterThanOrEqual(afterHits.get('after_hours') ?? 0);
    expect(hitsOf('employees')).toBeGreaterThanOrEqual(afterHits.get('employees') ?? 0);

    // A narrower window and a subject filter count only what they select.
    const bobR = await resultOf(a, { policies: { orders: V2 }, ...WINDOW, subject: 'bob', mode: 'inline' });
    expect(bobR.considered).toBe(all.length / 4);
    expect(r.bySubject.find((x) => x.subject === 'bob')?.allowToDeny).toBe(bobR.allowToDeny);
  });

  it('a job over more events than one chunk reports progress and the inline answer', async () => {
    const a = await workspaceWith(V1);
    const all = (await cases(a.idp)).slice(0, 90);
    await decideAll(a.ws, all, true);
    const body = { policies: { orders: V2 }, ...WINDOW, samples: 5 };
    const inlineRes = await impact(a, { ...body, mode: 'inline' });
    expect(inlineRes.status, await inlineRes.clone().text()).toBe(200);
    const inline = (await json<{ data: Result }>(inlineRes)).data;

    const started = await impact(a, { ...body, mode: 'job' });
    expect(started.status, await started.clone().text()).toBe(202);
    const job = (await json<{ data: { id: string; total: number } }>(started)).data;
    expect(started.headers.get('location')).toBe(`/v1/workspaces/${a.ws}/impact/${job.id}`);
    expect(job.total).toBe(90);
    const { job: done, progress } = await finish(a, job.id);
    expect(done.status).toBe('done');
    expect(done.processed).toBe(90);
    // IMPACT_CHUNK is 40 in the test configuration: 3 chunks, each a queue message.
    expect(done.chunks).toBe(3);
    expect([...progress].every((p) => [0, 40, 80, 90].includes(p))).toBe(true);
    expect(done.result).toEqual(inline);

    // Past the hot window: the same decisions, now only in the R2 archive (swept there,
    // then deleted from D1 by retention), replay to the same answer, inline and as a job.
    const patched = await call('PATCH', `/v1/workspaces/${a.ws}`, {
      key: a.adminKey,
      body: { auditRetentionDays: 30 },
    });
    expect(patched.status).toBe(200);
    await sweepUnarchived(env.DB, env.ARCHIVE, Date.now());
    await applyRetention(env.DB, Date.now(), { archive: env.ARCHIVE });
    const left = await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_events WHERE workspace_id = ?')
      .bind(a.ws)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    const fromArchive = await impact(a, { ...body, mode: 'inline' });
    expect(fromArchive.status, await fromArchive.clone().text()).toBe(200);
    expect((await json<{ data: Result }>(fromArchive)).data).toEqual(inline);
    const archivedJob = await impact(a, { ...body, mode: 'job' });
    const archived = await finish(a, (await json<{ data: Job }>(archivedJob)).data.id);
    expect(archived.job.status).toBe('done');
    expect(archived.job.processed).toBe(90);
    expect(archived.job.result).toEqual(inline);
  });

  it('refuses bad input with a clear 4xx', async () => {
    const a = await workspaceWith(V1);
    await decideAll(a.ws, (await cases(a.idp)).slice(0, 120), true);
    await expectProblem(await impact(a, { ...WINDOW }), 400, 'bad_request');
    const invalid = await impact(a, {
      policies: {
        orders: {
          ...V2,
          specification: {
            ...V2.specification,
            rules: [{ rule_id: 'x', effect: 'Allow', conditions: [cond('string_equalz', 'ext_role', 'a')] }],
          },
        },
      },
    });
    const p = await expectProblem(invalid, 422, 'invalid_policy');
    expect(JSON.stringify(p.errors)).toContain('policies.orders.specification.rules.0.conditions.0');
    const misnamed = await impact(a, { policies: { orders: { ...V2, name: 'other' } } });
    await expectProblem(misnamed, 422, 'invalid_policy');
    const unbound = await impact(a, {
      permissions: [{ resource: 'orders', action: 'read', policies: ['nope'] }],
    });
    await expectProblem(unbound, 422, 'invalid_policy');
    // Not an instant: refused by the contract (src/contract/instant.ts), like one out of range.
    await expectProblem(
      await impact(a, { policies: { orders: V2 }, since: 'yesterday-ish' }),
      400,
      'validation_failed',
    );
    await expectProblem(
      await impact(a, { policies: { orders: V2 }, since: '1d', until: '2d' }),
      400,
      'bad_request',
    );
    // IMPACT_INLINE_MAX is 100 in the test configuration.
    const big = await impact(a, { policies: { orders: V2 }, ...WINDOW, mode: 'inline' });
    const tooLarge = await expectProblem(big, 422, 'window_too_large');
    expect(String(tooLarge.detail)).toContain('120 stored decisions');
    await expectProblem(
      await call('GET', `/v1/workspaces/${a.ws}/impact/imp_nope`, { key: a.adminKey }),
      404,
      'not_found',
    );
    // Another workspace's job is not found either.
    const other = await workspaceWith(V1);
    const started = await impact(a, { policies: { orders: V2 }, ...WINDOW });
    expect(started.status).toBe(202);
    const id = (await json<{ data: { id: string } }>(started)).data.id;
    await expectProblem(
      await call('GET', `/v1/workspaces/${other.ws}/impact/${id}`, { key: other.adminKey }),
      404,
      'not_found',
    );
  });
});

describe('shadow policies', () => {
  it('counts divergences exactly without changing an answer; promote, then rollback', async () => {
    const a = await workspaceWith(V1);
    const all = (await cases(a.idp)).filter((c) => !c.card).slice(0, 60);

    const attach = await call('PUT', `/v1/workspaces/${a.ws}/policies/orders/shadow`, {
      key: a.adminKey,
      body: V2,
    });
    expect(attach.status, await attach.clone().text()).toBe(200);
    await expectProblem(
      await call('PUT', `/v1/workspaces/${a.ws}/policies/nope/shadow`, {
        key: a.adminKey,
        body: { ...V2, name: 'nope' },
      }),
      404,
      'not_found',
    );
    await expectProblem(
      await call('PUT', `/v1/workspaces/${a.ws}/policies/orders/shadow`, {
        key: a.adminKey,
        body: { ...V2, specification: { ...V2.specification, default: { rule_id: 'd', effect: 'Maybe' } } },
      }),
      422,
      'invalid_policy',
    );

    // Decide with the shadow attached, in A (v1 live, v2 shadow), in B (v2 live) and in C
    // (v1 live, no shadow) at the same instants, after the attachment (counts start there).
    const b = await workspaceWith(V2, a.idp);
    const c = await workspaceWith(V1, a.idp);
    let expectedDiverged = 0;
    // Each case at its own hour of the day (9, 13, 19, 21 UTC), on the first whole day after
    // the attachment (counts start there): the answer never depends on when the test runs.
    const day = Math.floor(Date.now() / (24 * H)) * 24 * H + 24 * H;
    for (const k of all) {
      const decide = async (ws: string) => {
        const out = await authorize({
          env,
          ws,
          token: k.token,
          checks: [check(k)],
          caller: { ip: '10.0.0.1' },
          now: day + (k.now - DAY0),
        });
        if (!out.ok) throw new Error('refused');
        return { out, d: out.decisions[0] as NonNullable<(typeof out.decisions)[0]> };
      };
      const live = await decide(a.ws);
      await insertEvents(
        env.DB,
        live.out.events.map((e) => e.json),
      );
      const control = (await decide(c.ws)).d;
      const draft = (await decide(b.ws)).d;
      // The shadow never changes the answer.
      expect([live.d.decision, live.d.ruleId]).toEqual([control.decision, control.ruleId]);
      if (draft.decision !== live.d.decision || draft.ruleId !== live.d.ruleId) expectedDiverged++;
    }
    const report = await call('GET', `/v1/workspaces/${a.ws}/policies/orders/shadow`, { key: a.adminKey });
    const sh = (await json<{ data: { evaluated: number; diverged: number; examples: unknown[] } }>(report))
      .data;
    expect(sh.evaluated).toBe(all.length);
    expect(sh.diverged).toBe(expectedDiverged);
    expect(sh.diverged).toBeGreaterThan(0);
    expect(sh.examples.length).toBe(Math.min(10, expectedDiverged));

    // Promote: the draft becomes version 2 and decides; the shadow is gone.
    const promoted = await call('POST', `/v1/workspaces/${a.ws}/policies/orders/shadow/promote`, {
      key: a.adminKey,
    });
    expect(promoted.status, await promoted.clone().text()).toBe(201);
    expect((await json<{ data: { version: number } }>(promoted)).data.version).toBe(2);
    await expectProblem(
      await call('GET', `/v1/workspaces/${a.ws}/policies/orders/shadow`, { key: a.adminKey }),
      404,
      'not_found',
    );
    const c0 = all.slice(24).find((k) => k.amount === 700) as Case; // bob, an employee
    const t = DAY0 + 10 * H;
    const underV2 = await authorize({
      env,
      ws: a.ws,
      token: c0.token,
      checks: [check(c0)],
      caller: {},
      now: t,
    });
    const directV2 = await authorize({
      env,
      ws: b.ws,
      token: c0.token,
      checks: [check(c0)],
      caller: {},
      now: t,
    });
    expect(underV2.ok && underV2.decisions[0]?.ruleId).toBe(directV2.ok && directV2.decisions[0]?.ruleId);
    // Rollback to version 1 restores v1's answer.
    const rb = await call('POST', `/v1/workspaces/${a.ws}/policies/orders/rollback`, {
      key: a.adminKey,
      body: { version: 1 },
    });
    expect(rb.status, await rb.clone().text()).toBe(200);
    const underV1 = await authorize({
      env,
      ws: a.ws,
      token: c0.token,
      checks: [check(c0)],
      caller: {},
      now: t,
    });
    expect(underV1.ok && underV1.decisions[0]?.decision).toBe('Allow');
    expect(underV2.ok && underV2.decisions[0]?.decision).toBe('Deny');
    // Detach of a missing shadow is a 404.
    await expectProblem(
      await call('DELETE', `/v1/workspaces/${a.ws}/policies/orders/shadow`, { key: a.adminKey }),
      404,
      'not_found',
    );
  });
});
