// Hostile and odd input through the HTTP API (and the RPC entrypoint): bounded cost, no
// 5xx, no storage written for names that exist nowhere, keys that cannot escalate, audit
// rows that stay bounded and redacted, gateway headers trusted only from their gateway.
// Every refusal has a positive twin next to it, so "deny everything" fails this file.
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BASE, call, createWorkspace, expectProblem, type Json, json, ROOT } from '../helpers/api';
import { ALLOW_ALL, authorizeWith, sign, trustingWorkspace } from '../helpers/idp';

vi.setConfig({ testTimeout: 60_000 });

const enc = new TextEncoder();

/** A JSON body as a client sends it: with Content-Length (the hot path takes these) or streamed (chunked). */
function post(
  path: string,
  text: string,
  mode: 'length' | 'stream',
  headers: Record<string, string> = {},
): Promise<Response> {
  const bytes = enc.encode(text);
  const body =
    mode === 'length'
      ? bytes
      : new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.byteLength; i += 16 * 1024)
              controller.enqueue(bytes.slice(i, i + 16 * 1024));
            controller.close();
          },
        });
  return exports.default.fetch(
    new Request(`${BASE}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(mode === 'length' ? { 'content-length': String(bytes.byteLength) } : {}),
        ...headers,
      },
      body,
    }),
  );
}

/** `depth` nested objects around 1: nest(2) is {"a":{"a":1}}. */
const nest = (depth: number): Json => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v as Json;
};

async function devToken(user: string): Promise<string> {
  return (await json<{ access_token: string }>(await call('POST', '/dev-idp/token', { body: { user } })))
    .access_token;
}

async function mintKey(ws: string, key: string, scopes: string[], name = 'k') {
  const res = await call('POST', `/v1/workspaces/${ws}/api-keys`, { key, body: { name, scopes } });
  return {
    res,
    data:
      res.status === 201 ? (await json<{ data: { id: string; key: string } }>(res.clone())).data : undefined,
  };
}

async function kvKeys(): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page: KVNamespaceListResult<unknown> = await env.CACHE.list(cursor ? { cursor } : {});
    names.push(...page.keys.map((k) => k.name));
    if (page.list_complete) return names;
    cursor = page.cursor;
  }
}

const randomId = (prefix: string) =>
  `${prefix}-${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;

// First in the file, so no earlier test's after-response work writes KV while it counts.
describe('requests naming unknown workspaces write nothing to KV', () => {
  it('50 authorize calls to well-formed unknown ids: each 404, the KV keys unchanged', async () => {
    // Warm up: the demo seed and this isolate's first request write what they write.
    await call('POST', '/v1/workspaces/demo/authorize', { body: { resource: 'r', action: 'a' } });
    await new Promise((r) => setTimeout(r, 300));
    const before = await kvKeys();
    const ids = Array.from({ length: 50 }, () => randomId('nx'));
    for (const id of ids) {
      const res = await call('POST', `/v1/workspaces/${id}/authorize`, {
        body: { resource: 'r', action: 'a' },
      });
      await expectProblem(res, 404, 'not_found');
    }
    await new Promise((r) => setTimeout(r, 300));
    const after = await kvKeys();
    expect(after.filter((k) => ids.some((id) => k.includes(id)))).toEqual([]);
    expect(after.length).toBe(before.length);

    // Twin: one of those ids, created now, is usable at once in this isolate.
    const id = ids[7] as string;
    expect((await call('POST', '/v1/workspaces', { key: ROOT, body: { id, name: 'late' } })).status).toBe(
      201,
    );
    const res = await call('POST', `/v1/workspaces/${id}/authorize`, {
      body: { resource: 'r', action: 'a' },
    });
    const problem = await expectProblem(res, 401);
    expect(problem.reason).toBe('token_missing');
  });
});

describe('deep nesting is a 400, never a 500', () => {
  let w: { ws: string; adminKey: string; idp: string };
  let token: string;
  beforeAll(async () => {
    w = await trustingWorkspace('deep');
    token = await sign(w.idp, { sub: 'alice', aud: 'verdict' });
  });

  for (const mode of ['length', 'stream'] as const) {
    it(`records query with a where nested 6,000 deep → 400 (${mode} body); a shallow where → 200`, async () => {
      const path = `/v1/workspaces/${w.ws}/records/docs/query`;
      const deep = `{"where":${'{"not":'.repeat(6000)}{"a":1}${'}'.repeat(6000)}}`;
      const auth = { authorization: `Bearer ${token}` };
      await expectProblem(await post(path, deep, mode, auth), 400, 'bad_request');
      const shallow = await post(path, JSON.stringify({ where: { not: { not: { a: 1 } } } }), mode, auth);
      expect(shallow.status, await shallow.clone().text()).toBe(200);
    });

    it(`authorize with a context nested 30,000 deep → 400 (${mode} body); depth 8 → 200, depth 9 → 400`, async () => {
      const path = `/v1/workspaces/${w.ws}/authorize`;
      const deep = `{"resource":"r","action":"a","token":"${token}","context":{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`;
      expect(enc.encode(deep).byteLength).toBeLessThan(64 * 1024);
      await expectProblem(await post(path, deep, mode), 400, 'bad_request');
      const body = (depth: number) =>
        JSON.stringify({ resource: 'r', action: 'a', token, context: nest(depth) });
      const atLimit = await post(path, body(8), mode);
      expect(atLimit.status, await atLimit.clone().text()).toBe(200);
      expect((await json<{ data: { allowed: boolean } }>(atLimit)).data.allowed).toBe(true);
      await expectProblem(await post(path, body(9), mode), 400, 'bad_request');
    });

    it(`a body with more than 1,000 distinct keys is refused before parsing (${mode} body); 900 are fine`, async () => {
      const path = `/v1/workspaces/${w.ws}/authorize`;
      const keys = (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { [`x${i}`]: 1 }]));
      const many = JSON.stringify({ resource: 'r', action: 'a', token, context: keys(600) });
      await expectProblem(await post(path, many, mode), 400, 'bad_request');
      const fine = await post(
        path,
        JSON.stringify({ resource: 'r', action: 'a', token, context: keys(440) }),
        mode,
      );
      expect(fine.status, await fine.clone().text()).toBe(200);
    });
  }
});

describe('a 600-character workspace id is refused before any lookup', () => {
  const long = 'a'.repeat(600);
  let other: { ws: string; adminKey: string };
  beforeAll(async () => {
    other = await createWorkspace();
  });

  it('authorize → 400; a 63-character id (the limit) is a workspace like any other', async () => {
    const res = await call('POST', `/v1/workspaces/${long}/authorize`, {
      body: { resource: 'r', action: 'a' },
    });
    await expectProblem(res, 400, 'bad_request');
    // The same through the hot path (Content-Length, application/json).
    const hot = await post(`/v1/workspaces/${long}/authorize`, '{"resource":"r","action":"a"}', 'length');
    await expectProblem(hot, 400, 'bad_request');
    const limit = `w${randomId('x').replace(/-/g, '')}`.padEnd(63, '0');
    expect(
      (await call('POST', '/v1/workspaces', { key: ROOT, body: { id: limit, name: 'edge' } })).status,
    ).toBe(201);
    const twin = await call('POST', `/v1/workspaces/${limit}/authorize`, {
      body: { resource: 'r', action: 'a' },
    });
    expect((await expectProblem(twin, 401)).reason).toBe('token_missing');
    // 64 characters is past the limit.
    const past = await call('POST', `/v1/workspaces/${limit}0/authorize`, {
      body: { resource: 'r', action: 'a' },
    });
    await expectProblem(past, 400, 'bad_request');
  });

  it('records list → 400; on a real workspace without a token → 401', async () => {
    await expectProblem(await call('GET', `/v1/workspaces/${long}/records/docs`), 400, 'bad_request');
    await expectProblem(await call('GET', `/v1/workspaces/${other.ws}/records/docs`), 401);
  });

  it('forward-auth/nginx answers in its own vocabulary (403, reason bad_request), never 5xx', async () => {
    const headers = { 'x-original-method': 'POST', 'x-original-uri': '/api/orders/order-3/approve' };
    const res = await call('GET', `/v1/workspaces/${long}/forward-auth/nginx`, { headers });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-verdict-reason')).toBe('bad_request');
    // Twin: the same request on the demo workspace reaches the decision (no token → 401).
    const twin = await call('GET', '/v1/workspaces/demo/forward-auth/nginx', { headers });
    expect(twin.status).toBe(401);
  });

  it('an admin route with a key of another workspace → 404; with its own workspace → 200', async () => {
    const res = await call('GET', `/v1/workspaces/${long}/policies`, { key: other.adminKey });
    await expectProblem(res, 404, 'not_found');
    expect((await call('GET', `/v1/workspaces/${other.ws}/policies`, { key: other.adminKey })).status).toBe(
      200,
    );
  });
});

describe('API key scopes', () => {
  type Listed = { id: string; name: string; scopes: string[]; revokedAt: number | null };
  const list = async (ws: string, key: string) =>
    (await json<{ data: Listed[] }>(await call('GET', `/v1/workspaces/${ws}/api-keys`, { key }))).data;

  it('a keys:write key cannot revoke an admin key nor grant scopes it lacks; it can revoke and grant within its own', async () => {
    const { ws, adminKey } = await createWorkspace();
    const writer = (await mintKey(ws, adminKey, ['keys:write'], 'writer')).data as {
      id: string;
      key: string;
    };
    const victim = (await mintKey(ws, adminKey, ['keys:write'], 'victim')).data as {
      id: string;
      key: string;
    };
    const keys = await list(ws, writer.key);
    const admin = keys.find((k) => k.scopes.includes('admin')) as Listed;
    expect(admin).toBeDefined();

    await expectProblem(
      await call('DELETE', `/v1/workspaces/${ws}/api-keys/${admin.id}`, { key: writer.key }),
      403,
      'forbidden',
    );
    expect((await call('GET', `/v1/workspaces/${ws}`, { key: adminKey })).status).toBe(200);
    await expectProblem((await mintKey(ws, writer.key, ['policies:write'])).res, 403, 'forbidden');
    await expectProblem((await mintKey(ws, writer.key, ['keys:write', 'admin'])).res, 403, 'forbidden');

    // Twins: within its own scopes, both work.
    expect((await mintKey(ws, writer.key, ['keys:write'])).res.status).toBe(201);
    expect(
      (await call('DELETE', `/v1/workspaces/${ws}/api-keys/${victim.id}`, { key: writer.key })).status,
    ).toBe(204);
    expect((await call('GET', `/v1/workspaces/${ws}/api-keys`, { key: victim.key })).status).toBe(401);
  });

  it("the workspace's last live admin key cannot be revoked; one of two can, then the other cannot", async () => {
    const { ws, adminKey } = await createWorkspace();
    const first = (await list(ws, adminKey)).find((k) => k.scopes.includes('admin')) as Listed;
    await expectProblem(
      await call('DELETE', `/v1/workspaces/${ws}/api-keys/${first.id}`, { key: adminKey }),
      409,
      'conflict',
    );
    const second = (await mintKey(ws, adminKey, ['admin'], 'second admin')).data as {
      id: string;
      key: string;
    };
    expect(
      (await call('DELETE', `/v1/workspaces/${ws}/api-keys/${first.id}`, { key: second.key })).status,
    ).toBe(204);
    expect((await call('GET', `/v1/workspaces/${ws}`, { key: adminKey })).status).toBe(401);
    await expectProblem(
      await call('DELETE', `/v1/workspaces/${ws}/api-keys/${second.id}`, { key: second.key }),
      409,
      'conflict',
    );
    expect((await call('GET', `/v1/workspaces/${ws}`, { key: second.key })).status).toBe(200);
  });
});

describe('revocation by jti', () => {
  it('a numeric jti is revoked by its decimal string; another jti still works', async () => {
    const w = await trustingWorkspace('jti');
    const revoked = await sign(w.idp, { sub: 'bob', aud: 'verdict', jti: 4242 });
    const other = await sign(w.idp, { sub: 'bob', aud: 'verdict', jti: 4243 });
    expect((await authorizeWith(w.ws, revoked)).res.status).toBe(200);
    const res = await call('POST', `/v1/workspaces/${w.ws}/revocations`, {
      key: w.adminKey,
      body: { kind: 'jti', value: '4242' },
    });
    expect(res.status).toBe(201);
    const refused = await authorizeWith(w.ws, revoked);
    expect(refused.res.status).toBe(401);
    expect(refused.body.reason).toBe('token_revoked');
    expect((await authorizeWith(w.ws, other)).res.status).toBe(200);
  });
});

describe('audit events are bounded and redacted', () => {
  const CARD = '4111111111111111';
  // The card rule first, so its explanation is among the reasons the engine keeps.
  const policy = {
    name: 'all',
    specification: {
      rules: [
        {
          rule_id: 'card',
          effect: 'Allow',
          conditions: [
            { function: 'string_equal', attribute: 'request_metadata', metadata_key: 'card', value: 'nope' },
          ],
        },
        ...Array.from({ length: 19 }, (_, i) => ({
          rule_id: `note-${i}`,
          effect: 'Allow',
          conditions: [
            {
              function: 'string_equal',
              attribute: 'request_metadata',
              metadata_key: 'note',
              value: `nope-${i}`,
            },
          ],
        })),
      ],
      default: { rule_id: 'd', effect: 'Deny' },
    },
  };

  const rowOf = (decisionId: string) =>
    env.DB.prepare('SELECT * FROM audit_events WHERE decision_id = ?')
      .bind(decisionId)
      .first<Record<string, unknown>>();

  async function waitForRow(decisionId: string, timeoutMs = 15_000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const row = await rowOf(decisionId);
      if (row) return row;
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  }

  async function decideWith(redactKeys: string[] | undefined) {
    const w = await trustingWorkspace('aud', { policy });
    if (redactKeys) {
      const patch = await call('PATCH', `/v1/workspaces/${w.ws}`, { key: w.adminKey, body: { redactKeys } });
      expect(patch.status).toBe(200);
    }
    const token = await sign(w.idp, { sub: 'carol', aud: 'verdict' });
    const { res, body } = await authorizeWith(w.ws, token, {
      context: { note: 'n'.repeat(60_000), card: CARD },
    });
    expect(res.status).toBe(200);
    const data = body.data as { decisionId: string; allowed: boolean };
    expect(data.allowed).toBe(false);
    return { w, decisionId: data.decisionId, row: await waitForRow(data.decisionId) };
  }

  it('with redactKeys ["card"]: the row exists, reasons and input are each ≤ 16 KB, the card is nowhere', async () => {
    const { w, decisionId, row } = await decideWith(['card']);
    expect(row, 'the audit row was lost').not.toBeNull();
    expect(String(row?.reasons).length).toBeLessThanOrEqual(16 * 1024);
    expect(String(row?.input).length).toBeLessThanOrEqual(16 * 1024);
    expect(JSON.stringify(row)).not.toContain(CARD);
    // The reasons still explain the card rule, without its value.
    expect(JSON.parse(String(row?.reasons)).some((r: { rule?: string }) => r.rule === 'card')).toBe(true);

    const reader = (await mintKey(w.ws, w.adminKey, ['audit:read'])).data as { key: string };
    const exported = await call('GET', `/v1/workspaces/${w.ws}/audit/export?format=ndjson`, {
      key: reader.key,
    });
    expect(exported.status).toBe(200);
    const text = new TextDecoder().decode(await exported.arrayBuffer());
    expect(text).toContain(decisionId);
    expect(text).not.toContain(CARD);

    const stats = await call('GET', `/v1/workspaces/${w.ws}/audit/stats`, { key: reader.key });
    expect(stats.status).toBe(200);
  });

  it('without redactKeys the card number is in the row (the twin)', async () => {
    const { row } = await decideWith(undefined);
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).toContain(CARD);
    expect(String(row?.reasons).length).toBeLessThanOrEqual(16 * 1024);
    expect(String(row?.input).length).toBeLessThanOrEqual(16 * 1024);
  });
});

