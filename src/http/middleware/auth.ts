/**
 * API-key authentication for the admin API. Keys are bound to one workspace: a key
 * presented on another workspace's route gets 404 (the workspace does not exist for
 * it), never 200 and never a hint that the workspace exists.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { flag } from '../../env';
import { forbidden, notFound, unauthorized } from '../../lib/errors';
import { timingSafeEqualStrings } from '../../lib/hash';
import { authenticateKey, hasScope, type Scope } from '../../storage/api-keys';
import { database } from '../../storage/db';
import { getWorkspace } from '../../storage/workspaces';
import type { AppEnv } from '../types';

/** The token of an `Authorization: Bearer <token>` header value. */
export function bearerFrom(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  return /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header)?.[1];
}

export function bearerToken(c: Context): string | undefined {
  return bearerFrom(c.req.header('authorization'));
}

/** Only the Worker's ROOT_API_KEY secret passes. Unset secret → nobody passes. */
export function requireRoot(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = bearerToken(c);
    const root = c.env.ROOT_API_KEY;
    if (!presented) throw unauthorized('Send the root key as Authorization: Bearer <ROOT_API_KEY>');
    const ok = typeof root === 'string' && root.length > 0 && (await timingSafeEqualStrings(presented, root));
    if (!ok) throw unauthorized('The root key is not valid');
    await next();
  };
}

/** A live key of the route's workspace carrying `scope` (or `admin`); any live key when no scope is named. */
export function requireKey(scope?: Scope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = bearerToken(c);
    if (!presented) throw unauthorized('Send an API key as Authorization: Bearer vk_…');
    const db = database(c.env.DB);
    const key = await authenticateKey(db, presented);
    if (!key) throw unauthorized('The API key is not valid or has been revoked');
    const ws = c.req.param('ws');
    if (!ws || key.workspaceId !== ws) throw notFound('Workspace');
    if (scope && !hasScope(key, scope)) throw forbidden(`This key lacks the "${scope}" scope`);
    const workspace = await getWorkspace(db, ws);
    if (!workspace) throw notFound('Workspace');
    c.set('apiKey', key);
    c.set('workspace', workspace);
    await next();
  };
}

/** The development IdP and demo exist only when DEV_IDP=true (never in production config). */
export function devOnly(c: Context<AppEnv>): boolean {
  return flag(c.env.DEV_IDP);
}
