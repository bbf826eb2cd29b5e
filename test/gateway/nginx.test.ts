/// <reference types="node" />
// The README's nginx `auth_request` config (examples/gateways/nginx.conf), in real nginx, in
// front of a recording upstream, with Verdict in workerd. The property under test: no client
// gets a request authorized as something other than what the upstream will serve. Requests
// are exact bytes over TCP (raw-http.ts) so nginx, not a client library, sees the odd forms.
//
// "Resolves to" is what an upstream would serve: the WHATWG URL pathname of the request
// target the upstream received, with percent-encoded unreserved characters decoded, lowercased.
// An employee's 200 whose upstream request resolves under /api/admin is a failure, whatever
// the status this file expects for the case.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderExample, startNginx } from './nginx-process';
import { rawRequest } from './raw-http';
import { startUpstream } from './recording-upstream';
import { type Exchange, type GatewayWorld, SUBJECTS, startGatewayWorld } from './world';

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** The path an upstream serves for `target`: WHATWG pathname, unreserved %XX decoded, lowercased. */
function resolvedPath(target: string): string {
  const pathname = new URL(target, 'http://x').pathname;
  return pathname
    .replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
      const c = String.fromCharCode(Number.parseInt(hex, 16));
      return UNRESERVED.test(c) ? c : m;
    })
    .toLowerCase();
}

/**
 * The invariant: an employee never gets the admin area served. Stricter than "no 200": the
 * upstream must not even receive such a request. Also, Verdict answers nginx only in the
 * auth_request vocabulary (200, 401, 403; anything else would be nginx's 500).
 */
function expectNoAdminLeak(x: Exchange) {
  if (x.verdict) expect([200, 401, 403]).toContain(x.verdict.response?.status);
  if (x.upstream) {
    expect(resolvedPath(x.upstream.url).startsWith('/api/admin'), `upstream served ${x.upstream.url}`).toBe(
      false,
    );
  }
  if (x.res.status === 200) {
    expect(x.upstream, 'a 200 that no upstream request explains').toBeDefined();
  }
}

function expectServed(x: Exchange, subject: string, target: string) {
  expect(x.res.status, JSON.stringify(x.verdict?.response)).toBe(200);
  expect(x.upstream?.url).toBe(target);
  expect(x.upstream?.header('x-verdict-subject')).toEqual([subject]);
}

function expectRefusedByVerdict(x: Exchange, status: 401 | 403) {
  expect(x.res.status, JSON.stringify(x.verdict?.response)).toBe(status);
  expect(x.verdict?.response?.status).toBe(status);
  expect(x.upstream).toBeUndefined();
}

const reasonOf = (x: Exchange) => x.verdict?.response?.headers['x-verdict-reason']?.[0];
const decisionOf = (x: Exchange) => x.verdict?.response?.headers['x-verdict-decision']?.[0];

let world: GatewayWorld;

beforeAll(async () => {
  world = await startGatewayWorld();
});

afterAll(async () => {
  await world?.close();
});

describe('tokens through nginx', () => {
  it('an employee reading orders is served, and the upstream learns who it is', async () => {
    const x = await world.send('employee', 'GET', '/api/orders');
    expectServed(x, SUBJECTS.employee, '/api/orders');
    expect(decisionOf(x)).toBe('Allow');
    expect(x.verdict?.response?.headers['x-verdict-decision-id']?.[0]).toBeTruthy();
  });

  it('an admin reading /api/admin/users is served (positive twin of the denials below)', async () => {
    expectServed(await world.send('admin', 'GET', '/api/admin/users'), SUBJECTS.admin, '/api/admin/users');
  });

  it('no token → 401 with the Bearer challenge, and the upstream never sees the request', async () => {
    const x = await world.send('anonymous', 'GET', '/api/orders');
    expectRefusedByVerdict(x, 401);
    expect(x.res.headers['www-authenticate']?.[0]).toContain('Bearer');
  });

  it('a token with a forged signature → 401', async () => {
    expectRefusedByVerdict(await world.send('forged', 'GET', '/api/orders'), 401);
  });

  it('an employee on /api/admin/users → 403 Deny', async () => {
    const x = await world.send('employee', 'GET', '/api/admin/users');
    expectRefusedByVerdict(x, 403);
    expect(decisionOf(x)).toBe('Deny');
  });
});

