import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { kvKeys } from '../../src/storage/kv-keys';
import { businessHoursRule, orderApprovalPolicy } from '../fixtures/seed';
import { call, createWorkspace, expectProblem, json } from '../helpers/api';

type Data<T = Record<string, unknown>> = { data: T };

async function setup() {
  const { ws, adminKey } = await createWorkspace();
  const put = await call('PUT', `/v1/workspaces/${ws}/policies/order_approval`, {
    key: adminKey,
    body: orderApprovalPolicy,
  });
  expect(put.status).toBe(201);
  const bind = await call('PUT', `/v1/workspaces/${ws}/permissions`, {
    key: adminKey,
    body: { resource: 'orders', action: 'approve', policies: ['order_approval'] },
  });
  expect(bind.status).toBe(200);
  return { ws, adminKey };
}

const simulate = async (ws: string, key: string, body: Record<string, unknown>) =>
  (
    await json<
      Data<{ allowed: boolean; ruleId: string; policyVersion: number; reasons: unknown[]; trace: unknown[] }>
    >(await call('POST', `/v1/workspaces/${ws}/simulate`, { key, body }))
  ).data;

describe('policies API', () => {
  it('accepts the seed policy verbatim and simulates the tutorial', async () => {
    const { ws, adminKey } = await setup();
    const employee = { ext_role: 'employee', ext_approval_limit: 1000 };
    expect(
      (
        await simulate(ws, adminKey, {
          attributes: employee,
          resource: 'orders',
          action: 'approve',
          context: { amount: 500 },
        })
      ).ruleId,
    ).toBe('within-limit');
    const denied = await simulate(ws, adminKey, {
      attributes: employee,
      resource: 'orders',
      action: 'approve',
      context: { amount: 5000 },
    });
    expect(denied.allowed).toBe(false);
    expect(JSON.stringify(denied.reasons)).toContain('ext_approval_limit');
    expect(denied.trace).toHaveLength(2);
    const manager = await simulate(ws, adminKey, {
      attributes: { ext_role: 'manager' },
      resource: 'orders',
      action: 'approve',
      context: { amount: 15000 },
    });
    expect(manager.ruleId).toBe('manager-unlimited');
  });

  it('refuses an invalid policy with 422 naming the rule and condition, and keeps the current version', async () => {
    const { ws, adminKey } = await setup();
    const bad = structuredClone(orderApprovalPolicy) as typeof orderApprovalPolicy;
    (bad.specification.rules[1]?.conditions[0] as Record<string, unknown>).function = 'integer_less_equals';
    const res = await call('PUT', `/v1/workspaces/${ws}/policies/order_approval`, {
      key: adminKey,
      body: bad,
    });
    const problem = await expectProblem(res, 422, 'invalid_policy');
    expect(JSON.stringify(problem.errors)).toContain('specification.rules.1.conditions.0.function');
    expect(String(problem.detail)).toContain('within-limit');
    const current = await json<Data<{ version: number }>>(
      await call('GET', `/v1/workspaces/${ws}/policies/order_approval`, { key: adminKey }),
    );
    expect(current.data.version).toBe(1);
  });

  it('refuses a body whose name differs from the URL', async () => {
    const { ws, adminKey } = await setup();
    await expectProblem(
      await call('PUT', `/v1/workspaces/${ws}/policies/other`, { key: adminKey, body: orderApprovalPolicy }),
      422,
    );
  });

  it('versions are immutable; rollback makes an old one current and the decision path follows at once', async () => {
    const { ws, adminKey } = await setup();
    const hoursOnly = {
      name: 'order_approval',
      specification: { rules: [businessHoursRule], default: { rule_id: 'deny', effect: 'Deny' } },
    };
    const v2 = await call('PUT', `/v1/workspaces/${ws}/policies/order_approval`, {
      key: adminKey,
      body: hoursOnly,
    });
    expect((await json<Data<{ version: number }>>(v2)).data.version).toBe(2);
    const weekday = {
      attributes: { ext_role: 'manager' },
      resource: 'orders',
      action: 'approve',
      at: '2026-11-18T12:00:00Z',
    };
    expect((await simulate(ws, adminKey, weekday)).ruleId).toBe('business-hours-only');

    const versions = await json<
      Data<{ version: number; source: { specification: { rules: { rule_id: string }[] } } }[]>
    >(await call('GET', `/v1/workspaces/${ws}/policies/order_approval/versions`, { key: adminKey }));
    expect(versions.data.map((v) => v.version)).toEqual([2, 1]);
    expect(versions.data[1]?.source.specification.rules[0]?.rule_id).toBe('manager-unlimited');

    const rb = await call('POST', `/v1/workspaces/${ws}/policies/order_approval/rollback`, {
      key: adminKey,
      body: { version: 1 },
    });
    expect((await json<Data<{ currentVersion: number; latestVersion: number }>>(rb)).data).toMatchObject({
      currentVersion: 1,
      latestVersion: 2,
    });
    const after = await simulate(ws, adminKey, weekday);
    expect(after.ruleId).toBe('manager-unlimited');
    expect(after.policyVersion).toBe(1);

    const stored = await env.CACHE.get<{ set: { policies: Record<string, { version: number }> } }>(
      kvKeys.policySet(ws),
      'json',
    );
    expect(stored?.set.policies.order_approval?.version).toBe(1);
    await expectProblem(
      await call('POST', `/v1/workspaces/${ws}/policies/order_approval/rollback`, {
        key: adminKey,
        body: { version: 9 },
      }),
      404,
    );
  });

  it('bindings: unknown policies are refused; removing a binding denies with no_policy; * bindings apply', async () => {
    const { ws, adminKey } = await setup();
    await expectProblem(
      await call('PUT', `/v1/workspaces/${ws}/permissions`, {
        key: adminKey,
        body: { resource: 'orders', action: 'read', policies: ['nope'] },
      }),
      422,
    );
    const del = await call('DELETE', `/v1/workspaces/${ws}/permissions?resource=orders&action=approve`, {
      key: adminKey,
    });
    expect(del.status).toBe(204);
    const none = await simulate(ws, adminKey, {
      attributes: { ext_role: 'manager' },
      resource: 'orders',
      action: 'approve',
    });
    expect(none.allowed).toBe(false);
    expect(JSON.stringify(none.reasons)).toContain('no_policy');
    await call('PUT', `/v1/workspaces/${ws}/permissions`, {
      key: adminKey,
      body: { resource: 'orders', action: '*', policies: ['order_approval'] },
    });
    expect(
      (
        await simulate(ws, adminKey, {
          attributes: { ext_role: 'manager' },
          resource: 'orders',
          action: 'refund',
        })
      ).allowed,
    ).toBe(true);
    await expectProblem(
      await call('DELETE', `/v1/workspaces/${ws}/policies/order_approval`, { key: adminKey }),
      409,
    );
  });

  it('simulates a draft policy without storing it', async () => {
    const { ws, adminKey } = await setup();
    const draft = {
      name: 'order_approval',
      specification: { rules: [], default: { rule_id: 'closed', effect: 'Deny' } },
    };
    const d = await simulate(ws, adminKey, {
      attributes: { ext_role: 'manager' },
      resource: 'orders',
      action: 'approve',
      policy: draft,
    });
    expect(d.ruleId).toBe('closed');
    const versions = await json<Data<unknown[]>>(
      await call('GET', `/v1/workspaces/${ws}/policies/order_approval/versions`, { key: adminKey }),
    );
    expect(versions.data).toHaveLength(1);
  });

  it('a policies:read key cannot write policies; another workspace gets 404', async () => {
    const { ws, adminKey } = await setup();
    const reader = await json<Data<{ key: string }>>(
      await call('POST', `/v1/workspaces/${ws}/api-keys`, {
        key: adminKey,
        body: { name: 'r', scopes: ['policies:read'] },
      }),
    );
    await expectProblem(
      await call('PUT', `/v1/workspaces/${ws}/policies/order_approval`, {
        key: reader.data.key,
        body: orderApprovalPolicy,
      }),
      403,
    );
    expect((await call('GET', `/v1/workspaces/${ws}/policies`, { key: reader.data.key })).status).toBe(200);
    const other = await createWorkspace();
    await expectProblem(
      await call('GET', `/v1/workspaces/${ws}/policies/order_approval`, { key: other.adminKey }),
      404,
    );
  });
});

