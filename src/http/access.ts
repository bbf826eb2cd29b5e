/**
 * Who may call which route: one table, checked by one middleware (`checkAccess`, mounted
 * once for the whole app). A route's handler never checks a key's scope itself, and a
 * route missing from the table answers 404 to everybody (fail closed;
 * test/integration/scopes.test.ts walks every route of the OpenAPI document with a key of
 * each scope and fails on a route the table does not name).
 *
 * Kinds of caller:
 * - `public`: nothing (liveness, schemas, the OpenAPI document, PDP metadata, the
 *   development IdP, which is itself off unless DEV_IDP=true);
 * - `root`: the deployment's ROOT_API_KEY (creating workspaces, isolate operations);
 * - `key`: a live API key of the route's workspace holding `scope` (`admin` holds every
 *   scope); `scope: null` is any live key of the workspace (whoami);
 * - `end-user`: the end user's token, verified by the decision path itself (decisions,
 *   gateways, records); an API key is not a credential there;
 * - `end-user-or-pep`: AuthZEN evaluations: an end user's token, or a trusted PEP's key
 *   holding `pepScope`.
 */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Scope } from '../contract/admin';
import { VerdictError } from '../lib/errors';
import { checkPepKey, checkRootKey, checkWorkspaceKey } from './middleware/auth';
import type { AppEnv } from './types';

export type Access =
  | { kind: 'public' }
  | { kind: 'root' }
  | { kind: 'key'; scope: Scope | null }
  | { kind: 'end-user' }
  | { kind: 'end-user-or-pep'; pepScope: Scope };

const PUBLIC: Access = { kind: 'public' };
const ROOT: Access = { kind: 'root' };
const END_USER: Access = { kind: 'end-user' };
const key = (scope: Scope | null): Access => ({ kind: 'key', scope });
/** The scope a trusted PEP's key needs for AuthZEN evaluations. */
export const PEP_SCOPE: Scope = 'authzen:pep';
const END_USER_OR_PEP: Access = { kind: 'end-user-or-pep', pepScope: PEP_SCOPE };

const W = '/v1/workspaces/{ws}';

/**
 * "METHOD /path" (OpenAPI path templates; ALL for a handler of every method) → who may
 * call it. README.md → "API keys and scopes" states the same table.
 */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  'GET /healthz': PUBLIC,
  'GET /schemas/{file}': PUBLIC,
  'GET /openapi.json': PUBLIC,
  'GET /docs': PUBLIC,
  'GET /.well-known/authzen-configuration': PUBLIC,
  [`GET /.well-known/authzen-configuration${W}`]: PUBLIC,
  [`GET ${W}/.well-known/authzen-configuration`]: PUBLIC,
  'GET /dev-idp/.well-known/openid-configuration': PUBLIC,
  'GET /dev-idp/jwks': PUBLIC,
  'POST /dev-idp/token': PUBLIC,
  'POST /dev-idp/demo': PUBLIC,

  'POST /v1/workspaces': ROOT,
  'GET /v1/operations/audit-producer': ROOT,

  [`GET ${W}`]: key('policies:read'),
  [`PATCH ${W}`]: key('admin'),
  [`GET ${W}/whoami`]: key(null),
  [`POST ${W}/api-keys`]: key('keys:write'),
  [`GET ${W}/api-keys`]: key('keys:write'),
  [`DELETE ${W}/api-keys/{id}`]: key('keys:write'),

  [`POST ${W}/auth-providers`]: key('providers:write'),
  [`GET ${W}/auth-providers`]: key('providers:read'),
  [`GET ${W}/auth-providers/{id}`]: key('providers:read'),
  [`PUT ${W}/auth-providers/{id}`]: key('providers:write'),
  [`DELETE ${W}/auth-providers/{id}`]: key('providers:write'),
  [`POST ${W}/auth-providers/{id}/check`]: key('providers:read'),

  [`GET ${W}/policies`]: key('policies:read'),
  [`GET ${W}/policies/{name}`]: key('policies:read'),
  [`GET ${W}/policies/{name}/versions`]: key('policies:read'),
  [`PUT ${W}/policies/{name}`]: key('policies:write'),
  [`DELETE ${W}/policies/{name}`]: key('policies:write'),
  [`POST ${W}/policies/{name}/rollback`]: key('policies:write'),
  [`POST ${W}/validate`]: key('policies:read'),
  [`POST ${W}/simulate`]: key('policies:read'),
  [`GET ${W}/attributes`]: key('policies:read'),

  [`GET ${W}/permissions`]: key('policies:read'),
  [`PUT ${W}/permissions`]: key('permissions:write'),
  [`DELETE ${W}/permissions`]: key('permissions:write'),

  // A draft is a policy: reading it is reading a policy.
  [`GET ${W}/policies/{name}/shadow`]: key('policies:read'),
  [`PUT ${W}/policies/{name}/shadow`]: key('policies:write'),
  [`DELETE ${W}/policies/{name}/shadow`]: key('policies:write'),
  [`POST ${W}/policies/{name}/shadow/promote`]: key('policies:write'),
  [`POST ${W}/impact`]: key('audit:read'),
  [`GET ${W}/impact/{jobId}`]: key('audit:read'),

  [`GET ${W}/audit`]: key('audit:read'),
  [`GET ${W}/audit/export`]: key('audit:read'),
  [`GET ${W}/audit/stats`]: key('audit:read'),
  [`GET ${W}/audit/{decisionId}`]: key('audit:read'),
  [`GET ${W}/audit/dead-letters`]: key('admin'),
  [`POST ${W}/audit/dead-letters/replay`]: key('admin'),

  [`POST ${W}/revocations`]: key('revocations:write'),
  [`GET ${W}/revocations`]: key('revocations:write'),
  [`DELETE ${W}/revocations/{kind}/{value}`]: key('revocations:write'),

  [`POST ${W}/records/{collection}/import`]: key('records:write'),
  [`GET ${W}/records/{collection}`]: END_USER,
  [`POST ${W}/records/{collection}`]: END_USER,
  [`POST ${W}/records/{collection}/query`]: END_USER,
  [`GET ${W}/records/{collection}/{id}`]: END_USER,
  [`PATCH ${W}/records/{collection}/{id}`]: END_USER,
  [`DELETE ${W}/records/{collection}/{id}`]: END_USER,

  [`POST ${W}/authorize`]: END_USER,
  [`POST ${W}/authorize/batch`]: END_USER,
  [`GET ${W}/forward-auth`]: END_USER,
  [`ALL ${W}/forward-auth`]: END_USER,
  [`GET ${W}/forward-auth/nginx`]: END_USER,
  [`ALL ${W}/forward-auth/nginx`]: END_USER,
  [`GET ${W}/forward-auth/traefik`]: END_USER,
  [`ALL ${W}/forward-auth/traefik`]: END_USER,
  [`ALL ${W}/ext-authz/{originalPath}`]: END_USER,
  [`POST ${W}/lambda-authorizer`]: END_USER,

  'POST /access/v1/evaluation': END_USER_OR_PEP,
  'POST /access/v1/evaluations': END_USER_OR_PEP,
  [`POST ${W}/access/v1/evaluation`]: END_USER_OR_PEP,
  [`POST ${W}/access/v1/evaluations`]: END_USER_OR_PEP,
};

