/// <reference types="node" />
// The gateway world: the loopback IdP fixture, Verdict in workerd, a recording upstream, and
// real nginx running examples/gateways/nginx.conf between them (with a byte-for-byte tap on
// nginx → Verdict). The test workspace is set up over the public API only, as a user would.
import { startIdp } from '../fixtures/idp-server';
import { findNginx, type RunningNginx, renderExample, startNginx } from './nginx-process';
import { type RawResponse, rawRequest } from './raw-http';
import { type RecordingUpstream, startUpstream, type UpstreamRequest } from './recording-upstream';
import { startTap, type TappedExchange, type TcpTap } from './tcp-tap';
import { type RunningVerdict, startVerdict } from './verdict-in-workerd';

const ROOT_KEY = 'gateway-root-key';
const IDP_NAME = 'gateway';
const WS = 'gateway-test';

/**
 * Route map, most specific first. `admin/read` is for admins only; employees may list
 * orders and read anything else under /api/; clerks may only list orders (so a clerk's
 * 200 proves a path was mapped to orders/list, not to the catch-all).
 */
export const ROUTE_MAP = [
  { method: 'GET', path: '/api/admin/*', resource: 'admin', action: 'read' },
  { method: 'GET', path: '/api/orders', resource: 'orders', action: 'list' },
  { method: 'GET', path: '/api/orders/:id', resource: 'orders', action: 'read' },
  { method: 'GET', path: '/api/*', resource: 'api', action: 'read' },
];

const roleIn = (name: string, roles: string[]) => ({
  name,
  specification: {
    rules: [
      {
        rule_id: `${name}-roles`,
        effect: 'Allow',
        conditions: [{ function: 'string_in', attribute: 'ext_role', value: roles }],
      },
    ],
    default: { rule_id: 'deny', effect: 'Deny' },
  },
});

const POLICIES = [
  roleIn('admins', ['admin']),
  roleIn('staff', ['employee', 'admin']),
  roleIn('order_listers', ['employee', 'admin', 'clerk']),
];

const BINDINGS = [
  { resource: 'admin', action: 'read', policies: ['admins'] },
  { resource: 'orders', action: 'list', policies: ['order_listers'] },
  { resource: 'orders', action: 'read', policies: ['staff'] },
  { resource: 'api', action: 'read', policies: ['staff'] },
];

export const SUBJECTS = { employee: 'user_employee', admin: 'user_admin', clerk: 'user_clerk' } as const;
export type Who = keyof typeof SUBJECTS | 'anonymous' | 'forged';

/** One request through nginx, with what the upstream and Verdict saw of it. */
export type Exchange = {
  res: RawResponse;
  /** The request the upstream received for this exchange, if any reached it. */
  upstream: UpstreamRequest | undefined;
  /** The auth subrequest nginx sent Verdict for this exchange, if nginx asked. */
  verdict: TappedExchange | undefined;
};

export type GatewayWorld = {
  ws: string;
  verdictUrl: string;
  tokens: Record<Exclude<Who, 'anonymous'>, string>;
  upstream: RecordingUpstream;
  /** Sends exact bytes to nginx as `who`, tagged with a case id that nginx passes to both sides. */
  send: (who: Who, method: string, target: string, headers?: [string, string][]) => Promise<Exchange>;
  close: () => Promise<void>;
};

async function api(base: string, method: string, path: string, key: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function sign(idpBase: string, claims: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${idpBase}/i/${IDP_NAME}/sign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ claims: { aud: 'verdict', ...claims } }),
  });
  if (res.status !== 200) throw new Error(`sign failed: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Creates the test workspace, trusts the fixture issuer, writes the policies, bindings and route map. */
async function setUpWorkspace(verdictUrl: string, idpBase: string): Promise<void> {
  const created = (await api(verdictUrl, 'POST', '/v1/workspaces', ROOT_KEY, {
    id: WS,
    name: 'Gateway test',
  })) as { data: { apiKey: { key: string } } };
  const admin = created.data.apiKey.key;
  await api(verdictUrl, 'POST', `/v1/workspaces/${WS}/auth-providers`, admin, {
    name: 'Gateway IdP',
    type: 'oidc',
    issuer: `${idpBase}/i/${IDP_NAME}`,
    audiences: ['verdict'],
    claimMappings: [{ jwtPath: 'role', attribute: 'role', required: true }],
  });
  for (const p of POLICIES) await api(verdictUrl, 'PUT', `/v1/workspaces/${WS}/policies/${p.name}`, admin, p);
  for (const b of BINDINGS) await api(verdictUrl, 'PUT', `/v1/workspaces/${WS}/permissions`, admin, b);
  await api(verdictUrl, 'PATCH', `/v1/workspaces/${WS}`, admin, { routeMap: ROUTE_MAP });
}

export async function startGatewayWorld(): Promise<GatewayWorld> {
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  findNginx(); // fail first, and clearly, when nginx is missing
  try {
    const idp = await startIdp();
    stops.push(idp.close);
    const verdict: RunningVerdict = await startVerdict({
      ROOT_API_KEY: ROOT_KEY,
      DEV_IDP: 'false',
      ALLOW_HTTP_ISSUERS: 'true',
      POLICY_REVALIDATE_MS: '200',
    });
    stops.push(verdict.close);
    const upstream = await startUpstream();
    stops.push(upstream.close);
    const tap: TcpTap = await startTap(verdict.port);
    stops.push(tap.close);
    await setUpWorkspace(verdict.url, idp.base);
    const nginx: RunningNginx = await startNginx(
      renderExample(`http://127.0.0.1:${tap.port}`, WS, upstream.url),
    );
    stops.push(nginx.close);

    const employee = await sign(idp.base, { sub: SUBJECTS.employee, role: 'employee' });
    const [head, payload, sig = ''] = employee.split('.');
    const tokens = {
      employee,
      admin: await sign(idp.base, { sub: SUBJECTS.admin, role: 'admin' }),
      clerk: await sign(idp.base, { sub: SUBJECTS.clerk, role: 'clerk' }),
      // The employee's claims with another signature: well-formed, verifiably wrong.
      forged: `${head}.${payload}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`,
    };

    let seq = 0;
    const send: GatewayWorld['send'] = async (who, method, target, headers = []) => {
      const id = `case-${++seq}`;
      const auth: [string, string][] =
        who === 'anonymous' ? [] : [['Authorization', `Bearer ${tokens[who]}`]];
      const res = await rawRequest(nginx.port, method, target, [['X-Case-Id', id], ...auth, ...headers]);
      return {
        res,
        upstream: upstream.requests.find((r) => r.header('x-case-id').includes(id)),
        verdict: tap.exchanges.find((e) => e.request['x-case-id']?.includes(id)),
      };
    };
    return { ws: WS, verdictUrl: verdict.url, tokens, upstream, send, close };
  } catch (err) {
    await close();
    throw err;
  }
}