describe('propagation bound', () => {
  it('a snapshot written by another isolate is used within POLICY_REVALIDATE_MS (200 ms in tests), not before', async () => {
    const { registerIdp, sign, authorizeWith } = await import('../helpers/idp');
    const { ws, adminKey } = await setup();
    const idp = `prop${Date.now()}`;
    expect(
      (await registerIdp(ws, adminKey, idp, { claimMappings: [{ jwtPath: 'role', attribute: 'role' }] }))
        .status,
    ).toBe(201);
    const token = await sign(idp, { sub: 'm', aud: 'verdict', role: 'manager' });
    expect((await authorizeWith(ws, token)).body.data).toMatchObject({ allowed: true });
    // Another isolate publishes a snapshot without the binding (as its own write-through would).
    const key = kvKeys.policySet(ws);
    const snapshot = (await env.CACHE.get<{ version: number; set: { bindings: Record<string, string[]> } }>(
      key,
      'json',
    )) as {
      version: number;
      set: { bindings: Record<string, string[]> };
    };
    await env.CACHE.put(
      key,
      JSON.stringify({ ...snapshot, version: snapshot.version + 1, set: { ...snapshot.set, bindings: {} } }),
    );
    expect((await authorizeWith(ws, token)).body.data).toMatchObject({ allowed: true });
    await new Promise((r) => setTimeout(r, 250));
    const after = (await authorizeWith(ws, token)).body.data as {
      allowed: boolean;
      reasons: { code: string }[];
    };
    expect(after.allowed).toBe(false);
    expect(after.reasons[0]?.code).toBe('no_policy');
  });
});
