// A method-override header (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override) makes
// an upstream that honours it serve a method nobody authorized, so every gateway entry
// refuses a request carrying one (403 method_override), audited like the other gateway
// refusals. Each entry's positive twin is the same request without the header (200), so
// "refuse everything" fails this file.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { call, json } from '../helpers/api';

vi.setConfig({ testTimeout: 60_000 });

const OVERRIDES = ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override', 'x-http-method-override'];
const TARGET = '/api/orders/order-3/approve';

type Answer = { status: number; reason: string | null; decisionId: string | null };

let auth: { authorization: string };
beforeAll(async () => {
  const res = await call('POST', '/dev-idp/token', { body: { user: 'manager' } });
  auth = { authorization: `Bearer ${(await json<{ access_token: string }>(res)).access_token}` };
});

const fromResponse = (res: Response): Answer => ({
  status: res.status,
  reason: res.headers.get('x-verdict-reason'),
  decisionId: res.headers.get('x-verdict-decision-id'),
});

/** Asks one gateway entry about POST /api/orders/order-3/approve (demo route map), with `extra` headers. */
const ENTRIES: Record<string, (extra: Record<string, string>) => Promise<Answer>> = {
  'nginx auth_request': async (extra) =>
    fromResponse(
      await call('GET', '/v1/workspaces/demo/forward-auth/nginx', {
        headers: { ...auth, 'x-original-method': 'POST', 'x-original-uri': TARGET, ...extra },
      }),
    ),
  'Traefik forwardAuth': async (extra) =>
    fromResponse(
      await call('GET', '/v1/workspaces/demo/forward-auth/traefik', {
        headers: { ...auth, 'x-forwarded-method': 'POST', 'x-forwarded-uri': TARGET, ...extra },
      }),
    ),
  'forward-auth (either family)': async (extra) =>
    fromResponse(
      await call('POST', '/v1/workspaces/demo/forward-auth', {
        headers: { ...auth, 'x-forwarded-method': 'POST', 'x-forwarded-uri': TARGET, ...extra },
      }),
    ),
  'Envoy ext_authz': async (extra) =>
    fromResponse(
      await call('POST', `/v1/workspaces/demo/ext-authz${TARGET}`, {
        headers: { ...auth, 'x-verdict-workspace': 'demo', ...extra },
      }),
    ),
  'API Gateway Lambda authorizer': async (extra) => {
    const res = await call('POST', '/v1/workspaces/demo/lambda-authorizer', {
      body: {
        version: '2.0',
        rawPath: TARGET,
        headers: { ...auth, ...extra },
        requestContext: { http: { method: 'POST', sourceIp: '203.0.113.7' } },
      },
    });
    expect(res.status).toBe(200);
    const { isAuthorized, context } = await json<{
      isAuthorized: boolean;
      context: Record<string, string>;
    }>(res);
    return {
      status: isAuthorized ? 200 : 403,
      reason: context.reason ?? null,
      decisionId: context.decisionId ?? null,
    };
  },
  'RPC authorizeRequest': async (extra) => {
    const res = await env.GATEWAY.fetch('http://gateway/route', {
      method: 'POST',
      headers: { 'x-workspace': 'demo', ...auth },
      body: JSON.stringify({ method: 'POST', url: `https://shop.example${TARGET}`, headers: extra }),
    });
    expect(res.status).toBe(200);
    const answer = await json<{ status: number; reason?: string; headers: Record<string, string> }>(res);
    return {
      status: answer.status,
      reason: answer.reason ?? null,
      decisionId: answer.headers['x-verdict-decision-id'] ?? null,
    };
  },
};

async function auditedRow(decisionId: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const row = await env.DB.prepare('SELECT decision, reasons FROM audit_events WHERE decision_id = ?')
      .bind(decisionId)
      .first<{ decision: string; reasons: string }>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

describe('a request carrying a method-override header is refused by every gateway entry', () => {
  for (const [entry, ask] of Object.entries(ENTRIES)) {
    it(`${entry}: 403 method_override, whatever the header names; 200 without it`, async () => {
      for (const header of OVERRIDES) {
        for (const value of ['DELETE', 'POST', '']) {
          const answer = await ask({ [header]: value });
          expect(answer.status, `${header}: ${value}`).toBe(403);
          expect(answer.reason, `${header}: ${value}`).toBe('method_override');
        }
      }
      // Positive twin: the very same request without the header is allowed.
      expect((await ask({})).status).toBe(200);
      expect((await ask({ 'x-http-method-overrides': 'DELETE', 'x-method': 'DELETE' })).status).toBe(200);
    });
  }

  it('the refusal is audited as a Deny naming the header', async () => {
    const answer = await ENTRIES['nginx auth_request']?.({ 'X-HTTP-Method-Override': 'DELETE' });
    expect(answer?.decisionId).toMatch(/^dec_/);
    const row = await auditedRow(answer?.decisionId as string);
    expect(row?.decision).toBe('Deny');
    const reasons = JSON.parse(row?.reasons ?? '[]') as { code: string; message: string }[];
    expect(reasons[0]?.code).toBe('method_override');
    expect(reasons[0]?.message).toContain('x-http-method-override');
  });
});
