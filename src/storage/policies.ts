/**
 * Policies, their immutable versions, and permission bindings in D1.
 * A write adds a version row and moves `current_version` in one D1 batch; two
 * concurrent writes of the same policy collide on the version primary key (409), so
 * neither overwrites the other.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Binding as Permission, PolicyDocument, PolicySummary, PolicyVersion } from '../contract/policy';
import type { Db } from './db';
import { permissions, policies, policyVersions } from './schema';

/** Stored sources were validated when written: they are policy documents. */
const source = (text: string) => JSON.parse(text) as PolicyDocument;

const SUMMARY = {
  name: policies.name,
  currentVersion: policies.currentVersion,
  latestVersion: policies.latestVersion,
  updatedAt: policies.updatedAt,
};

export async function listPolicies(db: Db, ws: string): Promise<PolicySummary[]> {
  return db
    .select(SUMMARY)
    .from(policies)
    .where(eq(policies.workspaceId, ws))
    .orderBy(asc(policies.name))
    .all();
}

export async function getPolicySummary(db: Db, ws: string, name: string): Promise<PolicySummary | undefined> {
  return db
    .select(SUMMARY)
    .from(policies)
    .where(and(eq(policies.workspaceId, ws), eq(policies.name, name)))
    .get();
}

export async function getPolicyVersion(
  db: Db,
  ws: string,
  name: string,
  version: number,
): Promise<PolicyVersion | undefined> {
  const row = await db
    .select()
    .from(policyVersions)
    .where(
      and(
        eq(policyVersions.workspaceId, ws),
        eq(policyVersions.name, name),
        eq(policyVersions.version, version),
      ),
    )
    .get();
  return row
    ? { name: row.name, version: row.version, source: source(row.source), createdAt: row.createdAt }
    : undefined;
}

export async function listPolicyVersions(db: Db, ws: string, name: string): Promise<PolicyVersion[]> {
  const rows = await db
    .select()
    .from(policyVersions)
    .where(and(eq(policyVersions.workspaceId, ws), eq(policyVersions.name, name)))
    .orderBy(desc(policyVersions.version))
    .all();
  return rows.map((r) => ({
    name: r.name,
    version: r.version,
    source: source(r.source),
    createdAt: r.createdAt,
  }));
}

/** Writes version `version` (= latest + 1) and makes it current. Throws a unique violation on a race. */
export async function insertPolicyVersion(
  db: Db,
  ws: string,
  name: string,
  version: number,
  source: unknown,
  now: number,
): Promise<void> {
  await db.batch([
    db
      .insert(policyVersions)
      .values({ workspaceId: ws, name, version, source: JSON.stringify(source), createdAt: now }),
    db
      .insert(policies)
      .values({ workspaceId: ws, name, currentVersion: version, latestVersion: version, updatedAt: now })
      .onConflictDoUpdate({
        target: [policies.workspaceId, policies.name],
        set: { currentVersion: version, latestVersion: version, updatedAt: now },
      }),
  ]);
}

/**
 * Writes version `version` and makes it current only while the policy is exactly as the
 * caller read it: live at `current` with `version - 1` as its latest. The version row and
 * the move happen in one D1 batch under the same condition, so a write or rollback that
 * lands in between makes both do nothing. Returns false then (nothing written).
 */
export async function insertPolicyVersionIf(
  db: Db,
  ws: string,
  name: string,
  version: number,
  source: unknown,
  now: number,
  current: number,
): Promise<boolean> {
  const unchanged = and(
    eq(policies.workspaceId, ws),
    eq(policies.name, name),
    eq(policies.currentVersion, current),
    eq(policies.latestVersion, version - 1),
  );
  const [, moved] = await db.batch([
    db.insert(policyVersions).select(
      db
        .select({
          workspaceId: policies.workspaceId,
          name: policies.name,
          version: sql<number>`${version}`.as('version'),
          source: sql<string>`${JSON.stringify(source)}`.as('source'),
          createdAt: sql<number>`${now}`.as('created_at'),
        })
        .from(policies)
        .where(unchanged),
    ),
    db
      .update(policies)
      .set({ currentVersion: version, latestVersion: version, updatedAt: now })
      .where(unchanged)
      .returning({ name: policies.name }),
  ]);
  return moved.length > 0;
}

export async function setCurrentVersion(
  db: Db,
  ws: string,
  name: string,
  version: number,
  now: number,
): Promise<void> {
  await db
    .update(policies)
    .set({ currentVersion: version, updatedAt: now })
    .where(and(eq(policies.workspaceId, ws), eq(policies.name, name)));
}

export async function deletePolicy(db: Db, ws: string, name: string): Promise<void> {
  await db.batch([
    db.delete(policyVersions).where(and(eq(policyVersions.workspaceId, ws), eq(policyVersions.name, name))),
    db.delete(policies).where(and(eq(policies.workspaceId, ws), eq(policies.name, name))),
  ]);
}

/** Every current policy document of the workspace, by name. */
export async function currentPolicySources(
  db: Db,
  ws: string,
): Promise<{ name: string; version: number; source: unknown }[]> {
  const rows = await db
    .select({ name: policyVersions.name, version: policyVersions.version, source: policyVersions.source })
    .from(policies)
    .innerJoin(
      policyVersions,
      and(
        eq(policyVersions.workspaceId, policies.workspaceId),
        eq(policyVersions.name, policies.name),
        eq(policyVersions.version, policies.currentVersion),
      ),
    )
    .where(eq(policies.workspaceId, ws))
    .all();
  return rows.map((r) => ({ name: r.name, version: r.version, source: JSON.parse(r.source) }));
}

export async function listPermissions(db: Db, ws: string): Promise<Permission[]> {
  const rows = await db
    .select()
    .from(permissions)
    .where(eq(permissions.workspaceId, ws))
    .orderBy(asc(permissions.resource), asc(permissions.action))
    .all();
  return rows.map((r) => ({
    resource: r.resource,
    action: r.action,
    policies: JSON.parse(r.policies),
    updatedAt: r.updatedAt,
  }));
}

export async function upsertPermission(
  db: Db,
  ws: string,
  p: Omit<Permission, 'updatedAt'>,
  now: number,
): Promise<void> {
  await db
    .insert(permissions)
    .values({
      workspaceId: ws,
      resource: p.resource,
      action: p.action,
      policies: JSON.stringify(p.policies),
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [permissions.workspaceId, permissions.resource, permissions.action],
      set: { policies: JSON.stringify(p.policies), updatedAt: now },
    });
}

export async function deletePermission(
  db: Db,
  ws: string,
  resource: string,
  action: string,
): Promise<boolean> {
  const res = await db
    .delete(permissions)
    .where(
      and(
        eq(permissions.workspaceId, ws),
        eq(permissions.resource, resource),
        eq(permissions.action, action),
      ),
    )
    .returning({ r: permissions.resource });
  return res.length > 0;
}
