// The OpenID AuthZEN Todo interop suite, sent exactly as its runner sends it
// (openid/authzen interop/authzen-todo-backend/test/runner.ts): POST <base>/access/v1/<endpoint>
// with `Authorization: <PDP key>` (no scheme) and `Content-Type: application/json`, the
// case's request as the body, and `JSON.stringify(expected) === JSON.stringify(got)` on
// `decision || false` (evaluation) or `evaluations || []` (evaluations). The base URL is
// the workspace's, set up from examples/authzen-todo through the admin API only.
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import pepSubjects from '../../examples/authzen-todo/pep-subjects.json';
import permissions from '../../examples/authzen-todo/permissions.json';
import todoCreate from '../../examples/authzen-todo/policies/todo_create.json';
import todoDelete from '../../examples/authzen-todo/policies/todo_delete.json';
import todoRead from '../../examples/authzen-todo/policies/todo_read.json';
import todoUpdate from '../../examples/authzen-todo/policies/todo_update.json';
import users from '../../examples/authzen-todo/users.json';
import v00 from '../fixtures/authzen-todo/decisions-authorization-api-1_0-00.json';
import v01 from '../fixtures/authzen-todo/decisions-authorization-api-1_0-01.json';
import v02 from '../fixtures/authzen-todo/decisions-authorization-api-1_0-02.json';
import { BASE, call, createWorkspace, expectProblem, json } from '../helpers/api';
import { sign, trustingWorkspace } from '../helpers/idp';

type Case = { request: Record<string, unknown>; expected: unknown };
type DecisionFile = { evaluation?: Case[]; evaluations?: Case[] };
const FILES: [string, DecisionFile][] = [
  ['authorization-api-1_0-00', v00 as DecisionFile],
  ['authorization-api-1_0-01', v01 as DecisionFile],
  ['authorization-api-1_0-02', v02 as DecisionFile],
];

let ws: string;
let adminKey: string;
let pepKey: string;

