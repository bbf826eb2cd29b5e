// One canonical path for every gateway adapter. Property: for random paths built from
// the pieces attackers use, whatever route Verdict resolves is exactly the route an
// independent reading resolves — WHATWG URL (what browsers, Node, Deno and Workers
// parse), then RFC 3986 decoding of unreserved characters, then a straightforward
// matcher written here. Forms that servers disagree on must be refused, never guessed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalPath } from '../../src/decision/canonical-path';
import { type RouteEntry, resolveRoute, routePatternProblem } from '../../src/decision/route-map';

const ROUTES: RouteEntry[] = [
  { method: 'GET', path: '/api/admin/*', resource: 'admin', action: 'read' },
  { method: 'GET', path: '/api/orders', resource: 'orders', action: 'list' },
  { method: 'GET', path: '/api/orders/:id', resource: 'orders', action: 'read' },
  { method: 'POST', path: '/api/orders/:id/approve', resource: 'orders', action: 'approve' },
  { method: 'GET', path: '/api/*', resource: 'api', action: 'read' },
];

// ---- the oracle --------------------------------------------------------------------
const UNRESERVED = /%(4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|3[0-9]|2D|2E|5F|7E)/gi;
function oracleSegments(raw: string): string[] {
  const pathname = new URL(raw, 'http://x').pathname;
  const decoded = pathname.replace(UNRESERVED, (m) => String.fromCharCode(Number.parseInt(m.slice(1), 16)));
  // WHATWG resolved dot segments already; "%2e" forms it treats as dots too.
  return decoded.slice(1).split('/');
}
/**
 * How IIS and other Windows-hosted upstreams read the same path: the WHATWG reading, then
 * each segment with its trailing dots and spaces trimmed ("admin." and "admin%20" are
 * "admin"); the dot segments themselves were resolved before.
 */
function windowsSegments(raw: string): string[] {
  return oracleSegments(raw).map((s) => s.replace(/(\.|%20)+$/i, ''));
}
function oracleRoute(method: string, raw: string, read = oracleSegments): string | undefined {
  const segs = read(raw);
  for (const r of ROUTES) {
    if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
    const pat = r.path.slice(1).split('/');
    let ok = true;
    for (let i = 0; i < pat.length; i++) {
      const p = pat[i] as string;
      if (p === '*' && i === pat.length - 1) {
        ok = true;
        break;
      }
      const s = segs[i];
      if (s === undefined || (p.startsWith(':') ? s === '' : p.toLowerCase() !== s.toLowerCase())) {
        ok = false;
        break;
      }
      if (i === pat.length - 1 && segs.length !== pat.length) ok = false;
    }
    if (ok) return `${r.resource}:${r.action}`;
  }
  return undefined;
}
// -------------------------------------------------------------------------------------

const verdictRoute = (method: string, raw: string) => {
  const r = resolveRoute(ROUTES, method, raw);
  if (!r.ok) return { refused: r.refusal };
  return { route: r.match ? `${r.match.resource}:${r.match.action}` : undefined };
};

const PIECES = [
  'api',
  'admin',
  'ADMIN',
  'Admin',
  'orders',
  'x',
  'o-1',
  '.',
  '..',
  '%2e',
  '%2E%2e',
  '.%2e',
  '%61dmin',
  '%41DMIN',
  'admin;v=1',
  'admin%3bv=1',
  'admin%2Fusers',
  'admin%5cusers',
  'a\\b',
  '',
  '%252e%252e',
  '%zz',
  '%c0%ae',
  'caf%C3%A9',
  '%00',
  'approve',
  '~user',
  '%7E',
  'a b',
  'admin.',
  'admin%2e',
  'admin%20',
  'admin.%20',
  'ADMIN..',
  '...',
  'x.y',
];
const SAFE = ['api', 'admin', 'orders', 'x', 'o-1', 'approve', 'caf%C3%A9', '%61dmin', '~u', 'x.y', '.x'];

const pathOf = (pieces: string[], tail: string) => `/${pieces.join('/')}${tail}`;
const tails = fc.constantFrom('', '/', '?q=1', '#frag', '#/../orders', '?a=/../admin');

