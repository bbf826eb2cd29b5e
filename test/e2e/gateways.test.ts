import { env, exports } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { VerdictClient, VerdictError } from '../../sdk/src';
import { verdictAuthorize } from '../../sdk/src/hono';
import { call, json } from '../helpers/api';

const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));
const DEMO_KEY = 'vk_demo_admin_key_for_local_use_only';

async function devToken(user: string): Promise<string> {
  return (await json<{ access_token: string }>(await call('POST', '/dev-idp/token', { body: { user } })))
    .access_token;
}

async function forwardAuth(headers: Record<string, string>) {
  return call('GET', '/v1/workspaces/demo/forward-auth', { headers });
}

describe('forward-auth (Traefik / nginx) through the demo route map', () => {
  it('allowed: 200 with identity headers', async () => {
    const res = await forwardAuth({
      authorization: `Bearer ${await devToken('manager')}`,
      'x-forwarded-method': 'POST',
      'x-forwarded-uri': '/api/orders/order-3/approve?x=1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-verdict-subject')).toBe('user_manager');
    expect(res.headers.get('x-verdict-decision')).toBe('Allow');
  });

  it('denied by policy: 403 (nginx X-Original-* headers)', async () => {
    // The route map gives no amount, so the employee's within-limit rule cannot apply.
    const res = await forwardAuth({
      authorization: `Bearer ${await devToken('employee')}`,
      'x-original-method': 'POST',
      'x-original-uri': '/api/orders/order-1/approve',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-verdict-decision')).toBe('Deny');
  });

  it('an unmapped route → 403; no token → 401; only 200/401/403 ever', async () => {
    const token = await devToken('manager');
    const unmapped = await forwardAuth({
      authorization: `Bearer ${token}`,
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/admin',
    });
    expect(unmapped.status).toBe(403);
    expect(unmapped.headers.get('x-verdict-reason')).toBe('no_route');
    const wrongMethod = await forwardAuth({
      authorization: `Bearer ${token}`,
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/api/orders/order-3/approve',
    });
    expect(wrongMethod.status).toBe(403);
    const anonymous = await forwardAuth({
      'x-forwarded-method': 'POST',
      'x-forwarded-uri': '/api/orders/order-3/approve',
    });
    expect(anonymous.status).toBe(401);
    const unknownWs = await call('GET', '/v1/workspaces/nope/forward-auth', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(unknownWs.status).toBe(403);
  });
});

describe('service binding RPC', () => {
  it('a gateway Worker gets the same decisions as POST /authorize, without HTTP', async () => {
    const ask = async (user: string | null, amount: number) =>
      env.GATEWAY.fetch('http://gateway/approve', {
        method: 'POST',
        headers: {
          'x-workspace': 'demo',
          ...(user ? { authorization: `Bearer ${await devToken(user)}` } : {}),
        },
        body: JSON.stringify({ resource: 'orders', action: 'approve', context: { amount } }),
      });
    const allowed = await ask('employee', 500);
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { ruleId: string }).ruleId).toBe('within-limit');
    const denied = await ask('employee', 5000);
    expect(denied.status).toBe(403);
    const anonymous = await ask(null, 1);
    expect(anonymous.status).toBe(403);
    expect(JSON.stringify(await anonymous.json())).toContain('token_missing');
  });
});

describe('the SDK', () => {
  const flaky = (retries?: number, timeoutMs?: number) =>
    new VerdictClient({
      baseUrl: 'http://flaky',
      workspaceId: 'w',
      token: 't',
      fetch: (input, init) => env.FLAKY.fetch(new Request(input, init)),
      ...(retries === undefined ? {} : { retries }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });

  it('retries a 503 and returns the 200 that follows', async () => {
    await env.FLAKY.fetch('http://flaky/reset');
    const result = await flaky().checkAuthorization({ resource: 'r', action: 'a' });
    expect(result.data.allowed).toBe(true);
  });

  it('with retries exhausted, throws a typed error carrying the problem', async () => {
    await env.FLAKY.fetch('http://flaky/reset');
    const err = await flaky(0)
      .checkAuthorization({ resource: 'r', action: 'a' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerdictError);
    expect((err as VerdictError).status).toBe(503);
    expect((err as VerdictError).code).toBe('unavailable');
  });

  it('never retries a 500, and times out slow answers', async () => {
    const c = flaky();
    const err = await c.request('GET', '/always500').catch((e: unknown) => e);
    expect((err as VerdictError).status).toBe(500);
    await env.FLAKY.fetch('http://flaky/reset');
    await env.FLAKY.fetch('http://flaky/odd'); // the next call is even: no 503 in the way
    const slow = await flaky(0, 200)
      .request('GET', '/slow')
      .catch((e: unknown) => e);
    expect((slow as VerdictError).code).toBe('timeout');
  });

  it('refuses to build without baseUrl or workspaceId', () => {
    expect(() => new VerdictClient({ baseUrl: '', workspaceId: 'w' })).toThrow(TypeError);
  });
});

describe('the Hono middleware', () => {
  const client = new VerdictClient({
    baseUrl: 'http://verdict.test',
    workspaceId: 'demo',
    fetch: workerFetch,
    apiKey: DEMO_KEY,
  });
  const orders: Record<string, number> = { 'order-1': 500, 'order-2': 5000 };
  const app = new Hono<{ Variables: { verdict: { decisionId: string } } }>();
  app.post(
    '/orders/:id/approve',
    verdictAuthorize({
      client,
      resource: 'orders',
      action: 'approve',
      context: (c) => ({ amount: orders[c.req.param('id') ?? ''] }),
    }),
    (c) => c.json({ approved: true, decisionId: c.get('verdict').decisionId }),
  );

  it('lets an allowed request through with the decision on the context', async () => {
    const res = await app.request('/orders/order-1/approve', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('employee')}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { decisionId: string }).decisionId).toMatch(/^dec_/);
  });

  it('answers 403 problem+json for a denial and 401 without a token', async () => {
    const denied = await app.request('/orders/order-2/approve', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('employee')}` },
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toBe('application/problem+json');
    const anonymous = await app.request('/orders/order-1/approve', { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const bad = await app.request('/orders/order-1/approve', {
      method: 'POST',
      headers: { authorization: 'Bearer not.a.token' },
    });
    expect(bad.status).toBe(401);
  });

  it('validates its options when created', () => {
    expect(() => verdictAuthorize({ client, resource: '', action: 'a' })).toThrow(TypeError);
  });
});