/** Hono's form of a path ("/a/:ws", "/a/*") → the table's ("/a/{ws}", "/a/{originalPath}"). */
function templateOf(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{originalPath}');
}

type Matched = { access: Access; template: string };

/**
 * Each registered route's table entry, looked up once per isolate and request method. The
 * paths are the app's own; a handler of every method (ALL) keys by the request's method,
 * which a client chooses, so the map is cleared past a bound.
 */
const entryOfRoute = new Map<string, Matched | null>();

function entryOf(routeMethod: string, honoPath: string, method: string): Matched | null {
  const asked = routeMethod === 'ALL' ? method : routeMethod;
  const key = `${asked} ${honoPath}`;
  let entry = entryOfRoute.get(key);
  if (entry === undefined) {
    const template = templateOf(honoPath);
    const access = ROUTE_ACCESS[`${asked} ${template}`] ?? ROUTE_ACCESS[`ALL ${template}`];
    entry = access ? { access, template } : null;
    if (entryOfRoute.size >= 1024) entryOfRoute.clear();
    entryOfRoute.set(key, entry);
  }
  return entry;
}

/** The table entry of the route that answers this request (the first one matched that the table names). */
function accessOf(routes: readonly { method: string; path: string }[], method: string): Matched | undefined {
  for (const r of routes) {
    const entry = entryOf(r.method, r.path, method);
    if (entry) return entry;
  }
  return undefined;
}

const WORKSPACE_ROUTE = '/v1/workspaces/{ws}';

/**
 * The workspace a /v1/workspaces/{ws}/… route names: its path segment, decoded as the router
 * decodes parameters (a middleware mounted for every route does not see the route's params).
 */
function workspaceOf(template: string, pathname: string): string | undefined {
  if (template !== WORKSPACE_ROUTE && !template.startsWith(`${WORKSPACE_ROUTE}/`)) return undefined;
  const segment = pathname.split('/')[3];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export const noSuchRoute = () => new VerdictError('not_found', 404, 'No such route');

/** The one access check: every request goes through it before its route's handler. */
export function checkAccess(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const matched = accessOf(matchedRoutes(c), method);
    // No route, or a route the table does not name: nobody may call it (the app's 404).
    if (!matched) throw noSuchRoute();
    const { access, template } = matched;
    switch (access.kind) {
      case 'public':
      case 'end-user':
        break;
      case 'end-user-or-pep':
        await checkPepKey(c, access.pepScope);
        break;
      case 'root':
        await checkRootKey(c);
        break;
      case 'key':
        await checkWorkspaceKey(c, workspaceOf(template, c.req.path), access.scope);
        break;
    }
    await next();
  };
}
