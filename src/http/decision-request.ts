/**
 * The decision request of an HTTP request, written once for every route that decides
 * (authorize, batch, the fast path, AuthZEN, records): its workspace, token, caller facts
 * (the client address policies see as `ip`, and the user agent the audit records) and the
 * waitUntil its audit events go out under.
 */
import type { Context } from 'hono';
import type { Caller } from '../decision/authorize';
import type { DecisionRequest } from '../decision/enforce';
import { bearerToken } from './middleware/auth';
import type { AppEnv } from './types';

/** Decisions are answers about one moment: never cached by anything in between. */
export const NO_STORE = { 'cache-control': 'no-store' } as const;

/** Caller facts for the audit trail and the `ip` attribute. */
export function callerFrom(headers: Headers): Caller {
  return {
    ip: headers.get('cf-connecting-ip') ?? undefined,
    userAgent: headers.get('user-agent') ?? undefined,
  };
}

/** The decision request of a Hono request. `token` defaults to the Authorization header's. */
export function decisionRequest(c: Context<AppEnv>, ws: string, token = bearerToken(c)): DecisionRequest {
  return { env: c.env, ctx: c.executionCtx, ws, token, caller: callerFrom(c.req.raw.headers) };
}