describe('headers a client sends cannot change what Verdict authorizes', () => {
  const smuggled: [string, string][] = [
    ['X-Forwarded-Uri', '/api/orders'],
    ['X-Forwarded-Method', 'GET'],
    ['X-Original-URI', '/api/orders'],
    ['X-Original-Method', 'GET'],
    ['X-Verdict-Subject', 'admin'],
    ['X-Real-IP', '203.0.113.9'],
  ];

  it('an employee claiming /api/orders (both gateway families) while requesting /api/admin/users → 403', async () => {
    const x = await world.send('employee', 'GET', '/api/admin/users', smuggled);
    expectRefusedByVerdict(x, 403);
    expectNoAdminLeak(x);
    // What Verdict was asked is nginx's own view of the request, once; the other family is gone.
    expect(x.verdict?.request['x-original-uri']).toEqual(['/api/admin/users']);
    expect(x.verdict?.request['x-original-method']).toEqual(['GET']);
    expect(x.verdict?.request['x-forwarded-uri']).toBeUndefined();
    expect(x.verdict?.request['x-forwarded-method']).toBeUndefined();
    expect(x.verdict?.request['x-real-ip']).toEqual(['127.0.0.1']);
  });

  it('the same smuggled headers on an admin request do not get in the way (positive twin)', async () => {
    const x = await world.send('admin', 'GET', '/api/admin/users', smuggled);
    expectServed(x, SUBJECTS.admin, '/api/admin/users');
  });

  it('on an allowed request the app gets Verdict’s decision id, and no header that re-routes it', async () => {
    const x = await world.send('employee', 'GET', '/api/orders', [
      ['X-Verdict-Decision-Id', 'dec_forged'],
      ['X-Original-URL', '/api/admin/users'],
      ['X-Rewrite-URL', '/api/admin/users'],
    ]);
    expectServed(x, SUBJECTS.employee, '/api/orders');
    const issued = x.verdict?.response?.headers['x-verdict-decision-id']?.[0];
    expect(issued).toMatch(/^dec_/);
    expect(x.upstream?.header('x-verdict-decision-id')).toEqual([issued]);
    for (const h of ['x-original-url', 'x-rewrite-url']) expect(x.upstream?.header(h), h).toEqual([]);
  });

  it('a method-override header reaches Verdict through auth_request and is refused (403 method_override)', async () => {
    for (const header of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
      const x = await world.send('employee', 'GET', '/api/orders', [[header, 'DELETE']]);
      expectRefusedByVerdict(x, 403);
      expect(reasonOf(x), header).toBe('method_override');
    }
  });

  it('a client-sent X-Verdict-Subject never reaches the upstream on an allowed request', async () => {
    const x = await world.send('employee', 'GET', '/api/orders', [
      ['X-Verdict-Subject', 'admin'],
      ['x-verdict-subject', 'user_admin'],
    ]);
    expectServed(x, SUBJECTS.employee, '/api/orders');
  });
});

type PathCase = {
  method?: string;
  target: string;
  headers?: [string, string][];
  /**
   * denied: Verdict maps it to the admin route (employee 403, admin 200);
   * refused: Verdict refuses the path for everyone (403 path_refused);
   * unmapped: Verdict finds no route for it (403 for everyone);
   * nginx: nginx answers `status` itself and never asks Verdict.
   */
  outcome: 'denied' | 'refused' | 'unmapped' | 'nginx';
  status?: number;
  /** The X-Original-URI Verdict must be asked about, when not `target` itself. */
  asked?: string;
};

