/**
 * API-key authentication for the admin API. Keys are bound to one workspace: a key
 * presented on another workspace's route gets 404 (the workspace does not exist for
 * it), never 200 and never a hint that the workspace exists.
 */
import type { Context } from 'hono';
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

/** Whether `presented` is the Worker's ROOT_API_KEY secret (compared in constant time; unset → never). */
async function isRootKey(c: Context<AppEnv>, presented: string): Promise<boolean> {
  const root = c.env.ROOT_API_KEY;
  return typeof root === 'string' && root.length > 0 && (await timingSafeEqualStrings(presented, root));
}

/** Only the Worker's ROOT_API_KEY secret passes. Unset secret → nobody passes. */
export async function checkRootKey(c: Context<AppEnv>): Promise<void> {
  const presented = bearerToken(c);
  if (!presented) throw unauthorized('Send the root key as Authorization: Bearer <ROOT_API_KEY>');
  if (!(await isRootKey(c, presented))) throw unauthorized('The root key is not valid');
}

/**
 * A live key of workspace `ws` carrying `scope` (or `admin`); any live key when `scope` is
 * null. Sets the `apiKey` and `workspace` variables for the handler.
 */
export async function checkWorkspaceKey(
  c: Context<AppEnv>,
  ws: string | undefined,
  scope: Scope | null,
): Promise<void> {
  const presented = bearerToken(c);
  if (!presented) throw unauthorized('Send an API key as Authorization: Bearer vk_…');
  const db = database(c.env.DB);
  const key = await authenticateKey(db, presented);
  if (!key) {
    if (await isRootKey(c, presented))
      throw unauthorized(
        'This is the deployment’s root key, which only creates workspaces: send a workspace API key (vk_…), such as the admin key POST /v1/workspaces returned',
      );
    throw unauthorized('The API key is not valid or has been revoked');
  }
  if (!ws || key.workspaceId !== ws) throw notFound('Workspace');
  if (scope && !hasScope(key, scope)) throw forbidden(`This key lacks the "${scope}" scope`);
  const workspace = await getWorkspace(db, ws);
  if (!workspace) throw notFound('Workspace');
  c.set('apiKey', key);
  c.set('workspace', workspace);
}

/** An API key in the Authorization header (with or without "Bearer "), told apart from an end user's JWT. */
const API_KEY = /^(?:Bearer[ ]+)?(vk_[A-Za-z0-9_-]{8,200})[ ]*$/i;

/**
 * Where an end user's token or a trusted PEP's key may call (AuthZEN): a presented API key
 * must be live and carry `scope`; it is then the `apiKey` variable. A token is left to the
 * decision path, which verifies it.
 */
export async function checkPepKey(c: Context<AppEnv>, scope: Scope): Promise<void> {
  const presented = API_KEY.exec(c.req.header('authorization') ?? '')?.[1];
  if (presented === undefined) return;
  const key = await authenticateKey(database(c.env.DB), presented);
  if (!key) throw unauthorized('The API key is not valid or has been revoked');
  if (!hasScope(key, scope)) throw forbidden(`This key lacks the "${scope}" scope`);
  c.set('apiKey', key);
}

/** The development IdP and demo exist only when DEV_IDP=true (never in production config). */
export function devOnly(c: Context<AppEnv>): boolean {
  return flag(c.env.DEV_IDP);
}
