// No suite depends on the hour it runs at. The suites whose policies read the clock
// (current_time, is_weekend, current_date…) give every decision its instant explicitly:
// authorize() takes `now`, /simulate takes `at`, and impact.test.ts decides its cases at
// fixed hours of a whole day (its shadow test once took Date.now(), and found nothing to
// count between 20:00 and 23:00 UTC). Here the Worker's clock is set, with vitest's fake
// Date, to hours across the day (20:00–24:00 UTC included) and to both DST changes of 2026
// (Europe and the US), and the time-dependent scenarios must come out the same at each.
//
// The fake clock is real for the Worker: tests and Worker share one isolate in the Workers
// pool, so Date.now() in src/ reads it; the first test checks that, so the matrix cannot
// pass vacuously, and its twin shows that a decision left to the clock does change with it.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { insertEvents } from '../../src/audit/store';
import { authorize } from '../../src/decision/authorize';
import { hoursPolicy } from '../fixtures/hours-policy';
import { call, createWorkspace, json } from '../helpers/api';
import { issuerUrl, registerIdp, sign, trustingWorkspace } from '../helpers/idp';

const H = 3_600_000;
const DAY = 24 * H;

/** Hours of the day (UTC), the evening the shadow test failed in, and the 2026 DST changes. */
const CLOCKS = [
  '2026-12-07T09:00:00Z',
  '2026-12-07T13:30:00Z',
  '2026-12-07T19:59:59Z',
  '2026-12-07T20:00:00Z',
  '2026-12-07T21:30:00Z',
  '2026-12-07T22:59:30Z',
  '2026-12-07T23:59:59Z',
  '2026-03-29T00:59:59Z', // Europe: 02:00 CET → 03:00 CEST at 01:00Z
  '2026-11-01T05:59:59Z', // US: 02:00 EDT → 01:00 EST at 06:00Z
];

/** impact.test.ts's pair, trimmed: v2 starts "after hours" at 18:00 and halves employees' limit. */
const V1 = hoursPolicy('20:00:00', 1000);
const V2 = hoursPolicy('18:00:00', 500);
const MAPPINGS = { claimMappings: [{ jwtPath: 'role', attribute: 'role' }] };

async function put(ws: string, key: string, path: string, body: unknown, status: number) {
  const res = await call('PUT', `/v1/workspaces/${ws}${path}`, { key, body });
  expect(res.status, await res.clone().text()).toBe(status);
}

/** A workspace trusting `idp` with `doc` bound to everything. */
async function workspaceWith(idp: string, doc: unknown) {
  const { ws, adminKey } = await createWorkspace();
  expect((await registerIdp(ws, adminKey, idp, MAPPINGS)).status).toBe(201);
  await put(ws, adminKey, '/policies/orders', doc, 201);
  await put(ws, adminKey, '/permissions', { resource: '*', action: '*', policies: ['orders'] }, 200);
  return { ws, adminKey };
}

/** Sets the Worker's clock (Date only; timers stay real and the clock moves on from there). */
function setClock(iso: string) {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(new Date(iso));
}

afterEach(() => {
  vi.useRealTimers();
});

/**
 * impact.test.ts's shadow scenario, as it now chooses its instants: A runs v1 with v2 as a
 * shadow, B runs v2; each case is decided in both at its own hour of the first whole day
 * after the attachment. Returns the shadow's report and the divergences counted directly.
 */