async function setUp(): Promise<{ ws: string; adminKey: string; pepKey: string }> {
  const w = await createWorkspace();
  for (const policy of [todoRead, todoCreate, todoUpdate, todoDelete]) {
    const res = await call('PUT', `/v1/workspaces/${w.ws}/policies/${policy.name}`, {
      key: w.adminKey,
      body: policy,
    });
    expect(res.status, await res.clone().text()).toBe(201);
  }
  for (const binding of permissions) {
    const res = await call('PUT', `/v1/workspaces/${w.ws}/permissions`, { key: w.adminKey, body: binding });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  const patched = await call('PATCH', `/v1/workspaces/${w.ws}`, { key: w.adminKey, body: { pepSubjects } });
  expect(patched.status, await patched.clone().text()).toBe(200);
  const imported = await call('POST', `/v1/workspaces/${w.ws}/records/users/import`, {
    key: w.adminKey,
    body: users,
  });
  expect(imported.status, await imported.clone().text()).toBe(200);
  const key = await call('POST', `/v1/workspaces/${w.ws}/api-keys`, {
    key: w.adminKey,
    body: { name: 'interop PEP', scopes: ['authzen:pep'] },
  });
  expect(key.status, await key.clone().text()).toBe(201);
  return { ...w, pepKey: (await json<{ data: { key: string } }>(key)).data.key };
}

/** What runner.ts does for one case: same URL shape, headers, body and comparison. */
async function runnerSends(base: string, apiKey: string, endpoint: 'evaluation' | 'evaluations', c: Case) {
  const response = await exports.default.fetch(
    new Request(`${base}/access/v1/${endpoint}`, {
      method: 'POST',
      headers: { Authorization: apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify(c.request),
    }),
  );
  const data = (await response.json()) as { decision?: unknown; evaluations?: unknown };
  const got = endpoint === 'evaluation' ? data.decision || false : data.evaluations || [];
  return { status: response.status, pass: JSON.stringify(c.expected) === JSON.stringify(got), got, data };
}

beforeAll(async () => {
  ({ ws, adminKey, pepKey } = await setUp());
});

describe('AuthZEN Todo interop, as the runner sends it', () => {
  for (const [name, file] of FILES) {
    it(`${name}: every case passes (${(file.evaluation ?? []).length} evaluation, ${(file.evaluations ?? []).length} evaluations)`, async () => {
      const failures: string[] = [];
      let n = 0;
      for (const endpoint of ['evaluation', 'evaluations'] as const) {
        for (const c of file[endpoint] ?? []) {
          n++;
          const r = await runnerSends(`${BASE}/v1/workspaces/${ws}`, pepKey, endpoint, c);
          if (r.status !== 200 || !r.pass)
            failures.push(
              `${endpoint} ${JSON.stringify(c.request)} → ${r.status} ${JSON.stringify(r.data)}, expected ${JSON.stringify(c.expected)}`,
            );
        }
      }
      expect(failures).toEqual([]);
      expect(n).toBe((file.evaluation ?? []).length + (file.evaluations ?? []).length);
      expect(n).toBeGreaterThan(0);
    });
  }

  it('responses are exactly the spec’s: no context unless asked, or when an item cannot be evaluated', async () => {
    const base = `${BASE}/v1/workspaces/${ws}`;
    const first = (v01 as DecisionFile).evaluation?.[0] as Case;
    const plain = await runnerSends(base, pepKey, 'evaluation', first);
    expect(plain.data).toEqual({ decision: true });
    const asked = await runnerSends(base, pepKey, 'evaluation', {
      request: { ...first.request, options: { explain: true } },
      expected: true,
    });
    expect(asked.data).toMatchObject({ decision: true, context: { id: expect.stringMatching(/^dec_/) } });
    // An unknown subject is not in the directory: denied, and no attribute is guessed.
    const stranger = await runnerSends(base, pepKey, 'evaluation', {
      request: { ...first.request, subject: { type: 'user', id: 'stranger@example.com' } },
      expected: false,
    });
    expect(stranger.data).toEqual({ decision: false });
    // A malformed item in a batch has something to say.
    const bad = await runnerSends(base, pepKey, 'evaluations', {
      request: {
        subject: { type: 'user', id: 'rick@the-citadel.com' },
        evaluations: [{ resource: { type: 'todo', id: '1' } }],
      },
      expected: [],
    });
    expect(bad.data).toEqual({
      evaluations: [
        { decision: false, context: { code: 400, reason_admin: { en: expect.stringContaining('action') } } },
      ],
    });
  });

  it('the root endpoint works with the PEP key alone (its workspace), and Bearer is accepted', async () => {
    const c = (v01 as DecisionFile).evaluation?.[10] as Case;
    const raw = await runnerSends(BASE, pepKey, 'evaluation', c);
    expect(raw.pass).toBe(true);
    const bearer = await runnerSends(BASE, `Bearer ${pepKey}`, 'evaluation', c);
    expect(bearer.pass).toBe(true);
  });

  it('PDP metadata at the well-known URIs (RFC 8615 insertion and under the base URL)', async () => {
    for (const path of [
      `/.well-known/authzen-configuration/v1/workspaces/${ws}`,
      `/v1/workspaces/${ws}/.well-known/authzen-configuration`,
    ]) {
      const res = await call('GET', path);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        policy_decision_point: `${BASE}/v1/workspaces/${ws}`,
        access_evaluation_endpoint: `${BASE}/v1/workspaces/${ws}/access/v1/evaluation`,
        access_evaluations_endpoint: `${BASE}/v1/workspaces/${ws}/access/v1/evaluations`,
      });
    }
    const root = await call('GET', '/.well-known/authzen-configuration');
    expect(await root.json()).toEqual({
      policy_decision_point: BASE,
      access_evaluation_endpoint: `${BASE}/access/v1/evaluation`,
      access_evaluations_endpoint: `${BASE}/access/v1/evaluations`,
    });
  });
});

