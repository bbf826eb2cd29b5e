/**
 * The audit queue consumer. One D1 batch per message batch (statements chunked under
 * D1's 100 bound parameters), idempotent on decision_id, so redelivery never
 * duplicates. A message is acked only after its rows committed. If the batch write
 * fails, messages are written one by one so a poison message cannot hold back the rest:
 * good ones are acked, bad ones retried with backoff and, after max_retries, moved by
 * the platform to the dead-letter queue, whose consumer parks them in D1 for replay.
 */
import { randomId } from '../lib/ids';
import type { AuditEvent } from './event';
import { insertEvents } from './store';

export const AUDIT_DLQ = 'verdict-audit-dlq';

/** Backoff for a retried message: 2^attempt seconds, capped at 5 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.max(1, attempts));

function isEvent(body: unknown): body is AuditEvent {
  const e = body as Partial<AuditEvent> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.decisionId === 'string' &&
    typeof e.workspaceId === 'string' &&
    typeof e.time === 'number' &&
    typeof e.resource === 'string' &&
    typeof e.action === 'string' &&
    (e.decision === 'Allow' || e.decision === 'Deny')
  );
}

export async function consumeAudit(batch: MessageBatch<unknown>, db: D1Database): Promise<void> {
  const good: Message<unknown>[] = [];
  for (const msg of batch.messages) {
    // A body that is not an event can never succeed: straight to the DLQ path.
    if (isEvent(msg.body)) good.push(msg);
    else msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
  }
  if (good.length === 0) return;
  try {
    await insertEvents(
      db,
      good.map((m) => m.body as AuditEvent),
    );
    for (const m of good) m.ack();
    return;
  } catch {
    // Fall through: isolate the failing message(s).
  }
  for (const m of good) {
    try {
      await insertEvents(db, [m.body as AuditEvent]);
      m.ack();
    } catch {
      m.retry({ delaySeconds: retryDelaySeconds(m.attempts) });
    }
  }
}

/** Dead letters are parked in D1 (audit_dead_letters) to be listed and replayed. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, db: D1Database): Promise<void> {
  const now = Date.now();
  const statements = batch.messages.map((m) => {
    const ws = (m.body as { workspaceId?: unknown } | null)?.workspaceId;
    return db
      .prepare(
        'INSERT INTO audit_dead_letters (id, workspace_id, body, received_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
      )
      .bind(
        `dl_${m.id || randomId(16)}`,
        typeof ws === 'string' ? ws : null,
        JSON.stringify(m.body ?? null).slice(0, 65_536),
        now,
      );
  });
  await db.batch(statements);
  batch.ackAll();
}

/** Retention: deletes events older than each workspace's retention, in bounded chunks. */
export async function applyRetention(
  db: D1Database,
  now: number,
  chunk = 1000,
  maxChunks = 50,
): Promise<number> {
  const workspaces = await db
    .prepare('SELECT id, audit_retention_days AS days FROM workspaces')
    .all<{ id: string; days: number }>();
  let deleted = 0;
  for (const ws of workspaces.results) {
    const cutoff = now - ws.days * 86_400_000;
    for (let i = 0; i < maxChunks; i++) {
      const res = await db
        .prepare(
          'DELETE FROM audit_events WHERE decision_id IN (SELECT decision_id FROM audit_events WHERE workspace_id = ? AND time < ? LIMIT ?)',
        )
        .bind(ws.id, cutoff, chunk)
        .run();
      deleted += res.meta.changes;
      if (res.meta.changes < chunk) break;
    }
  }
  return deleted;
}