// Statuses for `nginx` cases are what nginx 1.22 does (recorded, not guessed): a `\` is an
// ordinary character on Unix, so /api\admin/users is outside `location /api/` (404); a
// decoded NUL and an invalid %-escape are 400 before any location is chosen.
const PATH_CASES: PathCase[] = [
  { target: '/api/x/../admin/users', outcome: 'denied' },
  { target: '/api/x/%2e%2e/admin/users', outcome: 'denied' },
  { target: '/api/%2E%2E/api/admin/users', outcome: 'denied' },
  { target: '/api/./admin/users', outcome: 'denied' },
  { target: '/api/%61dmin/users', outcome: 'denied' },
  { target: '/api/admin;v=1/users', outcome: 'refused' },
  { target: '/api/admin%3bv=1/users', outcome: 'refused' },
  { target: '/api/admin%2Fusers', outcome: 'refused' },
  { target: '/api/admin%5cusers', outcome: 'refused' },
  { target: '/api\\admin/users', outcome: 'nginx', status: 404 },
  { target: '/api/ADMIN/users', outcome: 'denied' },
  { target: '/api/Admin/users', outcome: 'denied' },
  { target: '/api/admin#/../orders', outcome: 'denied' },
  { target: '/api/admin/users%00', outcome: 'nginx', status: 400 },
  { target: '/api/%zz/admin', outcome: 'nginx', status: 400 },
  { target: '/api/%c0%ae%c0%ae/admin/users', outcome: 'refused' },
  { target: '/api/%252e%252e/admin/users', outcome: 'refused' },
  { target: '/api//admin/users', outcome: 'refused' },
  { target: '/api/admin./users', outcome: 'refused' },
  { target: '/api/admin%20/users', outcome: 'refused' },
  { target: '/api/admin%2e', outcome: 'refused' },
  { target: '/api/x/caf\xC3\xA9', outcome: 'refused' },
  { method: 'HEAD', target: '/api/admin/users', outcome: 'denied' },
  {
    method: 'POST',
    target: '/api/admin/users',
    headers: [
      ['X-HTTP-Method-Override', 'GET'],
      ['Content-Length', '0'],
    ],
    outcome: 'unmapped',
  },
  { target: 'http://localhost/api/admin/users', outcome: 'denied', asked: '/api/admin/users' },
];

