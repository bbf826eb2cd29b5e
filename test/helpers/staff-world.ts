// The records world both records e2e suites run against: an HR-style `staff` collection
// whose policy hides rows by department, confidentiality off the office network, embargo
// dates and salary above clearance, three users (sam, eve, boss), and rows carrying sort
// values of every kind. Both suites call setUpStaffWorld() in their beforeAll.
import { expect } from 'vitest';
import { call, createWorkspace, json } from './api';
import { registerIdp, sign } from './idp';

export type Page = {
  data: { id: string; data: Record<string, unknown> }[];
  page: { nextCursor: string | null; limit: number };
  meta: Record<string, unknown>;
};

const P = (name: string, rules: unknown[], def = 'Deny') => ({
  name,
  specification: { rules, default: { rule_id: 'default', effect: def } },
});

const policies = [
  P('hr_read', [
    {
      rule_id: 'own-department',
      effect: 'Allow',
      conditions: [
        { function: 'string_equal', attribute: 'record.department', value_from_attribute: 'ext_department' },
      ],
    },
    {
      rule_id: 'confidential-off-network',
      effect: 'Deny',
      conditions: [
        { function: 'boolean_equal', attribute: 'record.confidential', value: true },
        { function: 'ip_not_in_cidr', attribute: 'ip', value: ['10.0.0.0/8'] },
      ],
    },
    {
      // Time: rows under embargo until a future date are hidden; a malformed date is
      // indeterminate, so this Deny hides that row too (in lists and one by one alike).
      rule_id: 'embargoed',
      effect: 'Deny',
      conditions: [
        { function: 'date_before', attribute: 'current_date', value_from_attribute: 'record.release' },
      ],
    },
    {
      rule_id: 'above-clearance',
      effect: 'Deny',
      conditions: [
        {
          function: 'integer_greater_than',
          attribute: 'record.salary',
          value_from_attribute: 'ext_clearance',
        },
      ],
    },
  ]),
  P('anyone', [{ rule_id: 'anyone', effect: 'Allow', conditions: [] }]),
];

export let ws = '';
export let adminKey = '';
let idp = '';
const tokens: Record<string, string> = {};
export const ids: string[] = [];

export async function as(user: string, method: string, path: string, body?: unknown, ip?: string) {
  return call(method, `/v1/workspaces/${ws}/records${path}`, {
    headers: { authorization: `Bearer ${tokens[user]}`, ...(ip ? { 'cf-connecting-ip': ip } : {}) },
    ...(body === undefined ? {} : { body }),
  });
}

export async function query(user: string, collection: string, body: Record<string, unknown>, ip?: string) {
  const res = await as(user, 'POST', `/${collection}/query`, body, ip);
  expect(res.status, await res.clone().text()).toBe(200);
  return json<Page>(res);
}

export async function allPages(
  user: string,
  collection: string,
  body: Record<string, unknown>,
  limit: number,
  ip?: string,
) {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 200; i++) {
    const page = await query(
      user,
      collection,
      { ...body, page: { limit, ...(cursor ? { cursor } : {}) } },
      ip,
    );
    expect(page.meta.complete).toBe(true);
    seen.push(...page.data.map((r) => r.id));
    if (!page.page.nextCursor) return seen;
    cursor = page.page.nextCursor;
  }
  throw new Error('too many pages');
}

// Sort values of every kind: absent, null, numbers, booleans, unicode, long, lists, objects.
const SORT_VALUES: unknown[] = [
  undefined,
  null,
  0,
  -1.5,
  1e21,
  true,
  false,
  '',
  'a',
  'A',
  '東京',
  '€',
  '𝔄',
  'é',
  'e\u0301',
  'x'.repeat(1600),
  '東'.repeat(800),
  ['b', 1],
  { k: 'v' },
  '9',
  '10',
];

/** Creates the workspace, its policies and bindings, the three users' tokens and the rows. */
export async function setUpStaffWorld(): Promise<void> {
  const w = await createWorkspace();
  ws = w.ws;
  adminKey = w.adminKey;
  idp = `hid${Date.now()}`;
  const mappings = ['department', 'clearance'].map((a) => ({ jwtPath: a, attribute: a, required: false }));
  expect((await registerIdp(ws, adminKey, idp, { claimMappings: mappings })).status).toBe(201);
  for (const p of policies)
    expect(
      (await call('PUT', `/v1/workspaces/${ws}/policies/${p.name}`, { key: adminKey, body: p })).status,
    ).toBe(201);
  const bind = (resource: string, action: string, name: string) =>
    call('PUT', `/v1/workspaces/${ws}/permissions`, {
      key: adminKey,
      body: { resource, action, policies: [name] },
    });
  for (const [r, a, p] of [
    ['staff', 'read', 'hr_read'],
    ['staff', 'list', 'anyone'],
    ['staff', 'create', 'anyone'],
  ] as const)
    await bind(r, a, p);
  tokens.sam = await sign(idp, { sub: 'sam', aud: 'verdict', department: 'sales', clearance: 100000 });
  tokens.eve = await sign(idp, { sub: 'eve', aud: 'verdict', department: 'engineering', clearance: 80000 });
  tokens.boss = await sign(idp, { sub: 'boss', aud: 'verdict', department: 'sales', clearance: 10_000_000 });
  // 3 × SORT_VALUES rows across departments, confidentiality and salaries (some above clearance).
  let n = 0;
  for (const dept of ['sales', 'engineering', 'sales']) {
    for (const v of SORT_VALUES) {
      n++;
      const data: Record<string, unknown> = {
        department: dept,
        confidential: n % 4 === 0,
        salary: n % 5 === 0 ? 900000 + n : 40000 + n * 1000,
        n,
      };
      if (n % 7 === 0) data.release = ['2099-01-01', '2001-01-01', '2026-02-30'][(n / 7) % 3];
      if (v !== undefined) data.v = v;
      const res = await as('boss', 'POST', '/staff', { id: `s-${n}`, data });
      expect(res.status, await res.clone().text()).toBe(201);
      ids.push(`s-${n}`);
    }
  }
}

export async function readableOneByOne(user: string, ip?: string): Promise<Set<string>> {
  const ok = new Set<string>();
  for (const id of ids) {
    const res = await as(user, 'GET', `/staff/${id}`, undefined, ip);
    expect([200, 403]).toContain(res.status);
    if (res.status === 200) ok.add(id);
  }
  return ok;
}
