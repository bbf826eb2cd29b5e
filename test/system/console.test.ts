/// <reference types="node" />
// The console in a real Chromium (playwright-core + the distribution's chromium) against
// `wrangler dev` (the Worker and its static assets) and a loopback IdP that really signs
// tokens. A new workspace walks the seed tutorial's console steps: the Clerk-type provider
// with the three claim mappings, a pasted token showing ext_role, order_approval written
// and bound to orders/approve, the employee $500 / $5,000 and manager $15,000 cases in the
// playground, the three decisions in the audit page, the finance rule as v2, the diff and
// a rollback. Error paths: a bad issuer, an invalid policy with its inline pointer, a key
// without scopes. Every page runs under the CSP with no violation, no page error and no
// request to another origin, and passes axe-core's accessibility rules. Screenshots land
// in test/system/screenshots/.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp } from '../fixtures/idp-server';
import { financeHighValueRule, orderApprovalPolicy, seedClaimMappings } from '../fixtures/seed';
import { launchBrowser } from './browser';
import { startDevServer } from './dev-server';

const SHOTS = join(import.meta.dirname, 'screenshots');
const WS = 'console-e2e';

let server: { port: number; stop: () => Promise<void> };
let idp: { base: string; close: () => Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
let origin: string;
let adminKey: string;
const issuer = () => `${idp.base}/i/clerk-console`;

const foreign: string[] = [];
const violations: string[] = [];
const pageErrors: string[] = [];
/** Errors in the browser's console (a failed request logs one), with the console route shown then. */
const consoleErrors: { route: string; text: string; url: string }[] = [];

async function sign(claims: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${issuer()}/sign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ claims }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function api(method: string, path: string, key: string, body?: unknown): Promise<Response> {
  return fetch(`${origin}/v1/workspaces/${WS}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The UI answers asynchronously (requests, debounced checks, the audit queue): wait for it. */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 200 });

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function signIn(key: string) {
  await page.goto(`${origin}/console`);
  // Keyboard only: the form is reachable and submits with Enter.
  await page.getByLabel('Workspace').focus();
  await page.keyboard.type(WS);
  await page.keyboard.press('Tab');
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function nav(title: string) {
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: title, exact: true })
    .click();
}

/** Replaces the policy editor's text (CodeMirror in the page's shadow root; Playwright pierces it). */
async function setEditor(text: string) {
  const content = page.locator('.cm-content').first();
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

const SEED_POLICY = orderApprovalPolicy;
const withFinance = {
  ...SEED_POLICY,
  specification: {
    ...SEED_POLICY.specification,
    rules: [...SEED_POLICY.specification.rules, financeHighValueRule],
  },
};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [server, idp, browser] = await Promise.all([startDevServer(), startIdp(), launchBrowser()]);
  origin = `http://localhost:${server.port}`;
  const res = await fetch(`${origin}/v1/workspaces`, {
    method: 'POST',
    headers: { authorization: 'Bearer dev-root-key', 'content-type': 'application/json' },
    body: JSON.stringify({ id: WS, name: 'Console journey' }),
  });
  expect(res.status).toBe(201);
  adminKey = ((await res.json()) as { data: { apiKey: { key: string } } }).data.apiKey.key;

  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin || url.protocol === 'data:') return route.continue();
    foreign.push(url.href);
    return route.abort();
  });
  page = await context.newPage();
  page.on('console', (msg) => {
    if (/Content[- ]Security[- ]Policy/i.test(msg.text())) violations.push(msg.text());
    if (msg.type() === 'error')
      consoleErrors.push({ route: new URL(page.url()).hash, text: msg.text(), url: msg.location().url });
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await idp?.close();
  await server?.stop();
});

