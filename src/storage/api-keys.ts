/**
 * API keys: `vk_<id>_<secret>`. Only the SHA-256 of the whole key is stored, with the
 * visible prefix `vk_<id>` to find the row; the secret is shown once, at creation.
 * Keys are high-entropy random strings, so a fast hash is sufficient (no password KDF).
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { type Scope, ScopeSchema } from '../contract/admin';
import { sha256Hex, timingSafeEqualStrings } from '../lib/hash';
import { randomId, randomSecret } from '../lib/ids';
import type { Db } from './db';
import { apiKeys } from './schema';

export type { Scope };

export type ApiKey = {
  id: string;
  workspaceId: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
};

function fromRow(row: typeof apiKeys.$inferSelect): ApiKey {
  const scopes = z.array(ScopeSchema).safeParse(JSON.parse(row.scopes));
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    prefix: row.prefix,
    scopes: scopes.success ? scopes.data : [],
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/** The `vk_<id>` prefix of a presented key, or undefined when it is not shaped like one. */
export function keyPrefix(key: string): string | undefined {
  const m = /^(vk_[a-z0-9]{4,32})_[A-Za-z0-9_-]{16,128}$/.exec(key);
  return m?.[1];
}

/** Builds a new key. `secret` may be fixed (the local demo); otherwise it is random. */
export async function mintKey(
  workspaceId: string,
  name: string,
  scopes: Scope[],
  now: number,
  fixedKey?: string,
): Promise<{ row: typeof apiKeys.$inferInsert; key: string; record: ApiKey }> {
  const key = fixedKey ?? `vk_${randomId(12)}_${randomSecret(32)}`;
  const prefix = keyPrefix(key);
  if (!prefix) throw new Error('minted key does not match the key format');
  const id = prefix.slice(3);
  const row = {
    id,
    workspaceId,
    name,
    prefix,
    hash: await sha256Hex(key),
    scopes: JSON.stringify(scopes),
    createdAt: now,
  };
  return { row, key, record: fromRow({ ...row, lastUsedAt: null, revokedAt: null }) };
}

/**
 * Finds the live key matching `presented`, comparing hashes in constant time.
 * Returns undefined for unknown, malformed or revoked keys (the caller answers 401).
 */
export async function authenticateKey(db: Db, presented: string): Promise<ApiKey | undefined> {
  const prefix = keyPrefix(presented);
  if (!prefix) return undefined;
  const row = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).get();
  // Hash and compare even when no row exists, so timing does not reveal valid prefixes.
  const ok = await timingSafeEqualStrings(await sha256Hex(presented), row?.hash ?? '');
  if (!row || !ok || row.revokedAt !== null) return undefined;
  return fromRow(row);
}

export async function listKeys(db: Db, workspaceId: string): Promise<ApiKey[]> {
  return (await db.select().from(apiKeys).where(eq(apiKeys.workspaceId, workspaceId)).all()).map(fromRow);
}

export type RevokeResult = 'revoked' | 'not_found' | 'exceeds_scopes' | 'last_admin';

/**
 * Revokes key `id` on behalf of a key holding `callerScopes`: only a key whose scopes
 * are all within the caller's (admin holds every scope), and never the workspace's last
 * live admin key. One conditional UPDATE, so two concurrent revocations cannot both
 * remove "the other" admin key.
 */
export async function revokeKey(
  d1: D1Database,
  workspaceId: string,
  id: string,
  callerScopes: readonly Scope[],
  now: number,
): Promise<RevokeResult> {
  const callerIsAdmin = callerScopes.includes('admin');
  const res = await d1
    .prepare(
      `UPDATE api_keys SET revoked_at = ?1
       WHERE workspace_id = ?2 AND id = ?3 AND revoked_at IS NULL
         AND (?4 OR NOT EXISTS (SELECT 1 FROM json_each(api_keys.scopes) s WHERE s.value NOT IN (SELECT value FROM json_each(?5))))
         AND (NOT EXISTS (SELECT 1 FROM json_each(api_keys.scopes) s WHERE s.value = 'admin')
              OR (SELECT count(*) FROM api_keys k WHERE k.workspace_id = ?2 AND k.revoked_at IS NULL
                    AND EXISTS (SELECT 1 FROM json_each(k.scopes) s WHERE s.value = 'admin')) > 1)`,
    )
    .bind(now, workspaceId, id, callerIsAdmin ? 1 : 0, JSON.stringify(callerScopes))
    .run();
  if (res.meta.changes > 0) return 'revoked';
  // Say why, from the row as it is now (no write depends on this read).
  const row = await d1
    .prepare('SELECT scopes, revoked_at FROM api_keys WHERE workspace_id = ? AND id = ?')
    .bind(workspaceId, id)
    .first<{ scopes: string; revoked_at: number | null }>();
  if (!row || row.revoked_at !== null) return 'not_found';
  const scopes = z.array(z.string()).catch([]).parse(JSON.parse(row.scopes));
  if (!callerIsAdmin && scopes.some((s) => !callerScopes.includes(s as Scope))) return 'exceeds_scopes';
  return 'last_admin';
}

export function hasScope(key: ApiKey, scope: Scope): boolean {
  return key.scopes.includes('admin') || key.scopes.includes(scope);
}
