import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, createWorkspace, expectProblem, json, ROOT } from '../helpers/api';

describe('meta', () => {
  it('serves /healthz with a request id', async () => {
    const res = await call('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('echoes a sane caller request id and replaces an unsafe one', async () => {
    const ok = await call('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-123');
    const bad = await call('GET', '/healthz', { headers: { 'x-request-id': 'a b\u0001' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('serves an OpenAPI 3.1 document that lists the admin routes', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/workspaces');
    expect(Object.keys(doc.paths)).toContain('/v1/workspaces/{ws}/api-keys');
  });

  it('serves the interactive reference at /docs', async () => {
    const res = await call('GET', '/docs');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/openapi.json');
  });

  it('answers unknown routes with a problem document', async () => {
    await expectProblem(await call('GET', '/nope'), 404, 'not_found');
  });
});

describe('workspaces and the root key', () => {
  it('creates a workspace with the root key and returns its admin key once', async () => {
    const res = await call('POST', '/v1/workspaces', {
      key: ROOT,
      body: { id: 'acme-create', name: 'Acme', timezone: 'Europe/Paris' },
    });
    expect(res.status).toBe(201);
    const { data } = await json<{ data: { workspace: { timezone: string }; apiKey: { key: string } } }>(res);
    expect(data.workspace.timezone).toBe('Europe/Paris');
    expect(data.apiKey.key).toMatch(/^vk_[a-z0-9]{12}_/);

    const row = await env.DB.prepare('SELECT hash, prefix FROM api_keys WHERE workspace_id = ?')
      .bind('acme-create')
      .first<{ hash: string; prefix: string }>();
    expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.hash).not.toContain(data.apiKey.key);
    expect(data.apiKey.key.startsWith(row?.prefix ?? '?')).toBe(true);

    const list = await json<{ data: Record<string, unknown>[] }>(
      await call('GET', '/v1/workspaces/acme-create/api-keys', { key: data.apiKey.key }),
    );
    expect(list.data).toHaveLength(1);
    expect(JSON.stringify(list.data)).not.toContain(data.apiKey.key);
  });

  it('refuses to create a workspace without the root key, or with a wrong one', async () => {
    await expectProblem(await call('POST', '/v1/workspaces', { body: { id: 'no-key', name: 'x' } }), 401);
    await expectProblem(
      await call('POST', '/v1/workspaces', { key: 'wrong', body: { id: 'no-key', name: 'x' } }),
      401,
      'unauthorized',
    );
    const { adminKey } = await createWorkspace();
    await expectProblem(
      await call('POST', '/v1/workspaces', { key: adminKey, body: { id: 'no-key', name: 'x' } }),
      401,
    );
    const row = await env.DB.prepare('SELECT id FROM workspaces WHERE id = ?').bind('no-key').first();
    expect(row).toBeNull();
  });

  it('answers 409 for a duplicate workspace id and keeps the original', async () => {
    const first = await call('POST', '/v1/workspaces', { key: ROOT, body: { id: 'dup-ws', name: 'First' } });
    expect(first.status).toBe(201);
    const second = await call('POST', '/v1/workspaces', {
      key: ROOT,
      body: { id: 'dup-ws', name: 'Second' },
    });
    await expectProblem(second, 409, 'conflict');
    const row = await env.DB.prepare('SELECT name FROM workspaces WHERE id = ?')
      .bind('dup-ws')
      .first<{ name: string }>();
    expect(row?.name).toBe('First');
  });

  it('rejects an unknown timezone with the field path', async () => {
    const res = await call('POST', '/v1/workspaces', {
      key: ROOT,
      body: { id: 'tz-bad', name: 'x', timezone: 'Mars/Base' },
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'timezone' })]);
  });
});

describe('API keys and scopes', () => {
  it('a read-only key can read but cannot write', async () => {
    const { ws, adminKey } = await createWorkspace();
    const created = await json<{ data: { key: string } }>(
      await call('POST', `/v1/workspaces/${ws}/api-keys`, {
        key: adminKey,
        body: { name: 'auditor', scopes: ['audit:read'] },
      }),
    );
    const auditor = created.data.key;
    await expectProblem(
      await call('POST', `/v1/workspaces/${ws}/api-keys`, {
        key: auditor,
        body: { name: 'x', scopes: ['admin'] },
      }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call('PATCH', `/v1/workspaces/${ws}`, { key: auditor, body: { name: 'x' } }),
      403,
    );
    const count = await env.DB.prepare('SELECT count(*) AS n FROM api_keys WHERE workspace_id = ?')
      .bind(ws)
      .first<{ n: number }>();
    expect(count?.n).toBe(2);
  });

  it('a key cannot grant scopes it does not hold', async () => {
    const { ws, adminKey } = await createWorkspace();
    const keyWriter = await json<{ data: { key: string } }>(
      await call('POST', `/v1/workspaces/${ws}/api-keys`, {
        key: adminKey,
        body: { name: 'kw', scopes: ['keys:write'] },
      }),
    );
    await expectProblem(
      await call('POST', `/v1/workspaces/${ws}/api-keys`, {
        key: keyWriter.data.key,
        body: { name: 'escalate', scopes: ['admin'] },
      }),
      403,
    );
    const ok = await call('POST', `/v1/workspaces/${ws}/api-keys`, {
      key: keyWriter.data.key,
      body: { name: 'same', scopes: ['keys:write'] },
    });
    expect(ok.status).toBe(201);
  });

  it('a revoked key gets 401 on its next request', async () => {
    const { ws, adminKey } = await createWorkspace();
    const created = await json<{ data: { id: string; key: string } }>(
      await call('POST', `/v1/workspaces/${ws}/api-keys`, {
        key: adminKey,
        body: { name: 'tmp', scopes: ['admin'] },
      }),
    );
    expect((await call('GET', `/v1/workspaces/${ws}`, { key: created.data.key })).status).toBe(200);
    const del = await call('DELETE', `/v1/workspaces/${ws}/api-keys/${created.data.id}`, { key: adminKey });
    expect(del.status).toBe(204);
    await expectProblem(
      await call('GET', `/v1/workspaces/${ws}`, { key: created.data.key }),
      401,
      'unauthorized',
    );
    expect((await call('GET', `/v1/workspaces/${ws}`, { key: adminKey })).status).toBe(200);
  });

  it('whoami answers any live key with its scopes; reading the workspace takes policies:read', async () => {
    const { ws, adminKey } = await createWorkspace();
    const keyWith = async (scopes: string[]) =>
      (
        await json<{ data: { key: string } }>(
          await call('POST', `/v1/workspaces/${ws}/api-keys`, {
            key: adminKey,
            body: { name: scopes[0], scopes },
          }),
        )
      ).data.key;
    const auditor = await keyWith(['audit:read']);
    const reader = await keyWith(['policies:read']);
    const me = await json<{ data: { workspace: { id: string }; key: Record<string, unknown> } }>(
      await call('GET', `/v1/workspaces/${ws}/whoami`, { key: auditor }),
    );
    expect(me.data.workspace.id).toBe(ws);
    expect(me.data.key).toMatchObject({ name: 'audit:read', scopes: ['audit:read'] });
    expect(Object.keys(me.data.key)).not.toContain('hash');
    expect(Object.keys(me.data.key)).not.toContain('workspaceId');
    await expectProblem(await call('GET', `/v1/workspaces/${ws}`, { key: auditor }), 403, 'forbidden');
    expect((await call('GET', `/v1/workspaces/${ws}`, { key: reader })).status).toBe(200);
    await expectProblem(await call('GET', `/v1/workspaces/${ws}/whoami`), 401, 'unauthorized');
  });

  it('a key whose secret differs by one character is refused', async () => {
    const { ws, adminKey } = await createWorkspace();
    const last = adminKey.at(-1) === 'A' ? 'B' : 'A';
    await expectProblem(
      await call('GET', `/v1/workspaces/${ws}`, { key: adminKey.slice(0, -1) + last }),
      401,
    );
  });
});

describe('tenant isolation', () => {
  it("another workspace's objects answer 404, never 200", async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    await expectProblem(await call('GET', `/v1/workspaces/${b.ws}`, { key: a.adminKey }), 404, 'not_found');
    await expectProblem(await call('GET', `/v1/workspaces/${b.ws}/api-keys`, { key: a.adminKey }), 404);
    const bKeys = await json<{ data: { id: string }[] }>(
      await call('GET', `/v1/workspaces/${b.ws}/api-keys`, { key: b.adminKey }),
    );
    const bKeyId = bKeys.data[0]?.id ?? '';
    // Revoking B's key through A's workspace path finds nothing and changes nothing.
    await expectProblem(
      await call('DELETE', `/v1/workspaces/${a.ws}/api-keys/${bKeyId}`, { key: a.adminKey }),
      404,
    );
    expect((await call('GET', `/v1/workspaces/${b.ws}`, { key: b.adminKey })).status).toBe(200);
  });
});

describe('the error model', () => {
  it('malformed JSON → 400 problem+json and nothing written', async () => {
    const res = await call('POST', '/v1/workspaces', {
      key: ROOT,
      raw: '{"id":"mal-json",',
      headers: { 'content-type': 'application/json' },
    });
    await expectProblem(res, 400, 'malformed_json');
    expect(
      await env.DB.prepare('SELECT id FROM workspaces WHERE id = ?').bind('mal-json').first(),
    ).toBeNull();
  });

  it('wrong types and unknown fields → 400 with field paths', async () => {
    const wrong = await expectProblem(
      await call('POST', '/v1/workspaces', { key: ROOT, body: { id: 42, name: 'x' } }),
      400,
      'validation_failed',
    );
    expect(wrong.errors).toEqual([expect.objectContaining({ path: 'id' })]);
    const unknown = await expectProblem(
      await call('POST', '/v1/workspaces', { key: ROOT, body: { id: 'unknown-f', name: 'x', plan: 'pro' } }),
      400,
    );
    expect(JSON.stringify(unknown.errors)).toContain('plan');
    expect(
      await env.DB.prepare('SELECT id FROM workspaces WHERE id = ?').bind('unknown-f').first(),
    ).toBeNull();
  });

  it('a 65 KB body → 413, with or without a truthful Content-Length', async () => {
    const big = JSON.stringify({ id: 'too-big', name: 'x'.repeat(65 * 1024) });
    await expectProblem(
      await call('POST', '/v1/workspaces', {
        key: ROOT,
        raw: big,
        headers: { 'content-type': 'application/json' },
      }),
      413,
      'payload_too_large',
    );
    // A streamed body has no Content-Length at all: the limit counts the bytes read.
    const stream = new ReadableStream({
      start(controller) {
        const chunk = new TextEncoder().encode(big);
        controller.enqueue(chunk.slice(0, 30_000));
        controller.enqueue(chunk.slice(30_000));
        controller.close();
      },
    });
    await expectProblem(
      await call('POST', '/v1/workspaces', {
        key: ROOT,
        raw: stream,
        headers: { 'content-type': 'application/json' },
      }),
      413,
    );
    // A header that understates the size changes nothing either.
    await expectProblem(
      await call('POST', '/v1/workspaces', {
        key: ROOT,
        raw: big,
        headers: { 'content-type': 'application/json', 'content-length': '10' },
      }),
      413,
    );
    expect(await env.DB.prepare('SELECT id FROM workspaces WHERE id = ?').bind('too-big').first()).toBeNull();
  });

  it('a non-JSON content type → 415', async () => {
    await expectProblem(
      await call('POST', '/v1/workspaces', {
        key: ROOT,
        raw: 'id=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
  });
});

describe('migrations', () => {
  it('apply cleanly to an empty database and are idempotent', async () => {
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{
      name: string;
    }>();
    const names = tables.results.map((r) => r.name);
    for (const t of [
      'workspaces',
      'api_keys',
      'auth_providers',
      'policies',
      'policy_versions',
      'permissions',
      'audit_events',
      'records',
      'revocations',
    ]) {
      expect(names).toContain(t);
    }
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  });
});