describe('the console', () => {
  it('is served with a CSP that allows this origin only', async () => {
    const res = await fetch(`${origin}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|unsafe-inline|unsafe-eval/);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const path = src[1] ?? '';
      if (path.startsWith('data:')) continue;
      expect(path.startsWith('/'), path).toBe(true);
      expect((await fetch(`${origin}${path}`)).status, path).toBe(200);
    }
  });

  it('signs in with a workspace key kept in sessionStorage only, never in the URL', async () => {
    await signIn(adminKey);
    expect(page.url()).not.toContain(adminKey);
    // Expressions evaluated in the page (its globals, not Node's).
    const storage = {
      session: await page.evaluate<string>('JSON.stringify(sessionStorage)'),
      local: await page.evaluate<string>('JSON.stringify(localStorage)'),
    };
    expect(storage.session).toContain(adminKey);
    expect(storage.local).not.toContain(adminKey);
    await page.getByRole('heading', { name: 'Auth providers' }).waitFor();
  });

  it('refuses a bad issuer with the problem document’s title and detail', async () => {
    const bad = `${idp.base}/not-an-issuer`;
    const expected = (await (
      await api('POST', '/auth-providers', adminKey, { name: 'Clerk', type: 'clerk', issuer: bad })
    ).json()) as { title: string; detail: string };
    await page.getByRole('button', { name: 'New provider' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Clerk');
    await page.getByLabel('Issuer URL').fill(bad);
    await page.getByRole('button', { name: 'Register provider' }).click();
    const alert = page.getByRole('alert');
    await poll(() => alert.textContent()).toContain(expected.title);
    expect(await alert.textContent()).toContain(expected.detail);
    await shot('providers-bad-issuer');
  });

  it('registers the Clerk-type provider with the seed’s three claim mappings and shows discovery', async () => {
    await page.getByLabel('Issuer URL').fill(issuer());
    const mappings = [
      ['role', 'role', 'employee'], // a plain word is that string: no JSON quotes needed
      ['department', 'department', ''],
      ['approval_limit', 'approval_limit', '0'],
    ];
    for (const [i, [path, attribute, fallback]] of mappings.entries()) {
      await page.getByRole('button', { name: 'Add mapping' }).click();
      await page.getByLabel(`JWT path ${i + 1}`).fill(path!);
      await page.getByLabel(`Attribute ${i + 1}`).fill(attribute!);
      await page.getByLabel(`Default ${i + 1}`).fill(fallback!);
    }
    // The preview reads the defaults as stored: the word as a string, 0 as a number.
    await page.getByText('As JSON (the seed’s format)').click();
    const preview = page.getByRole('group', { name: 'Claim mappings' }).locator('pre.json');
    expect(JSON.parse((await preview.textContent()) ?? '')).toEqual(seedClaimMappings);
    await page.getByRole('button', { name: 'Register provider' }).click();
    const done = page.getByRole('status').filter({ hasText: 'Registered Clerk' });
    await done.waitFor();
    expect(await done.textContent()).toContain(`${issuer()}/jwks`);
    // The list below shows the new provider at once (before Done), not "No provider yet.".
    await page.getByRole('article', { name: 'Provider Clerk' }).waitFor();
    expect(await page.getByText('No provider yet.').count()).toBe(0);
    await done.getByRole('button', { name: 'Done' }).click();
    const stored = (await (await api('GET', '/auth-providers', adminKey)).json()) as {
      data: { type: string; claimMappings: unknown[] }[];
    };
    expect(stored.data).toHaveLength(1);
    expect(stored.data[0]?.type).toBe('clerk');
    expect(stored.data[0]?.claimMappings).toEqual(seedClaimMappings);
  });

  it('edits a provider without dropping the settings the form does not show', async () => {
    const list = (await (await api('GET', '/auth-providers', adminKey)).json()) as {
      data: (Record<string, unknown> & { id: string })[];
    };
    const { id, resolvedJwksUri: _r, keyFormat: _k, hasHsSecret: _h, ...input } = list.data[0]!;
    const pinned = { ...input, algorithms: ['RS256'], maxTokenAgeSec: 3600 };
    expect((await api('PUT', `/auth-providers/${id}`, adminKey, pinned)).status).toBe(200);
    await page.reload();
    await page.getByRole('article', { name: 'Provider Clerk' }).getByRole('button', { name: 'Edit' }).click();
    // Defaults come back as they are typed: the string bare, the number as JSON.
    expect(await page.getByLabel('Default 1').inputValue()).toBe('employee');
    expect(await page.getByLabel('Default 3').inputValue()).toBe('0');
    await page.getByLabel('Audiences').fill('verdict-console');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Registered Clerk' })
      .getByRole('button', { name: 'Done' })
      .click();
    const after = (await (await api('GET', `/auth-providers/${id}`, adminKey)).json()) as { data: unknown };
    expect(after.data).toMatchObject({
      audiences: ['verdict-console'],
      algorithms: ['RS256'],
      maxTokenAgeSec: 3600,
      claimMappings: seedClaimMappings,
    });
    const restored = { ...input, audiences: [] };
    expect((await api('PUT', `/auth-providers/${id}`, adminKey, restored)).status).toBe(200);
    await page.reload();
  });

  it('checks a pasted token: ext_role for a good one, the reason for an expired one, and never shows it', async () => {
    const card = page.getByRole('article', { name: 'Provider Clerk' });
    const token = await sign({ sub: 'user_manager', role: 'manager' });
    await card.getByLabel('Paste a token').fill(token);
    await card.getByRole('button', { name: 'Check token' }).click();
    const accepted = card.getByRole('status', { name: 'Token accepted' });
    await accepted.waitFor();
    const text = (await accepted.textContent()) ?? '';
    expect(text).toContain('ext_role');
    expect(text).toContain('"manager"');
    expect(text).toContain('ext_approval_limit'); // the default, 0
    expect(await card.getByLabel('Paste a token').inputValue()).toBe('');
    expect(await page.content()).not.toContain(token);
    await shot('providers');

    const expired = await sign({ sub: 'user_manager', exp: Math.floor(Date.now() / 1000) - 3600 });
    await card.getByLabel('Paste a token').fill(expired);
    await card.getByRole('button', { name: 'Check token' }).click();
    await poll(() => card.getByRole('alert', { name: 'Token refused' }).textContent()).toContain(
      'token_expired',
    );
    expect(await page.content()).not.toContain(expired);
  });

  it('shows an invalid policy’s error inline at the condition it names, then saves the seed policy', async () => {
    await nav('Policies');
    await page.getByLabel('New policy named').fill('order_approval');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.locator('.cm-content').first().waitFor();
    const invalid = structuredClone(SEED_POLICY);
    (invalid.specification.rules[1]!.conditions[0] as { function: string }).function = 'integer_less_equals';
    await setEditor(JSON.stringify(invalid, null, 2));
    await page.getByRole('button', { name: 'Save policy' }).click();
    const alert = page.getByRole('alert');
    await poll(() => alert.textContent()).toContain('specification.rules.1.conditions.0.function');
    // The same pointer, in the editor: the marked range is that condition's function.
    await poll(() =>
      page
        .locator('.cm-lintRange-error')
        .allTextContents()
        .then((t) => t.join(' ')),
    ).toContain('integer_less_equals');
    await shot('policy-invalid');

    await setEditor(JSON.stringify(SEED_POLICY, null, 2));
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved v1' }).waitFor();
  });

  it('binds order_approval to orders/approve', async () => {
    await nav('Permissions & routes');
    await page.getByLabel('Resource', { exact: true }).fill('orders');
    await page.getByLabel('Action', { exact: true }).fill('approve');
    await page.getByLabel('Policies to bind').selectOption('order_approval');
    await page.getByRole('button', { name: 'Save permission' }).click();
    const table = page.getByRole('table', { name: 'Permissions' });
    await poll(() => table.textContent()).toContain('order_approval');
    await shot('permissions');
    // Edit → Save writes the same binding back (the form carries only the binding's fields).
    await table.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('button', { name: 'Save permission' }).click();
    await poll(() => api('GET', '/permissions', adminKey).then((r) => r.json())).toMatchObject({
      data: [{ resource: 'orders', action: 'approve', policies: ['order_approval'] }],
    });
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  const decided: string[] = [];
  const cases = [
    {
      who: 'employee',
      claims: { sub: 'user_employee', role: 'employee', approval_limit: 1000 },
      amount: 500,
      want: ['Allow', 'within-limit'],
    },
    {
      who: 'employee',
      claims: { sub: 'user_employee', role: 'employee', approval_limit: 1000 },
      amount: 5000,
      want: ['Deny', 'deny'],
    },
    {
      who: 'manager',
      claims: { sub: 'user_manager', role: 'manager' },
      amount: 15000,
      want: ['Allow', 'manager-unlimited'],
    },
  ] as const;

  it('decides the seed’s three cases in the playground with real tokens, with their traces', async () => {
    await nav('Playground');
    await page.getByLabel('A token').check();
    let token = '';
    for (const c of cases) {
      // The employee's $5,000 case reuses the token kept from the $500 one: the field is not refilled.
      if (c.amount !== 5000) {
        token = await sign(c.claims);
        await page.getByLabel('Token', { exact: true }).fill(token);
      }
      await page.getByLabel('Context (JSON)').fill(JSON.stringify({ amount: c.amount }));
      await page.getByRole('button', { name: 'Decide' }).click();
      const recorded = page.getByRole('status').filter({ hasText: 'Recorded as decision' });
      await recorded.waitFor();
      const live = page.getByRole('region', { name: 'Live decision' });
      await poll(() => live.textContent()).toContain(c.want[1]);
      expect(await live.textContent()).toContain(c.want[0]);
      expect(await recorded.textContent()).toContain(c.want[0]);
      // The token stays in its field for the next Decide, and is never in the page's markup.
      expect(await page.getByLabel('Token', { exact: true }).inputValue()).toBe(token);
      expect(await page.content()).not.toContain(token);
      decided.push((await recorded.locator('code').first().textContent()) ?? '');
      if (c.amount === 5000) await shot('playground');
      await recorded.evaluate((el) => el.remove()); // the next case waits for its own
    }
    expect(new Set(decided).size).toBe(3);

    // An empty token is explained in plain words (and nothing is sent), not a schema error.
    await page.getByLabel('Token', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Decide' }).click();
    const alert = page.getByRole('alert');
    await poll(() => alert.textContent()).toContain('Paste a token first');
    expect(await alert.textContent()).not.toMatch(/invalid|schema|body|token:/i);
    expect(await page.getByRole('status').filter({ hasText: 'Recorded as decision' }).count()).toBe(0);
  });

  it('compares the live policy with a draft for claims (simulated, not audited)', async () => {
    await page.getByLabel('JWT claims').check();
    await page
      .getByLabel('Claims (JSON)')
      .fill(JSON.stringify({ sub: 'user_finance', department: 'finance', approval_limit: 1000 }));
    await page.getByLabel('Context (JSON)').fill(JSON.stringify({ amount: 12000 }));
    await page.getByLabel('Also decide against a draft policy').check();
    await page.locator('.cm-content').first().waitFor();
    await poll(() => page.locator('.cm-content').first().textContent()).toContain('within-limit');
    await setEditor(JSON.stringify(withFinance, null, 2));
    await page.getByRole('button', { name: 'Decide' }).click();
    const draft = page.getByRole('region', { name: 'Draft decision' });
    await poll(() => draft.textContent()).toContain('finance-high-value');
    expect(await page.getByRole('region', { name: 'Live decision' }).textContent()).toContain('Deny');
  });

  it('shows the three decisions in the audit page', { timeout: 90_000 }, async () => {
    await nav('Audit');
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    // The audit trail lags by the queue's batch (≤ 5 s locally): refresh until all three are there.
    const events = page.getByRole('region', { name: 'Decisions', exact: true });
    const shown = async () => {
      let n = 0;
      for (const id of decided) n += await events.getByRole('button', { name: `Details ${id}` }).count();
      return n;
    };
    for (let i = 0; i < 30 && (await shown()) < decided.length; i++) {
      await page.waitForTimeout(1000);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    expect(await shown()).toBe(3);
    // A minutes-old workspace has nothing in the archive: no warning for the open range.
    const archived = page.getByText('older decisions are only in the archive');
    expect(await archived.count()).toBe(0);
    await shot('audit');
    // Export: NDJSON with every event of the filter (here: all), downloaded from the page.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export NDJSON' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('audit.ndjson');
    const exported = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { decisionId: string }).decisionId);
    expect(exported.sort()).toEqual([...decided].sort());
    await page.goto(`${origin}/console/#/audit/${decided[1]}`);
    const detail = page.getByRole('region', { name: `Decision ${decided[1]}` });
    await poll(() => detail.textContent()).toContain('default_applied');
    await shot('audit-detail');
  });

  it('warns that older decisions are in the archive only when the range starts before the hot window', async () => {
    await nav('Audit');
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    /** A datetime-local value (the browser's local time, as this machine's) `ms` ago. */
    const ago = (ms: number) => {
      const d = new Date(Date.now() - ms);
      const p2 = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}`;
    };
    const archived = page.getByText('older decisions are only in the archive');
    const events = page.getByRole('region', { name: 'Decisions', exact: true });
    await events.getByRole('button', { name: `Details ${decided[0]}` }).waitFor();
    expect(await archived.count()).toBe(0); // the open range starts when the workspace was created
    await page.getByLabel('From', { exact: true }).fill(ago(3_600_000));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForLoadState('networkidle');
    await events.getByRole('button', { name: `Details ${decided[0]}` }).waitFor();
    expect(await archived.count()).toBe(0);
    await page.getByLabel('From', { exact: true }).fill(ago(400 * 86_400_000)); // before the 90-day hot window
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await archived.waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await poll(() => archived.count()).toBe(0);
  });

  it('saves the finance rule as v2, shows the diff, and rolls back to v1', async () => {
    await nav('Policies');
    await page.getByRole('link', { name: 'order_approval' }).click();
    await poll(() => page.locator('.cm-content').first().textContent()).toContain('within-limit');
    await setEditor(JSON.stringify(withFinance, null, 2));
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved v2' }).waitFor();
    const diff = page.getByRole('region', { name: 'Changes from v1 to v2' });
    await poll(() =>
      diff
        .locator('.add')
        .allTextContents()
        .then((t) => t.join('\n')),
    ).toContain('finance-high-value');
    await shot('policy-versions');

    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    const versions = page.getByRole('complementary', { name: 'Version history' });
    await poll(() => versions.locator('tr.selected').textContent()).toContain('v1');
    await poll(() => page.locator('.cm-content').first().textContent()).not.toContain('finance-high-value');
    const live = (await (await api('GET', '/policies/order_approval', adminKey)).json()) as {
      data: { version: number; latestVersion: number };
    };
    expect(live.data).toMatchObject({ version: 1, latestVersion: 2 });
  });

  it('is readable at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await nav('Playground');
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await shot('playground-phone');

    // The version diff: inside the screen, and no line cut off (they wrap, or the box scrolls
    // sideways and takes the keyboard focus to do so).
    await nav('Policies');
    await page.getByRole('link', { name: 'order_approval' }).click();
    const diff = page.getByRole('region', { name: 'Changes from v1 to v2' });
    await poll(() => diff.locator('.add').count()).toBeGreaterThan(0);
    const box = await diff.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 391).toBe(true);
    expect(
      await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(1);
    const size = await diff.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    const sideways = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('section.diff')).overflowX`,
    );
    // Wrapped to the box's width, or a box that scrolls sideways (focusable, below).
    expect(size.scroll <= size.client + 1 || /auto|scroll/.test(sideways)).toBe(true);
    expect(await diff.getAttribute('tabindex')).toBe('0');
    await shot('policy-versions-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('hides what a key’s scopes cannot do, and the server still refuses it', async () => {
    const created = (await (
      await api('POST', '/api-keys', adminKey, { name: 'reader', scopes: ['policies:read', 'audit:read'] })
    ).json()) as { data: { key: string } };
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate<string>('JSON.stringify(sessionStorage)')).not.toContain(adminKey);
    await signIn(created.data.key);
    const links = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();
    expect(links).toContain('Policies');
    expect(links).toContain('Audit');
    expect(links).not.toContain('Providers');
    expect(links).not.toContain('API keys');
    expect(links).not.toContain('Revocations');
    await nav('Policies');
    await page.getByRole('link', { name: 'order_approval' }).click();
    await page.locator('.cm-content').first().waitFor();
    expect(await page.getByRole('button', { name: 'Save policy' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    // Hidden is not enforced: the server refuses the same write with this key.
    const refused = await api('PUT', '/policies/order_approval', created.data.key, SEED_POLICY);
    expect(refused.status).toBe(403);
    await shot('scoped-key');
  });

  it('edits the gateway route map', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(adminKey);
    await nav('Permissions & routes');
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByLabel('Method 1').fill('POST');
    await page.getByLabel('Path 1').fill('/orders/:id/approve');
    await page.getByLabel('Resource 1').fill('orders');
    await page.getByLabel('Action 1').fill('approve');
    await page.getByRole('button', { name: 'Save route map' }).click();
    await page.getByRole('status').filter({ hasText: 'Route map saved' }).waitFor();
    const ws = (await (await api('GET', '', adminKey)).json()) as { data: { routeMap: unknown[] } };
    expect(ws.data.routeMap).toEqual([
      { method: 'POST', path: '/orders/:id/approve', resource: 'orders', action: 'approve' },
    ]);
  });

  // The draft drops manager-unlimited: of the three audited decisions, the manager's $15,000
  // flips Allow → Deny and the two employee decisions are unchanged.
  const noManagerRule = {
    ...SEED_POLICY,
    specification: { ...SEED_POLICY.specification, rules: SEED_POLICY.specification.rules.slice(1) },
  };

  it('replays a draft over the audited decisions: one Allow → Deny, explained', async () => {
    await nav('Impact & shadow');
    await page.getByLabel('Policy', { exact: true }).selectOption('order_approval');
    await poll(() => page.locator('.cm-content').first().textContent()).toContain('manager-unlimited');
    await setEditor(JSON.stringify(noManagerRule, null, 2));
    await page.getByLabel('Window', { exact: true }).selectOption({ label: 'Last hour' });
    await page.getByRole('button', { name: 'Run replay' }).click();
    const result = page.getByRole('region', { name: 'Replay result' });
    await result.waitFor();
    const stat = async (label: string) =>
      (await result.locator('dl.stats div').filter({ hasText: label }).locator('dd').textContent())?.trim();
    expect(await stat('Considered')).toBe('3');
    expect(await stat('Unchanged')).toBe('2');
    expect(await stat('Allow → Deny')).toBe('1');
    expect(await stat('Deny → Allow')).toBe('0');
    expect(await result.textContent()).toContain('user_manager');
    await shot('impact');

    // The same replay as a background job (the queue consumer runs it): same counts.
    await page.getByLabel(/Run as a background job/).check();
    const [accepted] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/impact') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Run replay' }).click(),
    ]);
    expect(accepted.status()).toBe(202);
    await poll(() => stat('Allow → Deny')).toBe('1');
    expect(await stat('Considered')).toBe('3');
    expect(await stat('Unchanged')).toBe('2');
  });

  it('runs the draft as a shadow, shows the divergence, and promotes it', async () => {
    const errorsBefore = consoleErrors.length;
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Attach draft as shadow' }).click();
    await page.getByRole('status').filter({ hasText: 'Attached the draft' }).waitFor();
    // A real decision the shadow answers differently (the live answer is unchanged).
    const res = await fetch(`${origin}/v1/workspaces/${WS}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: await sign({ sub: 'user_manager', role: 'manager' }),
        resource: 'orders',
        action: 'approve',
        context: { amount: 15000 },
      }),
    });
    expect(((await res.json()) as { data: { decision: string } }).data.decision).toBe('Allow');
    const diverged = async () => {
      await page.getByRole('button', { name: 'Refresh shadow' }).click();
      await page.waitForTimeout(500);
      return (await page.locator('main').textContent()) ?? '';
    };
    await expect.poll(diverged, { timeout: 30_000, interval: 1000 }).toMatch(/Diverged\s*1/);
    await shot('shadow');
    await page.getByRole('button', { name: 'Promote shadow' }).click();
    await page.getByRole('status').filter({ hasText: 'Promoted' }).waitFor();
    // Promoted: no shadow is left, and the page says so without asking (that would be a 404).
    await page.getByText('No shadow attached.').waitFor();
    await page.waitForLoadState('networkidle');
    expect(consoleErrors.slice(errorsBefore)).toEqual([]);
    const live = (await (await api('GET', '/policies/order_approval', adminKey)).json()) as {
      data: { version: number; source: unknown };
    };
    expect(live.data.version).toBe(3);
    expect(JSON.stringify(live.data.source)).not.toContain('manager-unlimited');
  });

  it('creates a key whose secret is shown once, and revokes it', async () => {
    await nav('API keys');
    await page.getByLabel('Key name').fill('ci-reader');
    await page.getByLabel('audit:read', { exact: true }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByLabel('New key secret').inputValue();
    expect(secret).toMatch(/^vk_/);
    expect((await api('GET', '/whoami', secret)).status).toBe(200);
    await page.getByRole('status', { name: 'New API key' }).getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(secret);
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Revoke ci-reader' }).click();
    await poll(() => api('GET', '/whoami', secret).then((r) => r.status)).toBe(401);
  });

  it('revokes a subject (its tokens are refused) and lifts it', async () => {
    await nav('Revocations');
    await page.getByLabel('Kind').selectOption('sub');
    await page.getByLabel('Value', { exact: true }).fill('user_employee');
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    const lift = page.getByRole('button', { name: 'Unrevoke sub user_employee' });
    await lift.waitFor();
    const token = await sign({ sub: 'user_employee', role: 'employee', approval_limit: 1000 });
    const check = () =>
      fetch(`${origin}/v1/workspaces/${WS}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, resource: 'orders', action: 'approve', context: { amount: 1 } }),
      }).then(async (r) => `${r.status} ${((await r.json()) as { reason?: string }).reason ?? ''}`);
    await poll(check).toBe('401 token_revoked');
    await lift.click();
    await poll(check).toMatch(/^200/);
  });

  it('imports records and browses them as an end user, who sees only their own', async () => {
    const owner = {
      name: 'owner_reads',
      specification: {
        rules: [
          {
            rule_id: 'signed-in',
            effect: 'Allow',
            conditions: [{ function: 'is_present', attribute: 'sub' }],
          },
        ],
        default: { rule_id: 'deny', effect: 'Deny' },
      },
    };
    const own = {
      name: 'own_record',
      specification: {
        rules: [
          {
            rule_id: 'owner',
            effect: 'Allow',
            conditions: [
              { function: 'string_equal', attribute: 'record.owner', value_from_attribute: 'sub' },
            ],
          },
        ],
        default: { rule_id: 'deny', effect: 'Deny' },
      },
    };
    for (const policy of [owner, own])
      expect((await api('PUT', `/policies/${policy.name}`, adminKey, policy)).ok).toBe(true);
    expect(
      (
        await api('PUT', '/permissions', adminKey, {
          resource: 'invoices',
          action: 'list',
          policies: ['owner_reads'],
        })
      ).ok,
    ).toBe(true);
    expect(
      (
        await api('PUT', '/permissions', adminKey, {
          resource: 'invoices',
          action: 'read',
          policies: ['own_record'],
        })
      ).ok,
    ).toBe(true);

    await nav('Records');
    await page.getByLabel('Import collection').fill('invoices');
    await page.getByLabel('Records (JSON)').fill(
      JSON.stringify({
        records: [
          { id: 'inv-1', data: { amount: 500 }, owner: 'user_employee' },
          { id: 'inv-2', data: { amount: 9000 }, owner: 'user_manager' },
        ],
      }),
    );
    await page.getByRole('button', { name: 'Import records' }).click();
    await page.getByRole('status').filter({ hasText: 'Imported 2 records into invoices' }).waitFor();

    const token = await sign({ sub: 'user_employee', role: 'employee', approval_limit: 1000 });
    await page.getByLabel('Collection', { exact: true }).fill('invoices');
    await page.getByLabel('End-user token').fill(token);
    await page.getByRole('button', { name: 'Query records' }).click();
    const result = page.getByRole('region', { name: /invoices: 1 record/ });
    await result.waitFor();
    expect(await result.textContent()).toContain('inv-1');
    expect(await result.textContent()).not.toContain('inv-2');
    expect(await page.getByLabel('End-user token').inputValue()).toBe('');
    expect(await page.content()).not.toContain(token);
    await shot('records');
  });

  it('passes axe-core’s accessibility rules on every page', async () => {
    // axe-core is evaluated through the DevTools protocol (not a script tag: the CSP refuses those).
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const pages = ['providers', 'policies', 'policies/order_approval', 'permissions', 'playground'];
    for (const route of [...pages, 'audit', 'impact', 'records', 'keys', 'revocations']) {
      await page.goto(`${origin}/console/#/${route}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      await page.evaluate(axe);
      const violations = await page.evaluate<string[]>(
        `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.impact + ' ' + v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
      );
      expect(violations, route).toEqual([]);
    }
  });

  it('logged no error in the browser console on the policy and impact pages', () => {
    // A new policy (before its first save), a shadow just attached or promoted: none is asked
    // for where the answer is a 404 (the browser logs every failed request). The failure meant
    // to happen there is the invalid policy refused on purpose (422). Left: opening the impact
    // page asks for the policy's shadow, a 404 while none is attached (the API has no other way
    // to say "no shadow").
    const path = (url: string) => (url ? new URL(url).pathname : '');
    const logged = consoleErrors.filter(
      (e) =>
        (/^#\/(policies|impact)/.test(e.route) || /\/policies(\/|$)/.test(path(e.url))) &&
        !/status of 422/.test(e.text) &&
        path(e.url) !== `/v1/workspaces/${WS}/policies/order_approval/shadow`,
    );
    expect(logged).toEqual([]);
  });

  it('ran every page without a CSP violation, a page error or a foreign request', () => {
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
