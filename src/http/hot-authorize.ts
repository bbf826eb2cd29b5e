/**
 * POST /v1/workspaces/:ws/authorize without the router. It is the hot path, and on it
 * Hono's dispatch and the zod-openapi validator cost more CPU than the decision itself
 * (BENCHMARKS.md → "Where the time goes"). This takes only the plain, well-formed
 * request: an `application/json` body with an honest Content-Length under the limit
 * whose JSON the route's schema would accept unchanged. Everything else — another
 * media type, a chunked body, malformed JSON, a field the schema would refuse — is
 * handed to the Hono route, which stays the reference for validation, errors and the
 * OpenAPI document. test/integration/hot-authorize.test.ts holds the two paths to the
 * same answers.
 */

import { CHECK_NAME_MAX, TOKEN_MAX } from '../contract';
import type { Check } from '../decision/authorize';
import { decideAll } from '../decision/enforce';
import { jsonTextShape } from '../lib/json-depth';
import { callerFrom, NO_STORE } from './decision-request';
import { bearerFrom } from './middleware/auth';
import { BODY_SHAPE, honestLength, JSON_TYPE, MAX_BODY_BYTES } from './middleware/body-limit';
import { requestIdFrom } from './middleware/request-id';
import { errorResponse } from './problem';

const PATH = /^\/v1\/workspaces\/([^/%]+)\/authorize$/;
const KEYS = new Set(['token', 'resource', 'action', 'context']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The workspace id when `url` is this route's, else null. */
export function hotRouteWorkspace(method: string, url: string): string | null {
  if (method !== 'POST') return null;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return null;
  const query = url.indexOf('?', start);
  return PATH.exec(query < 0 ? url.slice(start) : url.slice(start, query))?.[1] ?? null;
}

type Body = { token?: string; resource: string; action: string; context?: Record<string, unknown> };

const isName = (v: unknown): v is string =>
  typeof v === 'string' && v.length >= 1 && v.length <= CHECK_NAME_MAX;

/**
 * The body when it is exactly what the contract's AuthorizeRequestSchema accepts without
 * change, else null (test/integration/hot-authorize.test.ts holds the two to the same answers).
 */
export function plainAuthorizeBody(value: unknown): Body | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) if (!KEYS.has(key)) return null;
  if (!isName(body.resource) || !isName(body.action)) return null;
  // The contract's TokenSchema: 1 to TOKEN_MAX characters (an empty token is refused, never read as none).
  if (
    'token' in body &&
    !(typeof body.token === 'string' && body.token.length >= 1 && body.token.length <= TOKEN_MAX)
  )
    return null;
  if ('context' in body) {
    const context = body.context;
    if (typeof context !== 'object' || context === null || Array.isArray(context)) return null;
    if (Object.getPrototypeOf(context) !== Object.prototype || Object.hasOwn(context, '__proto__'))
      return null;
  }
  return body as Body;
}

/**
 * The response, or the request to hand to the router (with its body, when read).
 * Called only when hotRouteWorkspace matched.
 */
export async function hotAuthorize(
  request: Request,
  ws: string,
  env: Env,
  ctx: ExecutionContext,
): Promise<Response | Request> {
  const length = honestLength(request.headers);
  if (
    length === null ||
    length > MAX_BODY_BYTES ||
    !JSON_TYPE.test(request.headers.get('content-type') ?? '')
  ) {
    return request;
  }
  const bytes = await request.arrayBuffer();
  const fallback = () => new Request(request, { body: bytes });
  if (bytes.byteLength > MAX_BODY_BYTES) return fallback();
  let body: Body | null;
  try {
    const text = utf8.decode(bytes);
    // Over a shape limit: the router answers the 400 (body-limit.ts), before parsing.
    if (jsonTextShape(text, BODY_SHAPE) !== undefined) return fallback();
    body = plainAuthorizeBody(JSON.parse(text));
  } catch {
    return fallback();
  }
  if (!body) return fallback();

  const requestId = requestIdFrom(request.headers.get('x-request-id'));
  try {
    const check: Check = { resource: body.resource, action: body.action };
    if (body.context !== undefined) check.context = body.context;
    const token = body.token ?? bearerFrom(request.headers.get('authorization'));
    const req = { env, ctx, ws, token, caller: callerFrom(request.headers) };
    const { decisions } = await decideAll(req, [check]);
    return new Response(JSON.stringify({ data: decisions[0] }), {
      headers: { 'content-type': 'application/json', ...NO_STORE, 'x-request-id': requestId },
    });
  } catch (err) {
    return errorResponse(err, requestId);
  }
}