async function shadowScenario() {
  const a = await trustingWorkspace('clock', { provider: MAPPINGS });
  await put(a.ws, a.adminKey, '/policies/orders', V1, 201);
  await put(a.ws, a.adminKey, '/permissions', { resource: '*', action: '*', policies: ['orders'] }, 200);
  const b = await workspaceWith(a.idp, V2);
  await put(a.ws, a.adminKey, '/policies/orders/shadow', V2, 200);

  const day = Math.floor(Date.now() / DAY) * DAY + DAY;
  const claims = {
    aud: 'verdict',
    iss: issuerUrl(a.idp),
    iat: day / 1000 - 3600,
    exp: day / 1000 + 2 * 86_400,
  };
  const tokens = {
    manager: await sign(a.idp, { ...claims, sub: 'ann', role: 'manager' }),
    employee: await sign(a.idp, { ...claims, sub: 'bob', role: 'employee' }),
  };
  let diverged = 0;
  for (const who of ['manager', 'employee'] as const)
    for (const amount of [300, 700, 5000])
      for (const hour of [9, 13, 19, 21]) {
        const check = { resource: 'orders', action: 'approve', context: { amount } };
        const now = day + hour * H;
        const live = await authorize({ env, ws: a.ws, token: tokens[who], checks: [check], caller: {}, now });
        const draft = await authorize({
          env,
          ws: b.ws,
          token: tokens[who],
          checks: [check],
          caller: {},
          now,
        });
        if (!live.ok || !draft.ok) throw new Error('refused');
        await insertEvents(
          env.DB,
          live.events.map((e) => e.json),
        );
        if (live.decisions[0]?.ruleId !== draft.decisions[0]?.ruleId) diverged++;
      }
  return { diverged, a };
}

describe('the suites do not depend on the hour they run at', () => {
  it('the fake clock reaches the Worker: its default instants follow it', async () => {
    const { ws, adminKey } = await createWorkspace();
    for (const iso of ['2026-12-07T21:30:00Z', '2026-03-29T00:59:59Z']) {
      setClock(iso);
      const stats = await call('GET', `/v1/workspaces/${ws}/audit/stats`, { key: adminKey });
      const to = Date.parse((await json<{ data: { to: string } }>(stats)).data.to);
      expect(Math.abs(to - Date.parse(iso))).toBeLessThan(5_000);
      vi.useRealTimers();
    }
  });

  it('positive twin: a decision left to the clock does change with it (so the matrix has teeth)', async () => {
    const { ws, adminKey } = await createWorkspace();
    await put(ws, adminKey, '/policies/orders', V1, 201);
    await put(ws, adminKey, '/permissions', { resource: '*', action: '*', policies: ['orders'] }, 200);
    const at = async (iso: string) => {
      setClock(iso);
      const res = await call('POST', `/v1/workspaces/${ws}/simulate`, {
        key: adminKey,
        body: {
          resource: 'orders',
          action: 'approve',
          attributes: { ext_role: 'manager' },
          context: { amount: 1 },
        },
      });
      vi.useRealTimers();
      return (await json<{ data: { ruleId: string } }>(res)).data.ruleId;
    };
    expect(await at('2026-12-07T13:00:00Z')).toBe('managers');
    expect(await at('2026-12-07T21:00:00Z')).toBe('after_hours');
  });

  it.each(CLOCKS)('at %s the time-dependent scenarios come out the same', async (clock) => {
    setClock(clock);
    // impact.test.ts › shadow policies: decisions at explicit hours, whatever the clock says.
    const { diverged, a } = await shadowScenario();
    // 19:00 for everyone (6), and the employee's 700 at 09:00 and 13:00 (2).
    expect(diverged).toBe(8);
    const report = await call('GET', `/v1/workspaces/${a.ws}/policies/orders/shadow`, { key: a.adminKey });
    const sh = (await json<{ data: { evaluated: number; diverged: number } }>(report)).data;
    expect(sh).toMatchObject({ evaluated: 24, diverged });
    // policies.test.ts: simulate with an explicit `at` (business hours on a Wednesday).
    const simulated = await call('POST', `/v1/workspaces/${a.ws}/simulate`, {
      key: a.adminKey,
      body: {
        resource: 'orders',
        action: 'approve',
        attributes: { ext_role: 'manager' },
        context: { amount: 1 },
        at: '2026-11-18T19:30:00Z',
      },
    });
    expect((await json<{ data: { ruleId: string } }>(simulated)).data.ruleId).toBe('managers');
  });
});
