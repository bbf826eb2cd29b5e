/** Auth providers in D1. The whole validated document lives in `config` (JSON). */
import { and, asc, eq } from 'drizzle-orm';
import type { ProviderInput } from '../contract/provider';
import type { Db } from './db';
import { authProviders } from './schema';

/** A stored provider: the validated document plus its id and its resolved key source. */
export type Provider = Omit<ProviderInput, '$schema'> & {
  id: string;
  resolvedJwksUri: string | null;
  keyFormat: 'jwks' | 'x509';
};

function fromRow(row: typeof authProviders.$inferSelect): Provider {
  return { ...(JSON.parse(row.config) as Omit<Provider, 'id'>), id: row.id };
}

export async function listProviders(db: Db, ws: string): Promise<Provider[]> {
  const rows = await db
    .select()
    .from(authProviders)
    .where(eq(authProviders.workspaceId, ws))
    .orderBy(asc(authProviders.name))
    .all();
  return rows.map(fromRow);
}

export async function getProvider(db: Db, ws: string, id: string): Promise<Provider | undefined> {
  const row = await db
    .select()
    .from(authProviders)
    .where(and(eq(authProviders.workspaceId, ws), eq(authProviders.id, id)))
    .get();
  return row ? fromRow(row) : undefined;
}

export async function insertProvider(db: Db, ws: string, p: Provider, now: number): Promise<void> {
  const { id, ...config } = p;
  await db.insert(authProviders).values({
    id,
    workspaceId: ws,
    name: p.name,
    type: p.type,
    issuer: p.issuer,
    config: JSON.stringify(config),
    createdAt: now,
    updatedAt: now,
  });
}

export async function updateProvider(db: Db, ws: string, p: Provider, now: number): Promise<boolean> {
  const { id, ...config } = p;
  const res = await db
    .update(authProviders)
    .set({ name: p.name, type: p.type, issuer: p.issuer, config: JSON.stringify(config), updatedAt: now })
    .where(and(eq(authProviders.workspaceId, ws), eq(authProviders.id, id)))
    .returning({ id: authProviders.id });
  return res.length > 0;
}

export async function deleteProvider(db: Db, ws: string, id: string): Promise<boolean> {
  const res = await db
    .delete(authProviders)
    .where(and(eq(authProviders.workspaceId, ws), eq(authProviders.id, id)))
    .returning({ id: authProviders.id });
  return res.length > 0;
}
