// Records enforced by the same policies down to the row, through the SDK.
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { VerdictClient, type VerdictError, type VerdictRecord } from '../../sdk/src';
import { call, createWorkspace } from '../helpers/api';
import { registerIdp, sign } from '../helpers/idp';

const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));
const P = (name: string, rules: unknown[], def = 'Deny') => ({
  name,
  specification: { rules, default: { rule_id: 'default', effect: def } },
});

const policies = [
  P('orders_read', [
    {
      rule_id: 'manager-sees-all',
      effect: 'Allow',
      conditions: [{ function: 'string_equal', attribute: 'ext_role', value: 'manager' }],
    },
    {
      rule_id: 'own-department',
      effect: 'Allow',
      conditions: [
        { function: 'string_equal', attribute: 'record.department', value_from_attribute: 'ext_department' },
      ],
    },
  ]),
  P('orders_list', [{ rule_id: 'anyone', effect: 'Allow', conditions: [] }]),
  P('orders_create', [
    {
      rule_id: 'own-department',
      effect: 'Allow',
      conditions: [
        { function: 'string_equal', attribute: 'record.department', value_from_attribute: 'ext_department' },
      ],
    },
  ]),
  P('orders_update', [
    {
      rule_id: 'manager',
      effect: 'Allow',
      conditions: [{ function: 'string_equal', attribute: 'ext_role', value: 'manager' }],
    },
    {
      rule_id: 'own-within-limit',
      effect: 'Allow',
      conditions: [
        { function: 'string_equal', attribute: 'record.owner', value_from_attribute: 'sub' },
        {
          function: 'integer_less_equal',
          attribute: 'record.amount',
          value_from_attribute: 'ext_approval_limit',
        },
      ],
    },
  ]),
  P('orders_delete', [
    {
      rule_id: 'manager',
      effect: 'Allow',
      conditions: [{ function: 'string_equal', attribute: 'ext_role', value: 'manager' }],
    },
  ]),
  P('tagged_read', [
    {
      rule_id: 'tag',
      effect: 'Allow',
      conditions: [
        { function: 'list_contains', attribute: 'record.tags', value_from_attribute: 'ext_department' },
      ],
    },
  ]),
];

let ws = '';
let idp = '';
let clients: Record<string, VerdictClient> = {};
const users = {
  sam: { sub: 'sam', role: 'employee', department: 'sales', approval_limit: 1000 },
  eve: { sub: 'eve', role: 'employee', department: 'engineering', approval_limit: 1000 },
  max: { sub: 'max', role: 'manager', department: 'sales', approval_limit: 100000 },
};

beforeAll(async () => {
  const w = await createWorkspace();
  ws = w.ws;
  idp = `rec${Date.now()}`;
  const mappings = ['role', 'department', 'approval_limit'].map((a) => ({
    jwtPath: a,
    attribute: a,
    required: false,
  }));
  expect((await registerIdp(ws, w.adminKey, idp, { claimMappings: mappings })).status).toBe(201);
  for (const p of policies)
    expect(
      (await call('PUT', `/v1/workspaces/${ws}/policies/${p.name}`, { key: w.adminKey, body: p })).status,
    ).toBe(201);
  for (const action of ['read', 'list', 'create', 'update', 'delete']) {
    await call('PUT', `/v1/workspaces/${ws}/permissions`, {
      key: w.adminKey,
      body: { resource: 'orders', action, policies: [`orders_${action}`] },
    });
  }
  await call('PUT', `/v1/workspaces/${ws}/permissions`, {
    key: w.adminKey,
    body: { resource: 'tagged', action: 'read', policies: ['tagged_read'] },
  });
  await call('PUT', `/v1/workspaces/${ws}/permissions`, {
    key: w.adminKey,
    body: { resource: 'tagged', action: 'list', policies: ['orders_list'] },
  });
  await call('PUT', `/v1/workspaces/${ws}/permissions`, {
    key: w.adminKey,
    body: { resource: 'tagged', action: 'create', policies: ['orders_list'] },
  });
  clients = {};
  for (const [name, claims] of Object.entries(users)) {
    clients[name] = new VerdictClient({
      baseUrl: 'http://verdict.test',
      workspaceId: ws,
      fetch: workerFetch,
      token: await sign(idp, { aud: 'verdict', ...claims }),
    });
  }
});

const c = (name: keyof typeof users) => clients[name] as VerdictClient;

