// Promoting a shadow never silently replaces a live version nobody compared it with: the
// promote happens only while the live version is still the one the shadow was attached
// beside (or the caller's expectedVersion); otherwise 409 naming both versions, and
// nothing is written. Every refusal has its positive twin.
import { env, exports } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { VerdictClient, VerdictError } from '../../sdk/src';
import { database } from '../../src/storage/db';
import { getPolicySummary, getPolicyVersion, insertPolicyVersionIf } from '../../src/storage/policies';
import { call, createWorkspace, expectProblem, json } from '../helpers/api';

const policy = (name: string, rule: string, effect: 'Allow' | 'Deny' = 'Allow') => ({
  name,
  specification: {
    rules: [{ rule_id: rule, effect, conditions: [] }],
    default: { rule_id: 'default', effect: 'Deny' },
  },
});

type Summary = { version: number; currentVersion: number; latestVersion: number };

let ws = '';
let key = '';
const path = (name: string, tail = '') => `/v1/workspaces/${ws}/policies/${name}${tail}`;
const put = async (name: string, rule: string) => {
  const res = await call('PUT', path(name), { key, body: policy(name, rule) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ data: Summary }>(res)).data;
};
const attach = async (name: string, rule: string) => {
  const res = await call('PUT', path(name, '/shadow'), { key, body: policy(name, rule, 'Deny') });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json<{ data: { liveVersion: number } }>(res)).data;
};
const promote = (name: string, body?: unknown) =>
  call('POST', path(name, '/shadow/promote'), body === undefined ? { key } : { key, body });
const live = async (name: string) => {
  const res = await call('GET', path(name), { key });
  expect(res.status).toBe(200);
  return (
    await json<{
      data: {
        version: number;
        latestVersion: number;
        source: { specification: { rules: { rule_id: string }[] } };
      };
    }>(res)
  ).data;
};
const shadowAttached = async (name: string) =>
  (await call('GET', path(name, '/shadow'), { key })).status === 200;

beforeEach(async () => {
  ({ ws, adminKey: key } = await createWorkspace());
});

describe('promote compares the live version the shadow was attached beside', () => {
  it('a draft attached at v1, promoted after v2 was written → 409 naming both versions; v2 stays live', async () => {
    await put('p', 'v1');
    expect((await attach('p', 'draft')).liveVersion).toBe(1);
    await put('p', 'v2');
    const problem = await expectProblem(await promote('p'), 409, 'conflict');
    expect(problem).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
    expect(String(problem.detail)).toMatch(/version 2.*version 1/);
    const now = await live('p');
    expect(now.version).toBe(2);
    expect(now.latestVersion).toBe(2);
    expect(now.source.specification.rules[0]?.rule_id).toBe('v2');
    expect(await shadowAttached('p')).toBe(true);
  });

  it('positive twin: promoted at the version it was attached beside → 201, the draft is live, the shadow detached', async () => {
    await put('p', 'v1');
    await attach('p', 'draft');
    const res = await promote('p');
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await json<{ data: Summary }>(res)).data.version).toBe(2);
    const now = await live('p');
    expect(now.version).toBe(2);
    expect(now.source.specification.rules[0]?.rule_id).toBe('draft');
    expect(await shadowAttached('p')).toBe(false);
  });

  it('a rollback since the attach is a different live version too → 409', async () => {
    await put('p', 'v1');
    await put('p', 'v2');
    expect((await attach('p', 'draft')).liveVersion).toBe(2);
    const rollback = await call('POST', path('p', '/rollback'), { key, body: { version: 1 } });
    expect(rollback.status).toBe(200);
    const problem = await expectProblem(await promote('p'), 409, 'conflict');
    expect(problem).toMatchObject({ expectedVersion: 2, currentVersion: 1 });
    expect((await live('p')).version).toBe(1);
  });

  it('an explicit expectedVersion is compared instead: the stale one → 409, the live one → 201', async () => {
    await put('p', 'v1');
    await attach('p', 'draft');
    await put('p', 'v2');
    expect(await expectProblem(await promote('p', { expectedVersion: 1 }), 409, 'conflict')).toMatchObject({
      expectedVersion: 1,
      currentVersion: 2,
    });
    expect(await expectProblem(await promote('p', { expectedVersion: 3 }), 409, 'conflict')).toMatchObject({
      expectedVersion: 3,
      currentVersion: 2,
    });
    const res = await promote('p', { expectedVersion: 2 });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await live('p')).source.specification.rules[0]?.rule_id).toBe('draft');
  });

  it('a malformed expectedVersion is a 400', async () => {
    await put('p', 'v1');
    await attach('p', 'draft');
    await expectProblem(await promote('p', { expectedVersion: 'one' }), 400, 'validation_failed');
    await expectProblem(await promote('p', { expected: 1 }), 400, 'validation_failed');
    expect(await shadowAttached('p')).toBe(true);
  });

  it('through the SDK: promoteShadow refuses a stale draft with the versions, and takes expectedVersion', async () => {
    const client = new VerdictClient({
      baseUrl: 'http://verdict.test',
      workspaceId: ws,
      apiKey: key,
      fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    });
    await put('p', 'v1');
    await client.attachShadow('p', policy('p', 'draft', 'Deny') as never);
    await put('p', 'v2');
    const err = await client.promoteShadow('p').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerdictError);
    expect((err as VerdictError).status).toBe(409);
    expect((err as VerdictError).problem).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
    const { data } = await client.promoteShadow('p', { expectedVersion: 2 });
    expect(data.version).toBe(3);
  });

  it('the version check and the write are one atomic step: a stale expectation writes nothing', async () => {
    await put('p', 'v1');
    await put('p', 'v2');
    const db = database(env.DB);
    const doc = policy('p', 'late');
    expect(await insertPolicyVersionIf(db, ws, 'p', 3, doc, Date.now(), 1)).toBe(false);
    expect(await getPolicyVersion(db, ws, 'p', 3)).toBeUndefined();
    expect(await getPolicySummary(db, ws, 'p')).toMatchObject({ currentVersion: 2, latestVersion: 2 });
    // Twin: with the live version it expects, it writes and moves the policy.
    expect(await insertPolicyVersionIf(db, ws, 'p', 3, doc, Date.now(), 2)).toBe(true);
    expect(await getPolicySummary(db, ws, 'p')).toMatchObject({ currentVersion: 3, latestVersion: 3 });
  });
});
