/**
 * Workspace writes: creation with its first admin key (one D1 batch, also used by the
 * local demo seed), settings (the snapshot carries timezone, redaction keys and route
 * map, so it is published at once), API keys and revocations.
 */
import type { ApiKeyView, RouteMapEntry, Scope, WorkspaceView } from '../contract';
import { routePatternProblem } from '../decision/route-map';
import { forgetAbsence, publishSnapshot, type SnapshotDeps } from '../decision/snapshot';
import { badRequest, conflict, forbidden, notFound } from '../lib/errors';
import { type ApiKey, listKeys, mintKey, revokeKey } from '../storage/api-keys';
import { database, isUniqueViolation } from '../storage/db';
import {
  deleteRevocation,
  listRevocations,
  type Revocation,
  type RevocationKind,
  upsertRevocation,
} from '../storage/revocations';
import { apiKeys } from '../storage/schema';
import { insertWorkspaceStatement, updateWorkspace, type Workspace } from '../storage/workspaces';

/** Revocations in force per workspace (each is checked on every decision, from the snapshot). */
export const MAX_REVOCATIONS = 10_000;

/** A workspace as the API shows it: without its cursor key. */
export function workspaceView(ws: Workspace): WorkspaceView {
  const { cursorKey: _secret, ...view } = ws;
  return view;
}

/**
 * Creates a workspace and its first admin key in one batch. `fixedKey` is the local
 * demo's known key; otherwise the key is random and returned once.
 */
export async function createWorkspace(
  deps: { DB: D1Database },
  input: { id: string; name: string; timezone?: string | undefined },
  opts: { keyName?: string; fixedKey?: string } = {},
) {
  const db = database(deps.DB);
  const now = Date.now();
  const ws = {
    id: input.id,
    name: input.name,
    timezone: input.timezone ?? 'UTC',
    auditRetentionDays: 90,
    createdAt: now,
  };
  const minted = await mintKey(ws.id, opts.keyName ?? 'initial admin key', ['admin'], now, opts.fixedKey);
  try {
    await db.batch([insertWorkspaceStatement(db, ws), db.insert(apiKeys).values(minted.row)]);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`Workspace "${ws.id}" already exists`);
    throw err;
  }
  forgetAbsence(ws.id);
  return {
    workspace: { ...ws, archiveRetentionDays: 400, redactKeys: [], routeMap: [], pepSubjects: null },
    apiKey: { ...minted.record, key: minted.key },
  };
}

/** Updates settings; route patterns are checked before anything is written. */
export async function updateSettings(
  deps: SnapshotDeps,
  ws: string,
  patch: Partial<
    Pick<Workspace, 'name' | 'timezone' | 'auditRetentionDays' | 'archiveRetentionDays' | 'redactKeys'>
  > & {
    routeMap?: RouteMapEntry[] | undefined;
    pepSubjects?: Workspace['pepSubjects'] | undefined;
  },
): Promise<WorkspaceView> {
  const problems = (patch.routeMap ?? []).flatMap((r, i) => {
    const problem = routePatternProblem(r.path);
    return problem ? [{ path: `routeMap.${i}.path`, message: problem }] : [];
  });
  if (problems.length > 0)
    throw badRequest('The route map has patterns that cannot be matched safely', problems);
  const updated = await updateWorkspace(database(deps.DB), ws, patch);
  if (!updated) throw notFound('Workspace');
  await publishSnapshot(deps, updated.id);
  return workspaceView(updated);
}

/** Mints a key; a key may only hand out scopes it holds itself (admin holds them all). */
export async function createKey(
  deps: { DB: D1Database },
  caller: ApiKey,
  input: { name: string; scopes: Scope[] },
) {
  const denied = input.scopes.filter((s) => !caller.scopes.includes('admin') && !caller.scopes.includes(s));
  if (denied.length > 0)
    throw forbidden(`This key cannot grant scopes it does not hold: ${denied.join(', ')}`);
  const minted = await mintKey(caller.workspaceId, input.name, [...new Set(input.scopes)], Date.now());
  await database(deps.DB).insert(apiKeys).values(minted.row);
  return { ...minted.record, key: minted.key };
}

export const keysOf = async (deps: { DB: D1Database }, ws: string): Promise<ApiKeyView[]> =>
  listKeys(database(deps.DB), ws);

/** Revokes a key within the caller's scopes; never the workspace's last admin key. */
export async function revokeKeyAs(deps: { DB: D1Database }, caller: ApiKey, id: string): Promise<void> {
  const result = await revokeKey(deps.DB, caller.workspaceId, id, caller.scopes, Date.now());
  switch (result) {
    case 'revoked':
      return;
    case 'not_found':
      throw notFound('API key');
    case 'exceeds_scopes':
      throw forbidden('This key cannot revoke a key with scopes it does not hold');
    case 'last_admin':
      throw conflict('This is the workspace’s last admin key; create another admin key first');
  }
}

/** Denies a `sub` or `jti` on every decision; bounded, and expired entries do not count. */
export async function revoke(
  deps: SnapshotDeps,
  ws: string,
  input: { kind: RevocationKind; value: string; expiresAt?: string | undefined },
): Promise<Revocation> {
  const now = Date.now();
  const r: Revocation = {
    kind: input.kind,
    value: input.value,
    expiresAt: input.expiresAt ? Date.parse(input.expiresAt) : null,
    createdAt: now,
  };
  const db = database(deps.DB);
  const live = (await listRevocations(db, ws)).filter(
    (x) => (x.expiresAt === null || x.expiresAt > now) && !(x.kind === r.kind && x.value === r.value),
  );
  if (live.length >= MAX_REVOCATIONS)
    throw conflict(`At most ${MAX_REVOCATIONS} revocations are in force at once; lift expired or old ones`);
  await upsertRevocation(db, ws, r);
  await publishSnapshot(deps, ws, now);
  return r;
}

export const revocationsOf = (deps: { DB: D1Database }, ws: string) => listRevocations(database(deps.DB), ws);

export async function unrevoke(
  deps: SnapshotDeps,
  ws: string,
  kind: RevocationKind,
  value: string,
): Promise<void> {
  if (!(await deleteRevocation(database(deps.DB), ws, kind, value))) throw notFound('Revocation');
  await publishSnapshot(deps, ws);
}
