// Scopes mean exactly what they name. One table (src/http/access.ts) says who may call each
// route and one middleware checks it; this walks every operation of the OpenAPI document
// with a key of each scope (and no key, the root key, another workspace's key) and asserts
// the table, so a route missing from the table, or answering a key the table refuses, fails.
import { beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Scope } from '../../src/contract/admin';
import { type Access, ROUTE_ACCESS } from '../../src/http/access';
import { call, createWorkspace, expectProblem, json, ROOT } from '../helpers/api';

type Operation = { method: string; path: string };

/** Routes served but not in the OpenAPI document (the document itself and its viewer). */
const UNDOCUMENTED = ['GET /openapi.json', 'GET /docs'];

let ws = '';
let adminKey = '';
let otherAdmin = '';
const keyOf = new Map<Scope, string>();
let operations: Operation[] = [];

beforeAll(async () => {
  ({ ws, adminKey } = await createWorkspace());
  ({ adminKey: otherAdmin } = await createWorkspace());
  for (const scope of SCOPES) {
    if (scope === 'admin') {
      keyOf.set(scope, adminKey);
      continue;
    }
    const res = await call('POST', `/v1/workspaces/${ws}/api-keys`, {
      key: adminKey,
      body: { name: `only ${scope}`, scopes: [scope] },
    });
    expect(res.status).toBe(201);
    keyOf.set(scope, (await json<{ data: { key: string } }>(res)).data.key);
  }
  const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
    await call('GET', '/openapi.json'),
  );
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m))
      .map((m) => ({ method: m.toUpperCase(), path })),
  );
});

const accessOf = (op: Operation): Access | undefined =>
  ROUTE_ACCESS[`${op.method} ${op.path}`] ?? ROUTE_ACCESS[`ALL ${op.path}`];

/** A concrete URL for a path template: this workspace, and a plausible value for every other parameter. */
function urlOf(path: string, workspace = ws): string {
  const values: Record<string, string> = {
    ws: workspace,
    name: 'scope-walk',
    id: 'scope-walk',
    decisionId: 'dec_scopewalk',
    jobId: 'imp_scopewalk',
    kind: 'sub',
    value: 'scope-walk-user',
    collection: 'scope_walk',
    file: 'policy.json',
    originalPath: 'api/x',
  };
  return path.replace(/\{([A-Za-z]+)\}/g, (_, p: string) => values[p] ?? 'x');
}

async function send(op: Operation, key?: string, workspace = ws): Promise<Response> {
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
  return call(op.method, urlOf(op.path, workspace), { key, ...(hasBody ? { body: {} } : {}) });
}

