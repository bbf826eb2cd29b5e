/**
 * Parked audit events (audit_dead_letters): what exhausted its retries or could never be
 * written, one row per event under its workspace. Listing and replay are per workspace;
 * replay is idempotent (the insert ignores decision ids already written).
 */
import type { AuditEvent } from './event';
import { insertEvents } from './store';

export type DeadLetter = { id: string; receivedAt: number; body: unknown };

export async function listDeadLetters(db: D1Database, ws: string): Promise<DeadLetter[]> {
  const rows = await db
    .prepare(
      'SELECT id, body, received_at AS receivedAt FROM audit_dead_letters WHERE workspace_id = ? ORDER BY received_at LIMIT 500',
    )
    .bind(ws)
    .all<{ id: string; body: string; receivedAt: number }>();
  return rows.results.map((r) => ({ id: r.id, receivedAt: r.receivedAt, body: JSON.parse(r.body) }));
}

/** Writes this workspace's parked events to the trail and drops them; keeps what is not one of its events. */
export async function replayDeadLetters(
  db: D1Database,
  ws: string,
): Promise<{ replayed: number; kept: number }> {
  const rows = await db
    .prepare('SELECT id, body FROM audit_dead_letters WHERE workspace_id = ? LIMIT 500')
    .bind(ws)
    .all<{ id: string; body: string }>();
  let replayed = 0;
  let kept = 0;
  for (const r of rows.results) {
    const body = JSON.parse(r.body) as AuditEvent;
    try {
      if (body?.workspaceId !== ws || typeof body.decisionId !== 'string')
        throw new Error('not an event of this workspace');
      await insertEvents(db, [body]);
      await db.prepare('DELETE FROM audit_dead_letters WHERE id = ?').bind(r.id).run();
      replayed++;
    } catch {
      kept++;
    }
  }
  return { replayed, kept };
}