describe('canonical path vs an independent WHATWG reading', () => {
  it('whatever Verdict resolves, the oracle resolves to the same route', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }),
        tails,
        fc.constantFrom('GET', 'POST', 'HEAD', 'get'),
        (pieces, tail, method) => {
          const raw = pathOf(pieces, tail);
          const v = verdictRoute(method, raw);
          if ('refused' in v) return; // refusing is always safe; see the twin below
          expect(v.route, raw).toBe(oracleRoute(method.toUpperCase(), raw));
          // An upstream that trims segments (IIS) must serve the route Verdict authorized too.
          expect(v.route, `${raw} (read as Windows does)`).toBe(
            oracleRoute(method.toUpperCase(), raw, windowsSegments),
          );
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('positive twin: paths made only of unambiguous pieces are never refused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SAFE), { minLength: 1, maxLength: 6 }),
        tails,
        (pieces, tail) => {
          const raw = pathOf(pieces, tail === '/' ? '' : tail);
          expect(verdictRoute('GET', raw), raw).not.toHaveProperty('refused');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the examples, one per form', () => {
  const employeeMayNotReach = 'admin:read';
  const cases: [string, string, 'refused' | string | undefined][] = [
    ['dot segments resolve', '/api/x/../admin/users', employeeMayNotReach],
    ['encoded dots resolve', '/api/x/%2e%2e/admin/users', employeeMayNotReach],
    ['mixed-case encoded dots resolve', '/api/x/%2E%2e/admin/users', employeeMayNotReach],
    ['single dots resolve', '/api/./admin/users', employeeMayNotReach],
    ['encoded unreserved letters decode', '/api/%61dmin/users', employeeMayNotReach],
    ['literal segments ignore case', '/api/ADMIN/users', employeeMayNotReach],
    ['the fragment is dropped', '/api/admin#/../orders', employeeMayNotReach],
    ['the query is ignored', '/api/orders?../admin', 'orders:list'],
    ['path parameters are refused', '/api/admin;v=1/users', 'refused'],
    ['encoded ";" is refused', '/api/admin%3Bv=1/users', 'refused'],
    ['encoded "/" is refused', '/api/admin%2Fusers', 'refused'],
    ['encoded "\\" is refused', '/api/admin%5Cusers', 'refused'],
    ['a literal "\\" is refused', '/api\\admin/users', 'refused'],
    ['NUL is refused', '/api/admin/users%00', 'refused'],
    ['invalid percent-encoding is refused', '/api/%zz/admin', 'refused'],
    ['overlong UTF-8 is refused', '/api/%c0%ae%c0%ae/admin/users', 'refused'],
    ['double encoding is refused', '/api/%252e%252e/admin/users', 'refused'],
    ['empty segments are refused', '/api//admin/users', 'refused'],
    ['a trailing dot is refused (Windows trims it)', '/api/admin.', 'refused'],
    ['an encoded trailing dot is refused', '/api/admin%2E/users', 'refused'],
    ['a trailing encoded space is refused (Windows trims it)', '/api/admin%20', 'refused'],
    ['dots only, beyond the dot segments, are refused', '/api/.../admin', 'refused'],
    ['an inner dot is an ordinary character', '/api/x.y', 'api:read'],
    ['absolute-form is refused', 'http://evil/api/orders', 'refused'],
    ['raw non-ASCII is refused', '/api/caf\u00e9', 'refused'],
    ['a trailing slash is significant', '/api/orders/', 'api:read'],
    ['dots cannot climb above the root', '/../../api/orders', 'orders:list'],
  ];
  for (const [name, raw, want] of cases) {
    it(name, () => {
      const v = verdictRoute('GET', raw);
      if (want === 'refused') expect(v).toHaveProperty('refused');
      else expect(v).toEqual({ route: want });
    });
  }

  it('HEAD is matched as GET; methods are tokens; params are decoded once', () => {
    expect(verdictRoute('HEAD', '/api/admin/users')).toEqual({ route: 'admin:read' });
    expect(verdictRoute('G ET', '/api/orders')).toHaveProperty('refused');
    const r = resolveRoute(ROUTES, 'POST', '/api/orders/caf%C3%A9%20x/approve');
    expect(r.ok && r.match?.params).toEqual({ id: 'café x' });
  });

  it('canonical form: unreserved decoded, other escapes upper-cased, WHATWG-encoded characters encoded', () => {
    const c = canonicalPath('/a/%7e%41/%c3%a9/{x}/b/..');
    expect(c.ok && c.path).toBe('/a/~A/%C3%A9/%7Bx%7D/');
  });

  it('route patterns are checked when written', () => {
    expect(routePatternProblem('/api/orders/:id')).toBeUndefined();
    expect(routePatternProblem('/api/*')).toBeUndefined();
    expect(routePatternProblem('/api/*/x')).toBeDefined();
    expect(routePatternProblem('/api/../admin')).toBeDefined();
    expect(routePatternProblem('/api//x')).toBeDefined();
    expect(routePatternProblem('/api/a;b')).toBeDefined();
    expect(routePatternProblem('/api/:1bad')).toBeDefined();
  });
});
