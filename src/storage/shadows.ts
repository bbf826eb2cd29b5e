/** Shadow drafts attached beside live policies (one per policy name). */
import { and, eq } from 'drizzle-orm';
import type { PolicyDocument } from '../contract/policy';
import type { Db } from './db';
import { policyShadows } from './schema';

export type StoredShadow = { name: string; source: PolicyDocument; liveVersion: number; attachedAt: number };

const fromRow = (r: typeof policyShadows.$inferSelect): StoredShadow => ({
  name: r.name,
  source: JSON.parse(r.source) as PolicyDocument,
  liveVersion: r.liveVersion,
  attachedAt: r.attachedAt,
});

export async function listShadows(db: Db, ws: string): Promise<StoredShadow[]> {
  const rows = await db.select().from(policyShadows).where(eq(policyShadows.workspaceId, ws)).all();
  return rows.map(fromRow);
}

export async function getShadow(db: Db, ws: string, name: string): Promise<StoredShadow | undefined> {
  const row = await db
    .select()
    .from(policyShadows)
    .where(and(eq(policyShadows.workspaceId, ws), eq(policyShadows.name, name)))
    .get();
  return row ? fromRow(row) : undefined;
}

/** Attaches (or replaces) the shadow of `name`; its counts start again from `now`. */
export async function putShadow(db: Db, ws: string, shadow: StoredShadow): Promise<void> {
  const values = {
    source: JSON.stringify(shadow.source),
    liveVersion: shadow.liveVersion,
    attachedAt: shadow.attachedAt,
  };
  await db
    .insert(policyShadows)
    .values({ workspaceId: ws, name: shadow.name, ...values })
    .onConflictDoUpdate({ target: [policyShadows.workspaceId, policyShadows.name], set: values });
}

export async function deleteShadow(db: Db, ws: string, name: string): Promise<boolean> {
  const gone = await db
    .delete(policyShadows)
    .where(and(eq(policyShadows.workspaceId, ws), eq(policyShadows.name, name)))
    .returning({ name: policyShadows.name });
  return gone.length > 0;
}
