/** The revocation denylist in D1: a `sub` or a token `jti`, optionally until `expiresAt`. */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './db';
import { revocations } from './schema';

export type RevocationKind = 'sub' | 'jti';
export type Revocation = { kind: RevocationKind; value: string; expiresAt: number | null; createdAt: number };

export async function listRevocations(db: Db, ws: string): Promise<Revocation[]> {
  const rows = await db
    .select()
    .from(revocations)
    .where(eq(revocations.workspaceId, ws))
    .orderBy(asc(revocations.createdAt))
    .all();
  return rows.map((r) => ({
    kind: r.kind as RevocationKind,
    value: r.value,
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
  }));
}

export async function upsertRevocation(db: Db, ws: string, r: Revocation): Promise<void> {
  await db
    .insert(revocations)
    .values({ workspaceId: ws, kind: r.kind, value: r.value, expiresAt: r.expiresAt, createdAt: r.createdAt })
    .onConflictDoUpdate({
      target: [revocations.workspaceId, revocations.kind, revocations.value],
      set: { expiresAt: r.expiresAt },
    });
}

export async function deleteRevocation(
  db: Db,
  ws: string,
  kind: RevocationKind,
  value: string,
): Promise<boolean> {
  const res = await db
    .delete(revocations)
    .where(and(eq(revocations.workspaceId, ws), eq(revocations.kind, kind), eq(revocations.value, value)))
    .returning({ v: revocations.value });
  return res.length > 0;
}