async function allPages(
  client: VerdictClient,
  collection: string,
  query: { where?: Record<string, unknown>; sort?: string },
  limit: number,
) {
  const seen: VerdictRecord[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await client.queryRecords(collection, {
      ...query,
      page: { limit, ...(cursor ? { cursor } : {}) },
    });
    expect(page.meta.complete).toBe(true);
    expect(page.data.length).toBeLessThanOrEqual(limit);
    seen.push(...page.data);
    if (!page.page.nextCursor) break;
    cursor = page.page.nextCursor;
  }
  return seen;
}

describe('records', () => {
  it('two users in different departments each see only their own; a manager sees all', async () => {
    const a = await c('sam').createRecord('orders', { department: 'sales', amount: 300, status: 'pending' });
    const b = await c('eve').createRecord('orders', {
      department: 'engineering',
      amount: 700,
      status: 'pending',
    });
    expect(a.data.owner).toBe('sam');
    const forbidden = await c('sam')
      .createRecord('orders', { department: 'engineering', amount: 1 })
      .catch((e: unknown) => e);
    expect((forbidden as VerdictError).status).toBe(403);
    const samSees = (await c('sam').queryRecords('orders')).data.map((r) => r.id);
    const eveSees = (await c('eve').queryRecords('orders')).data.map((r) => r.id);
    const maxSees = (await c('max').queryRecords('orders')).data.map((r) => r.id);
    expect(samSees).toContain(a.data.id);
    expect(samSees).not.toContain(b.data.id);
    expect(eveSees).toContain(b.data.id);
    expect(eveSees).not.toContain(a.data.id);
    expect(maxSees).toEqual(expect.arrayContaining([a.data.id, b.data.id]));
    expect((await c('eve').getRecord('orders', b.data.id)).data.data.amount).toBe(700);
    expect(
      (
        (await c('sam')
          .getRecord('orders', b.data.id)
          .catch((e: unknown) => e)) as VerdictError
      ).status,
    ).toBe(403);
  });

  it('an employee cannot update an order above their limit; within it they can', async () => {
    const r = await c('sam').createRecord('orders', { department: 'sales', amount: 200 });
    const ok = await c('sam').updateRecord('orders', r.data.id, { amount: 900 }, { version: r.data.version });
    expect(ok.data.data.amount).toBe(900);
    const over = await c('sam')
      .updateRecord('orders', r.data.id, { amount: 5000 })
      .catch((e: unknown) => e);
    expect((over as VerdictError).status).toBe(403);
    expect((await c('sam').getRecord('orders', r.data.id)).data.data.amount).toBe(900);
    expect((await c('max').updateRecord('orders', r.data.id, { amount: 5000 })).data.data.amount).toBe(5000);
    // Above the limit now: the employee cannot even touch it.
    expect(
      (
        (await c('sam')
          .updateRecord('orders', r.data.id, { amount: 10 })
          .catch((e: unknown) => e)) as VerdictError
      ).status,
    ).toBe(403);
  });

  it('concurrent updates with a stale version get 412 and lose nothing', async () => {
    const r = await c('max').createRecord('orders', { department: 'sales', amount: 1, a: 0, b: 0 });
    const results = await Promise.allSettled([
      c('max').updateRecord('orders', r.data.id, { a: 1 }, { version: 1 }),
      c('max').updateRecord('orders', r.data.id, { b: 1 }, { version: 1 }),
    ]);
    const ok = results.filter((x) => x.status === 'fulfilled');
    const failed = results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason.status).toBe(412);
    const now = (await c('max').getRecord('orders', r.data.id)).data;
    expect(now.version).toBe(2);
    expect((now.data.a as number) + (now.data.b as number)).toBe(1);
    // A retry with the fresh version succeeds and keeps the winner's change.
    const retried = await c('max').updateRecord(
      'orders',
      r.data.id,
      { a: 1, b: 1 },
      { version: now.version },
    );
    expect(retried.data.data).toMatchObject({ a: 1, b: 1, amount: 1 });
    expect(
      (
        (await c('max')
          .deleteRecord('orders', r.data.id, { version: 1 })
          .catch((e: unknown) => e)) as VerdictError
      ).status,
    ).toBe(412);
  });

  it('paginated lists under filtering never leak or skip a record (vs a brute-force filter)', async () => {
    const depts = ['sales', 'engineering', 'support'];
    for (let i = 0; i < 45; i++) {
      const department = depts[i % 3] as string;
      const creator = department === 'sales' ? c('sam') : department === 'engineering' ? c('eve') : null;
      const data = { department, amount: (i * 37) % 1000, status: i % 4 === 0 ? 'approved' : 'pending' };
      if (creator) await creator.createRecord('orders', data);
      else
        await c('max')
          .createRecord('orders', data)
          .catch(() => c('max'));
    }
    const rows = await env.DB.prepare(
      "SELECT id, data FROM records WHERE workspace_id = ? AND collection = 'orders'",
    )
      .bind(ws)
      .all<{ id: string; data: string }>();
    const all = rows.results.map((r) => ({ id: r.id, ...JSON.parse(r.data) }));
    for (const [who, sort, where] of [
      ['sam', undefined, undefined],
      ['eve', '-amount', undefined],
      ['sam', 'amount', { status: 'pending' }],
      ['max', 'id', undefined],
    ] as const) {
      const dept = users[who].department;
      const expected = all
        .filter((r) => who === 'max' || r.department === dept)
        .filter((r) => !where || r.status === where.status)
        .map((r) => r.id)
        .sort();
      const got = await allPages(
        c(who),
        'orders',
        { ...(sort ? { sort } : {}), ...(where ? { where } : {}) },
        7,
      );
      expect(got.map((r) => r.id).sort()).toEqual(expected);
      expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
      if (sort === '-amount') {
        for (let i = 1; i < got.length; i++)
          expect(got[i - 1]?.data.amount as number).toBeGreaterThanOrEqual(got[i]?.data.amount as number);
      }
    }
    const viaQueryString = await call(
      'GET',
      `/v1/workspaces/${ws}/records/orders?where[status]=approved&sort=-amount&limit=50`,
      {
        headers: { authorization: `Bearer ${await sign(idp, { aud: 'verdict', ...users.sam })}` },
      },
    );
    const body = (await viaQueryString.json()) as { data: VerdictRecord[]; meta: { strategy: string } };
    expect(body.meta.strategy).toBe('sql');
    expect(body.data.every((r) => r.data.status === 'approved' && r.data.department === 'sales')).toBe(true);
  });

  it('a rule SQL cannot express falls back to scan-and-filter and says so', async () => {
    await c('sam').createRecord('tagged', { tags: ['sales', 'x'] }, { id: 'tag-sales' });
    await c('sam').createRecord('tagged', { tags: ['engineering'] }, { id: 'tag-eng' });
    const page = await c('sam').queryRecords('tagged');
    expect(page.meta.strategy).toBe('scan');
    expect(page.meta.untranslated).toEqual(['tagged_read/tag']);
    expect(page.data.map((r) => r.id)).toEqual(['tag-sales']);
  });

  it('select projects fields; bad names and cursors are 400s', async () => {
    const page = await c('sam').queryRecords('orders', { select: ['amount'], page: { limit: 3 } });
    expect(page.data.every((r) => Object.keys(r.data).every((k) => k === 'amount'))).toBe(true);
    expect(
      (
        (await c('sam')
          .queryRecords('orders', { page: { cursor: 'garbage' } })
          .catch((e: unknown) => e)) as VerdictError
      ).status,
    ).toBe(400);
    const bad = await call('GET', `/v1/workspaces/${ws}/records/Bad Name`, {
      headers: { authorization: 'Bearer x' },
    });
    expect(bad.status).toBe(400);
  });

  it("another workspace's records are indistinguishable from ids that exist nowhere", async () => {
    const r = await c('sam').createRecord('orders', { department: 'sales', amount: 1 });
    const other = await createWorkspace();
    const otherIdp = `rec-other${Date.now()}`;
    expect((await registerIdp(other.ws, other.adminKey, otherIdp)).status).toBe(201);
    const headers = { authorization: `Bearer ${await sign(otherIdp, { sub: 'sam', aud: 'verdict' })}` };
    const theirs = await call('GET', `/v1/workspaces/${other.ws}/records/orders/${r.data.id}`, { headers });
    const nowhere = await call('GET', `/v1/workspaces/${other.ws}/records/orders/never-created`, { headers });
    // No policy is bound in the other workspace: the policy answers first (403), for both.
    expect(theirs.status).toBe(403);
    expect(nowhere.status).toBe(theirs.status);
    // With a policy that allows reading, both are 404: the record is simply not there.
    const key = other.adminKey;
    await call('PUT', `/v1/workspaces/${other.ws}/policies/all`, {
      key,
      body: P('all', [{ rule_id: 'anyone', effect: 'Allow', conditions: [] }]),
    });
    await call('PUT', `/v1/workspaces/${other.ws}/permissions`, {
      key,
      body: { resource: 'orders', action: 'read', policies: ['all'] },
    });
    expect(
      (await call('GET', `/v1/workspaces/${other.ws}/records/orders/${r.data.id}`, { headers })).status,
    ).toBe(404);
  });
});
