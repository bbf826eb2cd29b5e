// The order-approval tutorial (shared/seeds/001) end to end, through the SDK, against
// the demo workspace that `npm run dev` seeds: dev IdP tokens, the seed's claim
// mappings and the order_approval policy, verbatim.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type PolicyDocument, VerdictClient, VerdictError } from '../../sdk/src';
import { seedOrders } from '../fixtures/seed';
import { call, json } from '../helpers/api';
import { registerIdp, sign } from '../helpers/idp';

const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));
const DEMO_KEY = 'vk_demo_admin_key_for_local_use_only';

async function devToken(user: 'employee' | 'manager' | 'finance'): Promise<string> {
  const res = await call('POST', '/dev-idp/token', { body: { user } });
  expect(res.status).toBe(200);
  return (await json<{ access_token: string }>(res)).access_token;
}

const client = (extra: Partial<ConstructorParameters<typeof VerdictClient>[0]> = {}) =>
  new VerdictClient({ baseUrl: 'http://verdict.test', workspaceId: 'demo', fetch: workerFetch, ...extra });

const approve = (c: VerdictClient, orderId: string, token?: string) => {
  const order = seedOrders.find((o) => o.id === orderId);
  return c.checkAuthorization({
    ...(token ? { token } : {}),
    resource: 'orders',
    action: 'approve',
    context: { orderId, amount: order?.amount },
  });
};

describe('the seed tutorial through the SDK', () => {
  it('employee approves order-1 ($500)', async () => {
    const result = await approve(client(), 'order-1', await devToken('employee'));
    expect(result.data.allowed).toBe(true);
    expect(result.data.ruleId).toBe('within-limit');
    expect(result.data.subject).toBe('user_employee');
  });

  it('employee cannot approve order-2 ($5,000): the reason names the limit', async () => {
    const result = await approve(client({ getToken: () => devToken('employee') }), 'order-2');
    expect(result.data.allowed).toBe(false);
    const failed = result.data.reasons.find(
      (r) =>
        r.code === 'condition_failed' &&
        'condition' in r &&
        r.condition.operandAttribute === 'ext_approval_limit',
    );
    expect(failed).toBeDefined();
    if (!failed || !('condition' in failed)) throw new Error('unreachable');
    // What the seed's app shows: "Order amount (5000) exceeds your approval limit"
    const message = `Order amount (${failed.condition.actual}) exceeds your approval limit (${failed.condition.expected})`;
    expect(message).toBe('Order amount (5000) exceeds your approval limit (1000)');
  });

  it('manager approves order-3 ($15,000)', async () => {
    const result = await approve(client({ token: await devToken('manager') }), 'order-3');
    expect(result.data.allowed).toBe(true);
    expect(result.data.ruleId).toBe('manager-unlimited');
  });

  it('no token → 401 with reason token_missing', async () => {
    const err = await approve(client(), 'order-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerdictError);
    expect((err as VerdictError).status).toBe(401);
    expect((err as VerdictError).reason).toBe('token_missing');
  });

  it('a token from an unregistered issuer → 401 unknown_issuer', async () => {
    const foreign = await sign(`unregistered${Date.now()}`, { sub: 'x', aud: 'verdict' });
    const err = await approve(client(), 'order-1', foreign).catch((e: unknown) => e);
    expect((err as VerdictError).status).toBe(401);
    expect((err as VerdictError).reason).toBe('unknown_issuer');
  });

  it('the batch of the three orders gives the same three answers', async () => {
    for (const user of ['employee', 'manager'] as const) {
      const token = await devToken(user);
      const singles = [];
      for (const o of seedOrders) singles.push((await approve(client(), o.id, token)).data.allowed);
      const batch = await client().checkAuthorizationBatch({
        token,
        checks: seedOrders.map((o) => ({
          resource: 'orders',
          action: 'approve',
          context: { orderId: o.id, amount: o.amount },
        })),
      });
      expect(batch.data.map((d) => d.allowed)).toEqual(singles);
    }
    expect((await approve(client(), 'order-2', await devToken('manager'))).data.allowed).toBe(true);
  });

  it('maps the seed’s claims: ext_role = "employee", ext_approval_limit = 1000', async () => {
    const admin = client({ apiKey: DEMO_KEY });
    const providers = await admin.listAuthProviders();
    expect(providers.data[0]?.claimMappings).toEqual([
      { jwtPath: 'role', attribute: 'role', required: false, defaultValue: 'employee' },
      { jwtPath: 'department', attribute: 'department', required: false },
      { jwtPath: 'approval_limit', attribute: 'approval_limit', required: false, defaultValue: 0 },
    ]);
    const { data } = await approve(client(), 'order-1', await devToken('employee'));
    const until = Date.now() + 12_000;
    let row: { input: string } | null = null;
    while (!row && Date.now() < until) {
      row = await env.DB.prepare('SELECT input FROM audit_events WHERE decision_id = ?')
        .bind(data.decisionId)
        .first<{ input: string }>();
      if (!row) await new Promise((r) => setTimeout(r, 200));
    }
    const attributes = JSON.parse(row?.input ?? '{}').attributes;
    expect(attributes.ext_role).toBe('employee');
    expect(attributes.ext_approval_limit).toBe(1000);
    expect(attributes.ext_department).toBe('sales');
  }, 20_000);

  it('a policy change reaches the decision path without a deploy', async () => {
    const { ws, adminKey } = await (await import('../helpers/api')).createWorkspace();
    const idp = `live${Date.now()}`;
    expect(
      (await registerIdp(ws, adminKey, idp, { claimMappings: [{ jwtPath: 'role', attribute: 'role' }] }))
        .status,
    ).toBe(201);
    const admin = new VerdictClient({
      baseUrl: 'http://verdict.test',
      workspaceId: ws,
      apiKey: adminKey,
      fetch: workerFetch,
    });
    const policy = (value: string): PolicyDocument => ({
      name: 'p',
      specification: {
        rules: [
          {
            rule_id: 'r',
            effect: 'Allow',
            conditions: [{ function: 'string_equal', attribute: 'ext_role', value }],
          },
        ],
        default: { rule_id: 'd', effect: 'Deny' },
      },
    });
    await admin.putPolicy('p', policy('editor'));
    await admin.putPermission({ resource: 'docs', action: 'edit', policies: ['p'] });
    const user = new VerdictClient({
      baseUrl: 'http://verdict.test',
      workspaceId: ws,
      token: await sign(idp, { sub: 'u', aud: 'verdict', role: 'editor' }),
      fetch: workerFetch,
    });
    expect((await user.checkAuthorization({ resource: 'docs', action: 'edit' })).data.allowed).toBe(true);
    await admin.putPolicy('p', policy('admin'));
    expect((await user.checkAuthorization({ resource: 'docs', action: 'edit' })).data.allowed).toBe(false);
    await admin.rollbackPolicy('p', 1);
    expect((await user.checkAuthorization({ resource: 'docs', action: 'edit' })).data.allowed).toBe(true);
  });
});
