// AuthZEN, Envoy ext_authz and the Lambda-authorizer format over the one decision
// path; revocation; policies checked against claim mappings.
import { describe, expect, it } from 'vitest';
import { orderApprovalPolicy, seedClaimMappings } from '../fixtures/seed';
import { call, createWorkspace, json } from '../helpers/api';
import { authorizeWith, registerIdp, sign, trustingWorkspace } from '../helpers/idp';

async function devToken(user: string): Promise<string> {
  return (await json<{ access_token: string }>(await call('POST', '/dev-idp/token', { body: { user } })))
    .access_token;
}
const DEMO = { 'x-verdict-workspace': 'demo' };
const order = (id: string, amount: number) => ({ type: 'orders', id, properties: { amount } });

describe('OpenID AuthZEN evaluation API', () => {
  it('single evaluations give the same answers as /authorize for the seed scenario', async () => {
    for (const [user, sub] of [
      ['employee', 'user_employee'],
      ['manager', 'user_manager'],
    ] as const) {
      const token = await devToken(user);
      for (const [id, amount] of [
        ['order-1', 500],
        ['order-2', 5000],
        ['order-3', 15000],
      ] as const) {
        const azen = await call('POST', '/access/v1/evaluation', {
          headers: { ...DEMO, authorization: `Bearer ${token}` },
          body: {
            subject: { type: 'user', id: sub },
            action: { name: 'approve' },
            resource: order(id, amount),
          },
        });
        expect(azen.status).toBe(200);
        const viaAuthzen = await json<{ decision: boolean; context: { id: string } }>(azen);
        const viaApi = await json<{ data: { allowed: boolean } }>(
          await call('POST', '/v1/workspaces/demo/authorize', {
            body: { token, resource: 'orders', action: 'approve', context: { amount } },
          }),
        );
        expect(viaAuthzen.decision).toBe(viaApi.data.allowed);
        expect(viaAuthzen.context.id).toMatch(/^dec_/);
      }
    }
  });

  it('batch: top-level defaults, per-item overrides, and evaluations_semantic', async () => {
    const token = await devToken('employee');
    const headers = { ...DEMO, authorization: `Bearer ${token}` };
    const base = { subject: { type: 'user', id: 'user_employee' }, action: { name: 'approve' } };
    const all = await json<{ evaluations: { decision: boolean }[] }>(
      await call('POST', '/access/v1/evaluations', {
        headers,
        body: {
          ...base,
          evaluations: [
            { resource: order('order-1', 500) },
            { resource: order('order-2', 5000) },
            { resource: order('order-3', 15000) },
          ],
        },
      }),
    );
    expect(all.evaluations.map((e) => e.decision)).toEqual([true, false, false]);
    const firstDeny = await json<{ evaluations: { decision: boolean }[] }>(
      await call('POST', '/access/v1/evaluations', {
        headers,
        body: {
          ...base,
          options: { evaluations_semantic: 'deny_on_first_deny' },
          evaluations: [
            { resource: order('order-1', 500) },
            { resource: order('order-2', 5000) },
            { resource: order('order-3', 10) },
          ],
        },
      }),
    );
    expect(firstDeny.evaluations.map((e) => e.decision)).toEqual([true, false]);
    const firstPermit = await json<{ evaluations: { decision: boolean }[] }>(
      await call('POST', '/access/v1/evaluations', {
        headers,
        body: {
          ...base,
          options: { evaluations_semantic: 'permit_on_first_permit' },
          evaluations: [
            { resource: order('a', 5000) },
            { resource: order('b', 5) },
            { resource: order('c', 6) },
          ],
        },
      }),
    );
    expect(firstPermit.evaluations.map((e) => e.decision)).toEqual([false, true]);
    // An override of the action applies to that item only; an incomplete item is a false with a 400 context.
    const mixed = await json<{ evaluations: { decision: boolean; context?: { code?: number } }[] }>(
      await call('POST', '/access/v1/evaluations', {
        headers,
        body: {
          subject: base.subject,
          resource: order('order-1', 500),
          evaluations: [{ action: { name: 'approve' } }, { action: { name: 'delete' } }, {}],
        },
      }),
    );
    expect(mixed.evaluations.map((e) => e.decision)).toEqual([true, false, false]);
    expect(mixed.evaluations[2]?.context?.code).toBe(400);
    // No evaluations array: the single shape.
    const single = await json<{ decision: boolean }>(
      await call('POST', '/access/v1/evaluations', {
        headers,
        body: { ...base, resource: order('order-1', 500) },
      }),
    );
    expect(single.decision).toBe(true);
  });

  it('the subject comes from the token: a different subject.id is denied', async () => {
    const res = await call('POST', '/access/v1/evaluation', {
      headers: { ...DEMO, authorization: `Bearer ${await devToken('employee')}` },
      body: {
        subject: { type: 'user', id: 'user_manager' },
        action: { name: 'approve' },
        resource: order('order-3', 15000),
      },
    });
    expect((await json<{ decision: boolean }>(res)).decision).toBe(false);
  });

  it('malformed bodies → 400, no workspace → 400, no token → 401', async () => {
    const headers = { ...DEMO, authorization: `Bearer ${await devToken('employee')}` };
    const noAction = await call('POST', '/access/v1/evaluation', {
      headers,
      body: { subject: { type: 'user', id: 'x' }, resource: order('o', 1) },
    });
    expect(noAction.status).toBe(400);
    expect(noAction.headers.get('content-type')).toContain('application/problem+json');
    expect(
      (
        await call('POST', '/access/v1/evaluation', {
          headers: { ...headers, 'content-type': 'application/json' },
          raw: '{"subject":',
        })
      ).status,
    ).toBe(400);
    expect(
      (await call('POST', '/access/v1/evaluations', { headers, body: { evaluations: 'x' } })).status,
    ).toBe(400);
    const noWs = await call('POST', '/access/v1/evaluation', {
      headers: { authorization: headers.authorization },
      body: { subject: { type: 'user', id: 'x' }, action: { name: 'approve' }, resource: order('o', 1) },
    });
    expect(noWs.status).toBe(400);
    const anonymous = await call('POST', '/access/v1/evaluation', {
      headers: DEMO,
      body: { subject: { type: 'user', id: 'x' }, action: { name: 'approve' }, resource: order('o', 1) },
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('Envoy ext_authz (HTTP service mode)', () => {
  // Envoy's filter config names the workspace (headers_to_add), as the README shows.
  const envoy = (method: string, path: string, token?: string, workspace: string | null = 'demo') =>
    call(method, `/v1/workspaces/demo/ext-authz${path}`, {
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(workspace === null ? {} : { 'x-verdict-workspace': workspace }),
      },
    });

  it('allowed → 200 with identity headers; denied → 403; missing token → 401; unmapped → 403', async () => {
    const ok = await envoy('POST', '/api/orders/order-3/approve', await devToken('manager'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-verdict-subject')).toBe('user_manager');
    expect((await envoy('POST', '/api/orders/order-1/approve', await devToken('employee'))).status).toBe(403);
    const anonymous = await envoy('POST', '/api/orders/order-3/approve');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('invalid_token');
    const unmapped = await envoy('GET', '/elsewhere', await devToken('manager'));
    expect(unmapped.status).toBe(403);
    expect(unmapped.headers.get('x-verdict-reason')).toBe('no_route');
  });

  it('the workspace header is part of the contract: missing or naming another workspace → 403', async () => {
    const token = await devToken('manager');
    const missing = await envoy('POST', '/api/orders/order-3/approve', token, null);
    expect(missing.status).toBe(403);
    expect(missing.headers.get('x-verdict-reason')).toBe('gateway_headers_missing');
    const other = await envoy('POST', '/api/orders/order-3/approve', token, 'acme');
    expect(other.status).toBe(403);
    expect(other.headers.get('x-verdict-reason')).toBe('conflicting_gateway_headers');
  });

  it('the path after the prefix is matched in canonical form; ambiguous forms are refused', async () => {
    const token = await devToken('manager');
    // "%2e%2e" is not resolved by the runtime: it must not climb out of the prefix either.
    expect((await envoy('POST', '/api/orders/%2e%2e/order-3/approve', token)).status).toBe(403);
    const refused = await envoy('POST', '/api/orders/order-3%2Fapprove', token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-verdict-reason')).toBe('path_refused');
    // Positive twin: an encoded unreserved character is the same route.
    expect((await envoy('POST', '/api/%6Frders/order-3/approve', token)).status).toBe(200);
  });
});

describe('Lambda authorizer simple response', () => {
  const event = (method: string, path: string, token?: string) => ({
    version: '2.0',
    type: 'REQUEST',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    identitySource: token ? [`Bearer ${token}`] : [],
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    requestContext: { http: { method, path, sourceIp: '203.0.113.9', userAgent: 'curl' } },
  });
  const ask = async (body: unknown) => {
    const res = await call('POST', '/v1/workspaces/demo/lambda-authorizer', { body });
    expect(res.status).toBe(200);
    return json<{ isAuthorized: boolean; context: Record<string, string> }>(res);
  };

  it('allowed, denied, missing token, unmapped route', async () => {
    const ok = await ask(event('POST', '/api/orders/order-3/approve', await devToken('manager')));
    expect(ok).toMatchObject({ isAuthorized: true, context: { subject: 'user_manager', decision: 'Allow' } });
    expect(
      (await ask(event('POST', '/api/orders/order-1/approve', await devToken('employee')))).isAuthorized,
    ).toBe(false);
    const anonymous = await ask(event('POST', '/api/orders/order-3/approve'));
    expect(anonymous).toMatchObject({ isAuthorized: false, context: { reason: 'token_missing' } });
    const unmapped = await ask(event('DELETE', '/api/orders/order-3', await devToken('manager')));
    expect(unmapped).toMatchObject({ isAuthorized: false, context: { reason: 'no_route' } });
  });
});

describe('revocation', () => {
  const world = () => trustingWorkspace('rev');

  it('a revoked sub is denied on the next call even with a cached verified token; un-revoking restores access', async () => {
    const w = await world();
    const token = await sign(w.idp, { sub: 'mallory', aud: 'verdict' });
    const other = await sign(w.idp, { sub: 'alice', aud: 'verdict' });
    expect((await authorizeWith(w.ws, token)).res.status).toBe(200); // now cached
    const revoke = await call('POST', `/v1/workspaces/${w.ws}/revocations`, {
      key: w.adminKey,
      body: { kind: 'sub', value: 'mallory' },
    });
    expect(revoke.status).toBe(201);
    const denied = await authorizeWith(w.ws, token);
    expect(denied.res.status).toBe(401);
    expect(denied.body.reason).toBe('token_revoked');
    expect((await authorizeWith(w.ws, other)).res.status).toBe(200);
    expect(
      (await call('DELETE', `/v1/workspaces/${w.ws}/revocations/sub/mallory`, { key: w.adminKey })).status,
    ).toBe(204);
    expect((await authorizeWith(w.ws, token)).res.status).toBe(200);
  });

  it('a revoked jti denies that token only', async () => {
    const w = await world();
    const stolen = await sign(w.idp, { sub: 'bob', aud: 'verdict', jti: 'tok-123' });
    const fresh = await sign(w.idp, { sub: 'bob', aud: 'verdict', jti: 'tok-456' });
    await call('POST', `/v1/workspaces/${w.ws}/revocations`, {
      key: w.adminKey,
      body: { kind: 'jti', value: 'tok-123' },
    });
    expect((await authorizeWith(w.ws, stolen)).body.reason).toBe('token_revoked');
    expect((await authorizeWith(w.ws, fresh)).res.status).toBe(200);
  });

  it('a revocation with an expiry lapses on its own', async () => {
    const w = await world();
    const token = await sign(w.idp, { sub: 'temp', aud: 'verdict' });
    const until = new Date(Date.now() + 1000).toISOString();
    await call('POST', `/v1/workspaces/${w.ws}/revocations`, {
      key: w.adminKey,
      body: { kind: 'sub', value: 'temp', expiresAt: until },
    });
    expect((await authorizeWith(w.ws, token)).res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await authorizeWith(w.ws, token)).res.status).toBe(200);
  });

  it('needs the revocations:write scope', async () => {
    const w = await world();
    const reader = await json<{ data: { key: string } }>(
      await call('POST', `/v1/workspaces/${w.ws}/api-keys`, {
        key: w.adminKey,
        body: { name: 'r', scopes: ['audit:read'] },
      }),
    );
    expect(
      (
        await call('POST', `/v1/workspaces/${w.ws}/revocations`, {
          key: reader.data.key,
          body: { kind: 'sub', value: 'x' },
        })
      ).status,
    ).toBe(403);
  });
});

describe('policies checked against claim mappings', () => {
  async function world() {
    const { ws, adminKey } = await createWorkspace();
    const idp = `types${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    expect((await registerIdp(ws, adminKey, idp, { claimMappings: seedClaimMappings })).status).toBe(201);
    return { ws, adminKey };
  }

  it('the seed policy passes with no warnings', async () => {
    const w = await world();
    const res = await call('PUT', `/v1/workspaces/${w.ws}/policies/order_approval`, {
      key: w.adminKey,
      body: orderApprovalPolicy,
    });
    expect(res.status).toBe(201);
    expect((await json<{ data: { warnings: unknown[] } }>(res)).data.warnings).toEqual([]);
  });

  it('a typo such as ext_aproval_limit is a warning naming the mapped attribute', async () => {
    const w = await world();
    const typo = structuredClone(orderApprovalPolicy);
    (typo.specification.rules[1]?.conditions[0] as Record<string, unknown>).value_from_attribute =
      'ext_aproval_limit';
    const res = await call('PUT', `/v1/workspaces/${w.ws}/policies/order_approval`, {
      key: w.adminKey,
      body: typo,
    });
    expect(res.status).toBe(201);
    const { warnings } = (await json<{ data: { warnings: { path: string; message: string }[] } }>(res)).data;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.path).toBe('specification.rules.1.conditions.0.value_from_attribute');
    expect(warnings[0]?.message).toContain('ext_approval_limit');
  });

  it('an integer function on an attribute mapped as a string → 422', async () => {
    const w = await world();
    const wrong = {
      name: 'wrong',
      specification: {
        rules: [
          {
            rule_id: 'r',
            effect: 'Allow',
            conditions: [{ function: 'integer_greater_than', attribute: 'ext_role', value: 3 }],
          },
        ],
        default: { rule_id: 'd', effect: 'Deny' },
      },
    };
    const res = await call('PUT', `/v1/workspaces/${w.ws}/policies/wrong`, { key: w.adminKey, body: wrong });
    expect(res.status).toBe(422);
    expect(JSON.stringify(await json(res))).toContain(
      'integer_greater_than cannot read ext_role, mapped as a string',
    );
  });

  it('GET /attributes derives the schema from the mappings', async () => {
    const w = await world();
    const res = await json<{ data: { mapped: { name: string; type: string }[]; builtin: string[] } }>(
      await call('GET', `/v1/workspaces/${w.ws}/attributes`, { key: w.adminKey }),
    );
    expect(res.data.mapped.map((a) => [a.name, a.type])).toEqual([
      ['ext_approval_limit', 'number'],
      ['ext_department', 'unknown'],
      ['ext_role', 'string'],
    ]);
    expect(res.data.builtin).toContain('is_weekend');
  });
});
