/// <reference types="node" />
// The API reference at /docs, in a real Chromium against `wrangler dev` (the Worker with its
// static assets): it renders every operation of /openapi.json from this origin only — no
// request leaves for another host (it works offline) and the strict Content-Security-Policy
// reports no violation.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser';
import { startDevServer } from './dev-server';

let server: { port: number; stop: () => Promise<void> };
let browser: Browser;
let origin: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
  origin = `http://localhost:${server.port}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('/docs', () => {
  it('serves the page under a CSP that allows this origin only', async () => {
    const res = await fetch(`${origin}/docs`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|unsafe-inline|unsafe-eval/);
    const html = await res.text();
    for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const path = src[1] ?? '';
      expect(path.startsWith('/'), path).toBe(true);
      const asset = await fetch(`${origin}${path}`);
      expect(asset.status, path).toBe(200);
      await asset.arrayBuffer();
    }
  });

  it('renders every operation in Chromium without leaving the origin', async () => {
    const spec = (await (await fetch(`${origin}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const operations = Object.values(spec.paths).flatMap((item) => Object.keys(item)).length;
    expect(operations).toBeGreaterThan(30);

    const context = await browser.newContext();
    const page = await context.newPage();
    const foreign: string[] = [];
    const violations: string[] = [];
    const errors: string[] = [];
    // Anything not from this origin is refused and remembered: the page must not need it.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === origin || url.protocol === 'data:') return route.continue();
      foreign.push(url.href);
      return route.abort();
    });
    page.on('console', (msg) => {
      if (/Content[- ]Security[- ]Policy/i.test(msg.text())) violations.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));

    await page.goto(`${origin}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    const rendered = await page.locator('.opblock').count();
    expect(rendered).toBe(operations);
    await expect(page.locator('.info .title').textContent()).resolves.toContain('Verdict');

    expect(foreign).toEqual([]);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('"Try it out" on /authorize answers a decision with the token given to Authorize', async () => {
    const mint = await fetch(`${origin}/dev-idp/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'employee' }),
    });
    const { access_token: token } = (await mint.json()) as { access_token: string };
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/docs`);

    // The end-user JWT goes where the reference says: the endUserJwt scheme (a bearer header).
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    const scheme = dialog.locator('.auth-container', { hasText: 'endUserJwt' });
    await scheme.locator('input').fill(token);
    await scheme.locator('button', { hasText: /^Authorize$/ }).click();
    await dialog.locator('button.close-modal').click();

    const op = page.locator('[id$="-authorize"].opblock-post');
    await op.locator('.opblock-summary').click();
    // The reference opens every operation ready to try (tryItOutEnabled).
    await expect(op.locator('button.try-out__btn').textContent()).resolves.toContain('Cancel');
    await op.locator('tr[data-param-name="ws"] input').fill('demo');
    // The body is the documented example, unedited.
    const body = await op.locator('textarea.body-param__text').inputValue();
    expect(JSON.parse(body)).not.toHaveProperty('token');
    await op.locator('button.execute').click();

    const response = op.locator('.responses-wrapper .live-responses-table');
    await expect(response.locator('tr.response .response-col_status').textContent()).resolves.toContain(
      '200',
    );
    const answer = JSON.parse(
      (await response.locator('tr.response .microlight').first().textContent()) ?? '{}',
    );
    expect(answer.data).toMatchObject({ allowed: true, decision: 'Allow', ruleId: 'within-limit' });
    await context.close();
  }, 60_000);
});
