// The hot authorize route (src/http/hot-authorize.ts) against the Hono route it
// shortcuts: every request, handled or handed on, must get the same status, headers
// and body from the Worker's entry as from the router alone.

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app';
import { hotAuthorize, hotRouteWorkspace, plainAuthorizeBody } from '../../src/http/hot-authorize';
import { BODY_SHAPE } from '../../src/http/middleware/body-limit';
import { jsonTextShape } from '../../src/lib/json-depth';
import { employeeClaims, managerClaims, orderApprovalPolicy, seedClaimMappings } from '../fixtures/seed';
import { BASE, call, createWorkspace } from '../helpers/api';
import { registerIdp, sign } from '../helpers/idp';

const reference = createApp();
let ws = '';
let employee = '';
let manager = '';

type Sent = { body: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string>; path?: string };

/** As a client sends it: with the Content-Length a constructed Request does not carry. */
function request({ body, headers, path }: Sent): Request {
  const length = typeof body === 'string' ? new TextEncoder().encode(body).byteLength : body.byteLength;
  return new Request(`${BASE}${path ?? `/v1/workspaces/${ws}/authorize`}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(length), ...headers },
    body,
  });
}

/** What a client can observe, with the per-call ids made comparable. */
async function observe(res: Response) {
  const text = (await res.text()).replace(/dec_[a-z0-9]+/g, 'dec_*').replace(/req_[0-9a-f-]+/g, 'req_*');
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    cache: res.headers.get('cache-control'),
    auth: res.headers.get('www-authenticate'),
    retry: res.headers.get('retry-after'),
    requestId: res.headers.get('x-request-id')?.replace(/^req_.*/, 'req_*'),
    text,
  };
}

async function bothPaths(sent: Sent) {
  const hot = await observe(await exports.default.fetch(request(sent)));
  const ctx = createExecutionContext();
  const routed = await observe(await reference.fetch(request(sent), env, ctx));
  await waitOnExecutionContext(ctx);
  return { hot, routed };
}

beforeAll(async () => {
  const created = await createWorkspace();
  ws = created.ws;
  const key = created.adminKey;
  expect((await registerIdp(ws, key, 'hot-path', { claimMappings: seedClaimMappings })).status).toBe(201);
  expect(
    (await call('PUT', `/v1/workspaces/${ws}/policies/order_approval`, { key, body: orderApprovalPolicy }))
      .status,
  ).toBe(201);
  expect(
    (
      await call('PUT', `/v1/workspaces/${ws}/permissions`, {
        key,
        body: { resource: 'orders', action: 'approve', policies: ['order_approval'] },
      })
    ).status,
  ).toBe(200);
  employee = await sign('hot-path', { ...employeeClaims, aud: 'verdict' });
  manager = await sign('hot-path', { ...managerClaims, aud: 'verdict' });
});

describe('the hot authorize route', () => {
  it('recognises only POST /v1/workspaces/:ws/authorize', () => {
    expect(hotRouteWorkspace('POST', `${BASE}/v1/workspaces/acme/authorize`)).toBe('acme');
    expect(hotRouteWorkspace('POST', `${BASE}/v1/workspaces/acme/authorize?x=1`)).toBe('acme');
    expect(hotRouteWorkspace('GET', `${BASE}/v1/workspaces/acme/authorize`)).toBeNull();
    expect(hotRouteWorkspace('POST', `${BASE}/v1/workspaces/acme/authorize/`)).toBeNull();
    expect(hotRouteWorkspace('POST', `${BASE}/v1/workspaces/acme/authorize/batch`)).toBeNull();
    expect(hotRouteWorkspace('POST', `${BASE}/v1/workspaces/a%2Fb/authorize`)).toBeNull();
    expect(hotRouteWorkspace('POST', `${BASE}/v1/workspaces//authorize`)).toBeNull();
  });

  const cases: [string, () => Sent, boolean][] = [
    ['allowed', () => ({ body: body({ token: employee, context: { amount: 500 } }) }), true],
    ['denied with reasons', () => ({ body: body({ token: employee, context: { amount: 5000 } }) }), true],
    [
      'token in the Authorization header',
      () => ({ body: body({ context: { amount: 15000 } }), headers: { authorization: `Bearer ${manager}` } }),
      true,
    ],
    ['no token → 401', () => ({ body: body({ context: { amount: 1 } }) }), true],
    ['garbage token → 401', () => ({ body: body({ token: 'a.b.c' }) }), true],
    ['no context', () => ({ body: body({ token: employee }) }), true],
    [
      'caller request id echoed',
      () => ({ body: body({ token: employee }), headers: { 'x-request-id': 'trace-123' } }),
      true,
    ],
    [
      'unknown workspace → 404',
      () => ({ body: body({ token: employee }), path: '/v1/workspaces/no-such-ws/authorize' }),
      true,
    ],
    ['context too deep → 400', () => ({ body: body({ token: employee, context: nest(10) }) }), true],
    ['unbound action', () => ({ body: body({ token: employee, action: 'delete' }) }), true],
    ['unknown field', () => ({ body: body({ token: employee, extra: 1 }) }), false],
    ['empty resource', () => ({ body: body({ token: employee, resource: '' }) }), false],
    ['resource too long', () => ({ body: body({ token: employee, resource: 'r'.repeat(129) }) }), false],
    ['token null', () => ({ body: body({ token: null }) }), false],
    ['token empty (refused, never read as no token)', () => ({ body: body({ token: '' }) }), false],
    [
      'more than 1,000 distinct keys → 400',
      () => ({
        body: body({
          token: employee,
          context: Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`k${i}`, 1])),
        }),
      }),
      false,
    ],
    ['context an array', () => ({ body: body({ token: employee, context: [1] }) }), false],
    ['context null', () => ({ body: body({ token: employee, context: null }) }), false],
    [
      '__proto__ in context',
      () => ({ body: `{"resource":"orders","action":"approve","context":{"__proto__":{"amount":1}}}` }),
      false,
    ],
    ['body an array', () => ({ body: '[]' }), false],
    ['malformed JSON', () => ({ body: '{"resource":' }), false],
    ['not JSON', () => ({ body: 'resource=orders', headers: { 'content-type': 'text/plain' } }), false],
    [
      'invalid UTF-8',
      () => ({ body: new Uint8Array([0x7b, 0x22, 0x72, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]) }),
      false,
    ],
  ];

  for (const [name, make, handled] of cases) {
    it(`${name}: the same answer as the router (${handled ? 'handled' : 'handed on'})`, async () => {
      const sent = make();
      let parsed: unknown;
      try {
        parsed = typeof sent.body === 'string' ? JSON.parse(sent.body) : undefined;
      } catch {
        parsed = undefined;
      }
      const plain = (sent.headers?.['content-type'] ?? 'application/json') === 'application/json';
      const shapeOk = typeof sent.body !== 'string' || jsonTextShape(sent.body, BODY_SHAPE) === undefined;
      expect(plain && shapeOk && plainAuthorizeBody(parsed) !== null).toBe(handled);
      // The entry really takes (or leaves) the hot path: a Response, or the request handed on.
      const direct = request(sent);
      const ctx = createExecutionContext();
      const taken = await hotAuthorize(direct, hotRouteWorkspace('POST', direct.url) ?? '', env, ctx);
      await waitOnExecutionContext(ctx);
      expect(taken instanceof Response).toBe(handled);
      const { hot, routed } = await bothPaths(sent);
      expect(hot).toEqual(routed);
      if (name === 'caller request id echoed') expect(hot.requestId).toBe('trace-123');
      if (name === 'allowed') expect(hot.text).toContain('"allowed":true');
      if (name === 'denied with reasons') expect(hot.text).toContain('condition_failed');
    });
  }

  it('random bodies: whatever the route does, the entry does the same', async () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string({ maxLength: 3 }),
      fc.integer(),
      fc.constantFrom('orders', 'approve', '', 'x'.repeat(129)),
      fc.dictionary(fc.constantFrom('amount', '__proto__', 'a'), fc.oneof(fc.integer(), fc.string())),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { token: value, resource: value, action: value, context: value, extra: value },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        async (fields, withToken) => {
          const b = { ...fields, ...(withToken ? { token: employee } : {}) };
          const { hot, routed } = await bothPaths({ body: JSON.stringify(b) });
          expect(hot).toEqual(routed);
        },
      ),
      { numRuns: 60 },
    );
  });
});

function body(fields: Record<string, unknown>): string {
  return JSON.stringify({ resource: 'orders', action: 'approve', ...fields });
}

function nest(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < levels; i++) v = { v };
  return v;
}