const printable = (s: string) =>
  s.replace(/[^\x21-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase()}`);
const OUTCOME_TITLES: Record<PathCase['outcome'], string> = {
  denied: 'is the admin route: the employee gets 403, the admin is served',
  refused: 'is refused for everyone (path_refused)',
  unmapped: 'matches no route: 403 for everyone',
  nginx: 'is answered by nginx itself, without asking Verdict',
};

/** Sends the case as the employee and as the admin, and checks both against its outcome. */
async function checkPathCase(c: PathCase) {
  const method = c.method ?? 'GET';
  const employee = await world.send('employee', method, c.target, c.headers);
  const admin = await world.send('admin', method, c.target, c.headers);
  expectNoAdminLeak(employee);
  const asked = c.asked ?? c.target;
  switch (c.outcome) {
    case 'denied':
      expectRefusedByVerdict(employee, 403);
      expect(decisionOf(employee)).toBe('Deny');
      expect(reasonOf(employee)).not.toBe('path_refused');
      expect(employee.verdict?.request['x-original-uri']).toEqual([asked]);
      // The admin twin: the same bytes are the admin route, and nginx serves them as sent.
      expectServed(admin, SUBJECTS.admin, asked);
      break;
    case 'refused':
      for (const x of [employee, admin]) {
        expectRefusedByVerdict(x, 403);
        expect(reasonOf(x)).toBe('path_refused');
        expect(x.verdict?.request['x-original-uri']).toEqual([asked]);
      }
      break;
    case 'unmapped':
      for (const x of [employee, admin]) {
        expectRefusedByVerdict(x, 403);
        expect(decisionOf(x)).toBe('Deny');
        expect(x.verdict?.request['x-original-method']).toEqual([method]);
      }
      break;
    case 'nginx':
      for (const x of [employee, admin]) {
        expect(x.res.status).toBe(c.status);
        expect(x.verdict).toBeUndefined();
        expect(x.upstream).toBeUndefined();
      }
      break;
  }
}

const titleOf = (c: PathCase) =>
  `${c.method ?? 'GET'} ${printable(c.target)} ${OUTCOME_TITLES[c.outcome]}${c.status ? ` (${c.status})` : ''}`;

describe('every path form an employee might use to reach /api/admin', () => {
  for (const c of PATH_CASES) it(titleOf(c), () => checkPathCase(c));
});

describe('path handling: positive twins', () => {
  it('a query string is ignored: /api/orders?x=1 is served as orders', async () => {
    expectServed(await world.send('clerk', 'GET', '/api/orders?x=1'), SUBJECTS.clerk, '/api/orders?x=1');
  });

  it('an encoded unreserved character is decoded: /api/%6Frders is orders/list (a clerk may list orders)', async () => {
    expectServed(await world.send('clerk', 'GET', '/api/%6Frders'), SUBJECTS.clerk, '/api/%6Frders');
    expectServed(await world.send('employee', 'GET', '/api/%6Frders'), SUBJECTS.employee, '/api/%6Frders');
  });

  it('a clerk may not use the catch-all, so the 200 above was the orders route', async () => {
    expectRefusedByVerdict(await world.send('clerk', 'GET', '/api/things'), 403);
  });

  it('a trailing slash is significant: /api/orders/ is not /api/orders', async () => {
    expectRefusedByVerdict(await world.send('clerk', 'GET', '/api/orders/'), 403);
  });

  it('percent-encoded UTF-8 is allowed under the catch-all', async () => {
    const target = '/api/things/caf%C3%A9';
    expectServed(await world.send('employee', 'GET', target), SUBJECTS.employee, target);
  });
});

describe('properties, through nginx', () => {
  const PIECES = [
    'api',
    'admin',
    'orders',
    'x',
    '.',
    '..',
    '%2e',
    '%2E%2e',
    '%61dmin',
    'ADMIN',
    '',
    ';v=1',
    '%2F',
    '%5C',
    '%252e',
    'admin.',
    'admin%20',
  ];
  const pieces = fc.constantFrom(...PIECES);

  it('whatever the path, an employee is never served the admin area', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(pieces, { minLength: 1, maxLength: 6 }), async (api, parts) => {
        const target = `${api ? '/api/' : '/'}${parts.join('/')}`;
        expectNoAdminLeak(await world.send('employee', 'GET', target));
      }),
      { numRuns: 150 },
    );
  });

  it('plain paths under /api/ are never refused (positive twin)', async () => {
    const plain = fc.constantFrom('api', 'orders', 'x', 'things');
    await fc.assert(
      fc.asyncProperty(fc.array(plain, { minLength: 1, maxLength: 5 }), async (parts) => {
        const target = `/api/${parts.join('/')}`;
        expectServed(await world.send('employee', 'GET', target), SUBJECTS.employee, target);
      }),
      { numRuns: 150 },
    );
  });
});

describe("Verdict's nginx endpoint, called directly (why the config sets and clears what it does)", () => {
  const endpoint = () => `${world.verdictUrl}/v1/workspaces/${world.ws}/forward-auth/nginx`;
  const ask = (headers: Record<string, string>) =>
    fetch(endpoint(), { headers: { authorization: `Bearer ${world.tokens.employee}`, ...headers } });

  it('X-Original-URI and X-Original-Method are what it authorizes (positive twin)', async () => {
    const res = await ask({ 'x-original-uri': '/api/orders', 'x-original-method': 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-verdict-subject')).toBe(SUBJECTS.employee);
  });

  it('a Traefik header beside them → 403 conflicting_gateway_headers', async () => {
    const extras: Record<string, string>[] = [
      { 'x-forwarded-uri': '/api/orders' },
      { 'x-forwarded-method': 'GET' },
    ];
    for (const extra of extras) {
      const res = await ask({ 'x-original-uri': '/api/orders', 'x-original-method': 'GET', ...extra });
      expect(res.status).toBe(403);
      expect(res.headers.get('x-verdict-reason')).toBe('conflicting_gateway_headers');
    }
  });

  it('without X-Original-URI or X-Original-Method → 403 gateway_headers_missing', async () => {
    const partial: Record<string, string>[] = [
      { 'x-original-uri': '/api/orders' },
      { 'x-original-method': 'GET' },
      {},
    ];
    for (const headers of partial) {
      const res = await ask(headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('x-verdict-reason')).toBe('gateway_headers_missing');
    }
  });
});

describe('the example config against an auth service that allows without naming a subject', () => {
  it('a client-sent X-Verdict-Subject still never reaches the upstream', async () => {
    const auth = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
    const upstream = await startUpstream();
    const authUrl = `http://127.0.0.1:${(auth.address() as AddressInfo).port}`;
    const nginx = await startNginx(renderExample(authUrl, 'acme', upstream.url));
    try {
      const res = await rawRequest(nginx.port, 'GET', '/api/orders', [['X-Verdict-Subject', 'admin']]);
      expect(res.status).toBe(200);
      expect(upstream.requests).toHaveLength(1);
      expect(upstream.requests[0]?.header('x-verdict-subject')).toEqual([]);
    } finally {
      await nginx.close();
      await upstream.close();
      await new Promise<void>((resolve) => auth.close(() => resolve()));
    }
  });
});
