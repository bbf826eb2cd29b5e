// Test-side client of the loopback IdP fixture (test/fixtures/idp-server.ts).
import { expect, inject } from 'vitest';
import { call, createWorkspace, json } from './api';

export const idpBase = () => inject('idpBase');
export const issuerUrl = (name: string) => `${idpBase()}/i/${name}`;

export async function sign(
  name: string,
  claims: Record<string, unknown>,
  opts: { key?: string; header?: Record<string, unknown> } = {},
): Promise<string> {
  const res = await fetch(`${issuerUrl(name)}/sign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ claims, key: opts.key, header: opts.header }),
  });
  if (res.status !== 200) throw new Error(`sign failed: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function control(name: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${issuerUrl(name)}/control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(await res.text());
}

export async function hits(name: string): Promise<{ discovery: number; jwks: number }> {
  return (await (await fetch(`${issuerUrl(name)}/stats`)).json()) as { discovery: number; jwks: number };
}

export async function attackerHits(): Promise<number> {
  return ((await (await fetch(`${idpBase()}/attacker/stats`)).json()) as { hits: number }).hits;
}

/** Registers the fixture issuer `name` as a provider of `ws`. */
export async function registerIdp(
  ws: string,
  adminKey: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<Response> {
  return call('POST', `/v1/workspaces/${ws}/auth-providers`, {
    key: adminKey,
    body: { name, type: 'oidc', issuer: issuerUrl(name), audiences: ['verdict'], ...extra },
  });
}

export async function authorizeWith(
  ws: string,
  token: string | undefined,
  check: Record<string, unknown> = {},
) {
  const res = await call('POST', `/v1/workspaces/${ws}/authorize`, {
    body: {
      resource: 'orders',
      action: 'approve',
      context: { amount: 1 },
      ...check,
      ...(token === undefined ? {} : { token }),
    },
  });
  return { res, body: await json(res.clone()) };
}

/** Allows anything: the policy a world binds when a test is about tokens, not rules. */
export const ALLOW_ALL = {
  name: 'all',
  specification: {
    rules: [{ rule_id: 'any', effect: 'Allow', conditions: [] }],
    default: { rule_id: 'd', effect: 'Deny' },
  },
};

/**
 * A fresh workspace trusting a fresh fixture issuer (named `prefix` + a random suffix),
 * with `policy` (named "all") bound to every resource and action.
 */
export async function trustingWorkspace(
  prefix: string,
  opts: { provider?: Record<string, unknown>; policy?: Record<string, unknown> } = {},
): Promise<{ ws: string; adminKey: string; idp: string }> {
  const idp = `${prefix}${Date.now().toString(36)}x${Math.floor(Math.random() * 1e9)}`;
  const { ws, adminKey } = await createWorkspace();
  const reg = await registerIdp(ws, adminKey, idp, opts.provider);
  expect(reg.status, await reg.clone().text()).toBe(201);
  const put = await call('PUT', `/v1/workspaces/${ws}/policies/all`, {
    key: adminKey,
    body: opts.policy ?? ALLOW_ALL,
  });
  expect(put.status, await put.clone().text()).toBe(201);
  const bind = await call('PUT', `/v1/workspaces/${ws}/permissions`, {
    key: adminKey,
    body: { resource: '*', action: '*', policies: ['all'] },
  });
  expect(bind.status, await bind.clone().text()).toBe(200);
  return { ws, adminKey, idp };
}