describe('gateway headers are trusted only from their gateway', () => {
  const NGINX = { 'x-original-method': 'POST', 'x-original-uri': '/api/orders/order-3/approve' };
  const TRAEFIK = { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/api/orders/order-3/approve' };
  let auth: { authorization: string };
  const ask = (endpoint: string, headers: Record<string, string>, method = 'GET') =>
    call(method, `/v1/workspaces/demo/forward-auth${endpoint}`, { headers: { ...auth, ...headers } });
  const expectAnswer = (res: Response, status: number, reason?: string) => {
    expect(res.status).toBe(status);
    if (reason) expect(res.headers.get('x-verdict-reason')).toBe(reason);
  };

  beforeAll(async () => {
    auth = { authorization: `Bearer ${await devToken('manager')}` };
  });

  it('nginx: its own family → 200; with X-Forwarded-Uri or X-Forwarded-Method as well → 403 conflicting', async () => {
    expectAnswer(await ask('/nginx', NGINX), 200);
    expectAnswer(
      await ask('/nginx', { ...NGINX, 'x-forwarded-uri': '/elsewhere' }),
      403,
      'conflicting_gateway_headers',
    );
    expectAnswer(
      await ask('/nginx', { ...NGINX, 'x-forwarded-method': 'GET' }),
      403,
      'conflicting_gateway_headers',
    );
  });

  it('traefik: its own family → 200; with X-Original-URI or X-Original-Method as well → 403 conflicting', async () => {
    expectAnswer(await ask('/traefik', TRAEFIK), 200);
    expectAnswer(
      await ask('/traefik', { ...TRAEFIK, 'x-original-uri': '/x' }),
      403,
      'conflicting_gateway_headers',
    );
    expectAnswer(
      await ask('/traefik', { ...TRAEFIK, 'x-original-method': 'GET' }),
      403,
      'conflicting_gateway_headers',
    );
  });

  it('the unsuffixed endpoint takes either family alone, and refuses both together', async () => {
    expectAnswer(await ask('', NGINX), 200);
    expectAnswer(await ask('', TRAEFIK), 200);
    expectAnswer(await ask('', { ...NGINX, ...TRAEFIK }), 403, 'conflicting_gateway_headers');
  });

  it('missing its own family (or half of it) → 403 gateway_headers_missing', async () => {
    expectAnswer(await ask('/nginx', {}), 403, 'gateway_headers_missing');
    expectAnswer(
      await ask('/nginx', { 'x-original-uri': NGINX['x-original-uri'] }),
      403,
      'gateway_headers_missing',
    );
    expectAnswer(await ask('/traefik', {}), 403, 'gateway_headers_missing');
    expectAnswer(
      await ask('/traefik', { 'x-forwarded-method': TRAEFIK['x-forwarded-method'] }),
      403,
      'gateway_headers_missing',
    );
    expectAnswer(await ask('', {}), 403, 'gateway_headers_missing');
  });

  it('method-override headers are refused (403 method_override), never read as the method', async () => {
    for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      // GET is not mapped: an override to POST must not make it the approve route.
      expectAnswer(
        await ask('/nginx', { ...NGINX, 'x-original-method': 'GET', [header]: 'POST' }),
        403,
        'method_override',
      );
      expectAnswer(
        await ask('/traefik', { ...TRAEFIK, 'x-forwarded-method': 'GET', [header]: 'POST' }, 'POST'),
        403,
        'method_override',
      );
      // Nor may it turn the authorized POST into another method upstream.
      expectAnswer(await ask('/nginx', { ...NGINX, [header]: 'DELETE' }), 403, 'method_override');
    }
    // Twin: without the header, the subrequest's own method does not matter.
    expectAnswer(await ask('/nginx', NGINX, 'DELETE'), 200);
  });

  describe('the client address reaches policies as ip', () => {
    let w: { ws: string; adminKey: string; idp: string };
    let bearer: { authorization: string };
    const OFFICE = '203.0.113.7';
    const HOME = '198.51.100.1';
    const target = (family: 'nginx' | 'traefik'): Record<string, string> =>
      family === 'nginx'
        ? { 'x-original-method': 'GET', 'x-original-uri': '/app/reports' }
        : { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/app/reports' };
    const askWs = (family: 'nginx' | 'traefik', headers: Record<string, string>) =>
      call('GET', `/v1/workspaces/${w.ws}/forward-auth/${family}`, {
        headers: { ...bearer, ...target(family), ...headers },
      });

    beforeAll(async () => {
      w = await trustingWorkspace('gwip', {
        policy: {
          name: 'all',
          specification: {
            rules: [
              {
                rule_id: 'office',
                effect: 'Allow',
                conditions: [{ function: 'ip_in_cidr', attribute: 'ip', value: '203.0.113.0/24' }],
              },
            ],
            default: { rule_id: 'd', effect: 'Deny' },
          },
        },
      });
      const patch = await call('PATCH', `/v1/workspaces/${w.ws}`, {
        key: w.adminKey,
        body: { routeMap: [{ method: 'GET', path: '/app/*', resource: 'app', action: 'read' }] },
      });
      expect(patch.status).toBe(200);
      bearer = { authorization: `Bearer ${await sign(w.idp, { sub: 'dave', aud: 'verdict' })}` };
    });

    it('nginx: X-Real-IP is the ip (X-Forwarded-For is not read)', async () => {
      expectAnswer(await askWs('nginx', { 'x-real-ip': OFFICE }), 200);
      expectAnswer(await askWs('nginx', { 'x-real-ip': HOME }), 403, 'policy_denied');
      expectAnswer(
        await askWs('nginx', { 'x-real-ip': HOME, 'x-forwarded-for': OFFICE }),
        403,
        'policy_denied',
      );
      expectAnswer(await askWs('nginx', {}), 403, 'policy_denied');
    });

    it('traefik: the last X-Forwarded-For entry is the ip (X-Real-IP is not read)', async () => {
      expectAnswer(await askWs('traefik', { 'x-forwarded-for': `${HOME}, ${OFFICE}` }), 200);
      expectAnswer(await askWs('traefik', { 'x-forwarded-for': `${OFFICE}, ${HOME}` }), 403, 'policy_denied');
      expectAnswer(
        await askWs('traefik', { 'x-forwarded-for': HOME, 'x-real-ip': OFFICE }),
        403,
        'policy_denied',
      );
    });
  });
});

describe('RPC over the service binding', () => {
  type Answer = { status: number; reason?: string; headers: Record<string, string> };
  const route = async (ws: string, token: string | undefined, request: Record<string, unknown>) => {
    const res = await env.GATEWAY.fetch('http://gateway/route', {
      method: 'POST',
      headers: { 'x-workspace': ws, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(200);
    return json<Answer>(res);
  };

  it('authorizeRequest matches the route map (demo): the mapped route → 200, another → no_route', async () => {
    const token = await devToken('manager');
    const ok = await route('demo', token, {
      method: 'POST',
      url: 'https://shop.example/api/orders/order-3/approve',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-verdict-subject']).toBe('user_manager');
    const unmapped = await route('demo', token, { method: 'DELETE', url: '/api/orders/order-3' });
    expect(unmapped.status).toBe(403);
    expect(unmapped.reason).toBe('no_route');
  });

  describe('the canonical path', () => {
    let w: { ws: string; adminKey: string; idp: string };
    let token: string;
    beforeAll(async () => {
      w = await trustingWorkspace('rpcpath', { policy: ALLOW_ALL });
      const never = {
        name: 'never',
        specification: {
          rules: [{ rule_id: 'never', effect: 'Deny', conditions: [] }],
          default: { rule_id: 'd', effect: 'Deny' },
        },
      };
      expect(
        (await call('PUT', `/v1/workspaces/${w.ws}/policies/never`, { key: w.adminKey, body: never })).status,
      ).toBe(201);
      const bind = await call('PUT', `/v1/workspaces/${w.ws}/permissions`, {
        key: w.adminKey,
        body: { resource: 'admin', action: '*', policies: ['never'] },
      });
      expect(bind.status).toBe(200);
      const patch = await call('PATCH', `/v1/workspaces/${w.ws}`, {
        key: w.adminKey,
        body: {
          routeMap: [
            { method: 'GET', path: '/api/admin/*', resource: 'admin', action: 'read' },
            { method: 'GET', path: '/api/*', resource: 'app', action: 'read' },
          ],
        },
      });
      expect(patch.status).toBe(200);
      token = await sign(w.idp, { sub: 'erin', aud: 'verdict' });
    });

    it('a public path → 200 (the twin)', async () => {
      expect(
        (await route(w.ws, token, { method: 'GET', url: 'https://shop.example/api/public/users' })).status,
      ).toBe(200);
    });

    for (const url of [
      'https://shop.example/api/public/../admin/users',
      'https://shop.example/api/public/%2e%2e/admin/users',
      '/api/public/%2E%2E/admin/users?x=1',
    ]) {
      it(`${url} is the admin route (policy_denied), not a public one`, async () => {
        const answer = await route(w.ws, token, { method: 'GET', url });
        expect(answer.status).toBe(403);
        expect(answer.reason).toBe('policy_denied');
      });
    }

    it('an encoded slash is refused (path_refused)', async () => {
      const answer = await route(w.ws, token, {
        method: 'GET',
        url: 'https://shop.example/api/admin%2Fusers',
      });
      expect(answer.status).toBe(403);
      expect(answer.reason).toBe('path_refused');
    });
  });

  it('authorize with ip makes an ip_not_in_cidr Deny rule fire; without ip it is indeterminate (Deny)', async () => {
    const w = await trustingWorkspace('rpcip', {
      policy: {
        name: 'all',
        specification: {
          rules: [
            {
              rule_id: 'outside',
              effect: 'Deny',
              conditions: [{ function: 'ip_not_in_cidr', attribute: 'ip', value: '10.0.0.0/8' }],
            },
            { rule_id: 'any', effect: 'Allow', conditions: [] },
          ],
          default: { rule_id: 'd', effect: 'Deny' },
        },
      },
    });
    const token = await sign(w.idp, { sub: 'frank', aud: 'verdict' });
    type Decision = { allowed: boolean; ruleId: string | null; reasons: { code: string }[] };
    const decide = async (ip?: string) =>
      json<Decision>(
        await env.GATEWAY.fetch('http://gateway/authorize', {
          method: 'POST',
          headers: { 'x-workspace': w.ws, authorization: `Bearer ${token}` },
          body: JSON.stringify({ resource: 'r', action: 'a', ...(ip ? { ip } : {}) }),
        }),
      );
    const outside = await decide('203.0.113.9');
    expect(outside.allowed).toBe(false);
    expect(outside.ruleId).toBe('outside');
    expect(outside.reasons[0]?.code).toBe('rule_matched');
    const inside = await decide('10.1.2.3');
    expect(inside.allowed).toBe(true);
    expect(inside.ruleId).toBe('any');
    const unknown = await decide();
    expect(unknown.allowed).toBe(false);
    expect(unknown.reasons[0]?.code).toBe('indeterminate');
  });
});

describe('AuthZEN', () => {
  const evaluation = (sub: string, id: string, properties: Record<string, unknown>) => ({
    subject: { type: 'user', id: sub },
    action: { name: 'read' },
    resource: { type: 'docs', id, properties },
  });
  const evaluate = (host: string, headers: Record<string, string>, body: unknown) =>
    exports.default.fetch(
      new Request(`http://${host}/access/v1/evaluation`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    );

  it('resource.properties.id does not override resource.id (a policy on record.id sees resource.id)', async () => {
    const w = await trustingWorkspace('azid', {
      policy: {
        name: 'all',
        specification: {
          rules: [
            {
              rule_id: 'doc1',
              effect: 'Allow',
              conditions: [{ function: 'string_equal', attribute: 'record.id', value: 'doc-1' }],
            },
          ],
          default: { rule_id: 'd', effect: 'Deny' },
        },
      },
    });
    const token = await sign(w.idp, { sub: 'gina', aud: 'verdict' });
    const headers = { 'x-verdict-workspace': w.ws, authorization: `Bearer ${token}` };
    const ask = async (id: string, properties: Record<string, unknown>) => {
      const res = await evaluate('verdict.test', headers, evaluation('gina', id, properties));
      expect(res.status).toBe(200);
      return (await json<{ decision: boolean }>(res)).decision;
    };
    expect(await ask('doc-1', { id: 'doc-2' })).toBe(true);
    expect(await ask('doc-2', { id: 'doc-1' })).toBe(false);
  });

  describe('which workspace', () => {
    let token: string;
    beforeAll(async () => {
      token = await devToken('manager');
    });
    const body = () => ({
      subject: { type: 'user', id: 'user_manager' },
      action: { name: 'approve' },
      resource: { type: 'orders', id: 'order-3', properties: { amount: 15000 } },
    });

    it('host acme.verdict.test with X-Verdict-Workspace: demo → 400; host demo.verdict.test with it → 200', async () => {
      const auth = { authorization: `Bearer ${token}` };
      await expectProblem(
        await evaluate('acme.verdict.test', { ...auth, 'x-verdict-workspace': 'demo' }, body()),
        400,
        'bad_request',
      );
      const same = await evaluate('demo.verdict.test', { ...auth, 'x-verdict-workspace': 'demo' }, body());
      expect(same.status).toBe(200);
    });

    it('an IP host never names a workspace: 127.0.0.1 with the header → 200, without it → 400', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const named = await evaluate('127.0.0.1', { ...auth, 'x-verdict-workspace': 'demo' }, body());
      expect(named.status).toBe(200);
      expect((await json<{ decision: boolean }>(named)).decision).toBe(true);
      await expectProblem(await evaluate('127.0.0.1', auth, body()), 400, 'bad_request');
    });
  });
});