describe('one table of route → who may call it', () => {
  it('names every operation of the OpenAPI document, and nothing the document lacks', () => {
    expect(operations.length).toBeGreaterThan(50);
    const missing = operations.filter((op) => !accessOf(op)).map((op) => `${op.method} ${op.path}`);
    expect(missing).toEqual([]);
    const documented = new Set(operations.map((op) => `${op.method} ${op.path}`));
    const paths = new Set(operations.map((op) => op.path));
    const stale = Object.keys(ROUTE_ACCESS).filter((k) => {
      if (documented.has(k) || UNDOCUMENTED.includes(k)) return false;
      const [method, path] = k.split(' ') as [string, string];
      return !(method === 'ALL' && paths.has(path));
    });
    expect(stale).toEqual([]);
  });

  it('a workspace key route answers exactly the keys holding its scope (admin holds all); 401 without a key, 404 for another workspace', async () => {
    const wrong: string[] = [];
    for (const op of operations) {
      const access = accessOf(op);
      if (access?.kind !== 'key') continue;
      for (const scope of SCOPES) {
        const allowed = access.scope === null || scope === 'admin' || scope === access.scope;
        const res = await send(op, keyOf.get(scope));
        const refused = res.status === 403 || res.status === 401;
        if (allowed === refused || res.status >= 500)
          wrong.push(`${op.method} ${op.path} with ${scope}: ${res.status} ${await res.text()}`);
        if (!allowed && res.status === 403) {
          const problem = await json<{ code: string; detail: string }>(res);
          if (problem.code !== 'forbidden' || !problem.detail.includes(String(access.scope)))
            wrong.push(`${op.method} ${op.path} with ${scope}: ${JSON.stringify(problem)}`);
        }
      }
      const none = await send(op);
      if (none.status !== 401) wrong.push(`${op.method} ${op.path} without a key: ${none.status}`);
      const foreign = await send(op, otherAdmin);
      if (foreign.status !== 404)
        wrong.push(`${op.method} ${op.path} with another workspace's key: ${foreign.status}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('the root key on a workspace route says so (401), instead of calling itself revoked', async () => {
    const res = await call('GET', `/v1/workspaces/${ws}/policies`, { key: ROOT });
    const problem = await expectProblem(res, 401, 'unauthorized');
    expect(String(problem.detail)).toContain('root key');
    // The twin: a key that is neither says what it always said.
    const other = await expectProblem(
      await call('GET', `/v1/workspaces/${ws}/policies`, { key: 'vk_abcdefgh_notarealkeynotarealkey' }),
      401,
    );
    expect(String(other.detail)).toContain('not valid or has been revoked');
  });

  it('root routes answer the root key only', async () => {
    const wrong: string[] = [];
    for (const op of operations.filter((o) => accessOf(o)?.kind === 'root')) {
      for (const scope of SCOPES) {
        const res = await send(op, keyOf.get(scope));
        if (res.status !== 401) wrong.push(`${op.method} ${op.path} with ${scope}: ${res.status}`);
      }
      const res = await send(op, ROOT);
      if (res.status === 401 || res.status === 403 || res.status >= 500)
        wrong.push(`${op.method} ${op.path} with the root key: ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('end-user routes take no API key as a credential; AuthZEN takes a PEP key only with its scope', async () => {
    const wrong: string[] = [];
    for (const op of operations) {
      const access = accessOf(op);
      if (access?.kind === 'end-user') {
        const res = await send(op, adminKey);
        const text = await res.text();
        // The Lambda authorizer answers API Gateway 200 with a Deny policy document.
        const refused = op.path.endsWith('/lambda-authorizer')
          ? res.status === 200 && text.includes('"Deny"') && !text.includes('"Allow"')
          : res.status >= 400 && res.status < 500;
        if (!refused) wrong.push(`${op.method} ${op.path} with a key: ${res.status} ${text}`);
      }
      if (access?.kind === 'end-user-or-pep' && op.path.startsWith('/v1/workspaces/')) {
        for (const scope of SCOPES) {
          const allowed = scope === 'admin' || scope === access.pepScope;
          const res = await send(op, keyOf.get(scope));
          if (allowed === (res.status === 403) || res.status === 401 || res.status >= 500)
            wrong.push(`${op.method} ${op.path} with ${scope}: ${res.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('public routes need nothing', async () => {
    const wrong: string[] = [];
    for (const op of operations.filter((o) => accessOf(o)?.kind === 'public')) {
      const res = await send(op);
      if (res.status === 401 || res.status === 403 || res.status >= 500)
        wrong.push(`${op.method} ${op.path}: ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('the cases the review found', () => {
  it('a draft is a policy: GET …/shadow refuses an audit:read key, answers policies:read', async () => {
    const path = `/v1/workspaces/${ws}/policies/scope-walk/shadow`;
    await expectProblem(await call('GET', path, { key: keyOf.get('audit:read') }), 403, 'forbidden');
    // The positive twin: past the scope check (no shadow is attached: 404).
    await expectProblem(await call('GET', path, { key: keyOf.get('policies:read') }), 404, 'not_found');
  });

  it('whoami says who the caller is and nothing of the settings, to every key', async () => {
    await call('PATCH', `/v1/workspaces/${ws}`, { key: adminKey, body: { redactKeys: ['card'] } });
    for (const scope of SCOPES) {
      const res = await call('GET', `/v1/workspaces/${ws}/whoami`, { key: keyOf.get(scope) });
      expect(res.status).toBe(200);
      const { data } = await json<{
        data: { workspace: Record<string, unknown>; key: { scopes: string[] } };
      }>(res);
      expect(Object.keys(data.workspace).sort()).toEqual(['id', 'name']);
      expect(data.key.scopes).toEqual([scope]);
      expect(JSON.stringify(data)).not.toContain('card');
    }
    // The settings are where the table says: the workspace, with policies:read.
    const read = await call('GET', `/v1/workspaces/${ws}`, { key: keyOf.get('policies:read') });
    expect(JSON.stringify(await json(read))).toContain('card');
  });
});

describe('nothing per isolate crosses tenants', () => {
  it("a tenant's audit stats do not move with another workspace's traffic, and carry no isolate counters", async () => {
    const other = await createWorkspace();
    const range = `from=${Date.UTC(2026, 0, 1)}&to=${Date.UTC(2026, 0, 2)}`;
    const read = async () => {
      const res = await call('GET', `/v1/workspaces/${ws}/audit/stats?${range}`, { key: adminKey });
      expect(res.status).toBe(200);
      return json<{ data: Record<string, unknown> }>(res);
    };
    const before = await read();
    expect(before.data).not.toHaveProperty('producer');
    // Another workspace decides (every decision is audited through this isolate's producer).
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', `/v1/workspaces/${other.ws}/authorize`, {
        body: { token: 'not-a-jwt', resource: 'orders', action: 'read' },
      });
      expect(res.status).toBe(401);
    }
    expect(await read()).toEqual(before);
    // The isolate's totals are an operation of the deployment: the root key's alone.
    await expectProblem(await call('GET', '/v1/operations/audit-producer', { key: adminKey }), 401);
    const ops = await call('GET', '/v1/operations/audit-producer', { key: ROOT });
    expect(ops.status).toBe(200);
    const { data } = await json<{ data: Record<string, number> }>(ops);
    expect(Object.keys(data).sort()).toEqual(['directWrites', 'lost', 'messages', 'sendFailures', 'sent']);
  });
});