describe('trusted-PEP mode: keys, tokens and audit', () => {
  const check = {
    subject: { type: 'user', id: 'morty@the-citadel.com' },
    action: { name: 'can_update_todo' },
    resource: { type: 'todo', id: 't1', properties: { ownerID: 'morty@the-citadel.com' } },
  };
  const send = (path: string, authorization: string, body: unknown, headers: Record<string, string> = {}) =>
    call('POST', path, { headers: { authorization, ...headers }, body });

  it('refuses a key without the scope (403), a bad key (401) and another workspace (404)', async () => {
    const noScope = await call('POST', `/v1/workspaces/${ws}/api-keys`, {
      key: adminKey,
      body: { name: 'reader', scopes: ['policies:read'] },
    });
    const reader = (await json<{ data: { key: string } }>(noScope)).data.key;
    await expectProblem(
      await send(`/v1/workspaces/${ws}/access/v1/evaluation`, reader, check),
      403,
      'forbidden',
    );
    await expectProblem(
      await send(`/v1/workspaces/${ws}/access/v1/evaluation`, 'vk_notakey_0123456789abcdef', check),
      401,
      'unauthorized',
    );
    const other = await createWorkspace();
    await expectProblem(
      await send(`/v1/workspaces/${other.ws}/access/v1/evaluation`, pepKey, check),
      404,
      'not_found',
    );
    await expectProblem(
      await send('/access/v1/evaluation', pepKey, check, { 'x-verdict-workspace': other.ws }),
      404,
      'not_found',
    );
  });

  it('with an end-user token too, the token’s subject wins and a mismatch denies', async () => {
    // A workspace whose PEP also forwards the user's token (X-Verdict-Subject-Token).
    const w = await trustingWorkspace('pep', {
      provider: {
        claimMappings: [
          { jwtPath: 'roles', attribute: 'roles' },
          { jwtPath: 'email', attribute: 'email' },
        ],
      },
      policy: { ...todoUpdate, name: 'all' },
    });
    const key = await call('POST', `/v1/workspaces/${w.ws}/api-keys`, {
      key: w.adminKey,
      body: { name: 'pep', scopes: ['authzen:pep'] },
    });
    const k = (await json<{ data: { key: string } }>(key)).data.key;
    const token = await sign(w.idp, {
      sub: 'morty@the-citadel.com',
      roles: ['editor'],
      email: 'morty@the-citadel.com',
      aud: 'verdict',
    });
    const path = `/v1/workspaces/${w.ws}/access/v1/evaluation`;
    const same = await send(path, k, check, { 'x-verdict-subject-token': token });
    expect(await same.json()).toEqual({ decision: true });
    const mismatch = await send(
      path,
      k,
      { ...check, subject: { type: 'user', id: 'rick@the-citadel.com' } },
      {
        'x-verdict-subject-token': token,
      },
    );
    expect(await mismatch.json()).toMatchObject({ decision: false });
    // Without the token, this workspace has no subject source: the PEP's properties are all there is.
    const bare = await send(path, k, check);
    expect(await bare.json()).toEqual({ decision: false });
    const withProps = await send(path, k, {
      ...check,
      subject: { ...check.subject, properties: { roles: ['editor'], email: 'morty@the-citadel.com' } },
    });
    expect(await withProps.json()).toEqual({ decision: false }); // no mapping in this workspace yet
    const patched = await call('PATCH', `/v1/workspaces/${w.ws}`, {
      key: w.adminKey,
      body: { pepSubjects: { claimMappings: pepSubjects.claimMappings } },
    });
    expect(patched.status).toBe(200);
    const mapped = await send(path, k, {
      ...check,
      subject: { ...check.subject, properties: { roles: ['editor'], email: 'morty@the-citadel.com' } },
    });
    expect(await mapped.json()).toEqual({ decision: true });
  });

  it('the audit event says the subject came from a PEP, and which key', async () => {
    const res = await send(`/v1/workspaces/${ws}/access/v1/evaluation`, pepKey, {
      ...check,
      options: { explain: true },
    });
    const body = await json<{ decision: boolean; context: { id: string } }>(res);
    expect(body.decision).toBe(true);
    const keys = await json<{ data: { id: string; name: string }[] }>(
      await call('GET', `/v1/workspaces/${ws}/api-keys`, { key: adminKey }),
    );
    const keyId = keys.data.find((k) => k.name === 'interop PEP')?.id;
    let row: { provider: string; input: string } | null = null;
    for (let i = 0; i < 80 && !row; i++) {
      row = await env.DB.prepare('SELECT provider, input FROM audit_events WHERE decision_id = ?')
        .bind(body.context.id)
        .first<{ provider: string; input: string }>();
      if (!row) await new Promise((r) => setTimeout(r, 200));
    }
    expect(row?.provider).toBe('authzen-pep');
    expect(JSON.parse(row?.input ?? '{}')).toMatchObject({
      pep: { keyId },
      attributes: { sub: 'morty@the-citadel.com', ext_roles: ['editor'], ext_email: 'morty@the-citadel.com' },
    });
  }, 20_000);
});
