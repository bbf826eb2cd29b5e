/**
 * Workspace repository. A workspace is the tenant boundary: every other table is keyed
 * by workspace_id, and every read below takes the workspace id as an argument.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import {
  type PepSubjects,
  PepSubjectsSchema,
  type RouteMapEntry,
  RouteMapEntrySchema,
} from '../contract/admin';
import { unavailable } from '../lib/errors';
import { randomHex } from '../lib/ids';
import type { Db } from './db';
import { workspaces } from './schema';

export type Workspace = {
  id: string;
  name: string;
  timezone: string;
  auditRetentionDays: number;
  archiveRetentionDays: number;
  redactKeys: string[];
  routeMap: RouteMapEntry[];
  pepSubjects: PepSubjects | null;
  createdAt: number;
  /** Hex AES key sealing record-list cursors (never sent to clients). */
  cursorKey: string;
};

export type { RouteMapEntry };

/**
 * A stored setting, parsed. A value that no longer parses is an error, never a default:
 * an empty redaction list would audit what it should hide, and a subject source without
 * its required mappings would admit subjects it refuses. The decision path turns the
 * error into a 503 (no decision), like any unreadable dependency.
 */
function parseStored<T>(text: string, schema: z.ZodType<T>, what: string): T {
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw unavailable(`The workspace's stored ${what} cannot be read`);
  return parsed.data;
}

function fromRow(row: typeof workspaces.$inferSelect): Workspace {
  return {
    id: row.id,
    name: row.name,
    timezone: row.timezone,
    auditRetentionDays: row.auditRetentionDays,
    archiveRetentionDays: row.archiveRetentionDays,
    redactKeys: parseStored(row.redactKeys, z.array(z.string()), 'redaction keys'),
    routeMap: parseStored(row.routeMap, z.array(RouteMapEntrySchema), 'route map'),
    pepSubjects: row.pepSubjects ? parseStored(row.pepSubjects, PepSubjectsSchema, 'subject source') : null,
    createdAt: row.createdAt,
    cursorKey: row.cursorKey,
  };
}

export async function getWorkspace(db: Db, id: string): Promise<Workspace | undefined> {
  const row = await db.select().from(workspaces).where(eq(workspaces.id, id)).get();
  return row ? fromRow(row) : undefined;
}

export function insertWorkspaceStatement(
  db: Db,
  ws: Omit<Workspace, 'redactKeys' | 'routeMap' | 'cursorKey' | 'pepSubjects' | 'archiveRetentionDays'>,
) {
  return db.insert(workspaces).values({
    id: ws.id,
    name: ws.name,
    timezone: ws.timezone,
    auditRetentionDays: ws.auditRetentionDays,
    createdAt: ws.createdAt,
    cursorKey: randomHex(32),
  });
}

export async function updateWorkspace(
  db: Db,
  id: string,
  patch: Partial<
    Pick<
      Workspace,
      | 'name'
      | 'timezone'
      | 'auditRetentionDays'
      | 'archiveRetentionDays'
      | 'redactKeys'
      | 'routeMap'
      | 'pepSubjects'
    >
  >,
): Promise<Workspace | undefined> {
  const set: Partial<typeof workspaces.$inferInsert> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.timezone !== undefined) set.timezone = patch.timezone;
  if (patch.auditRetentionDays !== undefined) set.auditRetentionDays = patch.auditRetentionDays;
  if (patch.archiveRetentionDays !== undefined) set.archiveRetentionDays = patch.archiveRetentionDays;
  if (patch.redactKeys !== undefined) set.redactKeys = JSON.stringify(patch.redactKeys);
  if (patch.routeMap !== undefined) set.routeMap = JSON.stringify(patch.routeMap);
  if (patch.pepSubjects !== undefined)
    set.pepSubjects = patch.pepSubjects === null ? null : JSON.stringify(patch.pepSubjects);
  if (Object.keys(set).length > 0) await db.update(workspaces).set(set).where(eq(workspaces.id, id));
  return getWorkspace(db, id);
}

export async function listWorkspaces(db: Db): Promise<Workspace[]> {
  return (await db.select().from(workspaces).all()).map(fromRow);
}
