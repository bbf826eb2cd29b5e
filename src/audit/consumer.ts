/**
 * The audit queue consumer. A message carries many events (`{"v":1,"events":[…]}`,
 * packed by producer.ts) or, from producers of before the outbox, one event. All the
 * events of a batch of messages go to D1 in one batch (insert by json_each, idempotent
 * on decision_id), so redelivery never duplicates; a message is acked only after its
 * rows committed.
 *
 * Poison isolation: an event that is not an event (a malformed body) is parked in
 * audit_dead_letters at once, and its good neighbours are written. If the batch write
 * fails, each message is written alone; within a message that fails, each event is
 * written alone, and the message is retried with backoff (its written events stay
 * written). An event that still fails alone while its neighbours succeed on the
 * POISON_AFTER_ATTEMPTS-th delivery is parked (it can never succeed) and the message
 * acked. A message that keeps failing past max_retries is moved by the platform to
 * the dead-letter queue, whose consumer parks its events in D1 for replay.
 */
import { randomId } from '../lib/ids';
import type { AuditEvent } from './event';
import { insertEvents } from './store';

export const AUDIT_DLQ = 'verdict-audit-dlq';

/** An event that still fails alone, while its neighbours succeed, on this delivery is poison. */
export const POISON_AFTER_ATTEMPTS = 3;

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

/** A message's events, and whatever in it is not an event. */
export function unpack(body: unknown): { events: AuditEvent[]; bad: unknown[] } {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { events: [], bad: [body] };
    }
  }
  const packed = value as { v?: unknown; events?: unknown } | null;
  const items =
    packed !== null && typeof packed === 'object' && packed.v === 1 && Array.isArray(packed.events)
      ? packed.events
      : [value];
  const events: AuditEvent[] = [];
  const bad: unknown[] = [];
  for (const item of items) (isEvent(item) ? events : bad).push(item as AuditEvent);
  return { events, bad };
}

/** Parks bodies that can never be written, one row each, under their workspace when known. */
async function park(db: D1Database, bodies: readonly unknown[], now: number): Promise<void> {
  if (bodies.length === 0) return;
  await db.batch(
    bodies.map((b) => {
      const ws = (b as { workspaceId?: unknown } | null)?.workspaceId;
      const id =
        typeof (b as { decisionId?: unknown } | null)?.decisionId === 'string'
          ? `dl_${(b as { decisionId: string }).decisionId}`
          : `dl_${randomId(16)}`;
      return db
        .prepare(
          'INSERT INTO audit_dead_letters (id, workspace_id, body, received_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
        )
        .bind(
          id,
          typeof ws === 'string' ? ws : null,
          (JSON.stringify(b ?? null) ?? 'null').slice(0, 65_536),
          now,
        );
    }),
  );
}

/** Writes one message's events alone; parks those that fail while others succeed. */
async function writeAlone(db: D1Database, msg: Message<unknown>, events: AuditEvent[], now: number) {
  try {
    await insertEvents(db, events);
    msg.ack();
    return;
  } catch {
    // One event at a time below.
  }
  const failed: AuditEvent[] = [];
  for (const e of events) {
    try {
      await insertEvents(db, [e]);
    } catch {
      failed.push(e);
    }
  }
  if (failed.length === events.length || msg.attempts < POISON_AFTER_ATTEMPTS) {
    // Nothing could be written (D1 is failing, not the events), or a failure that may
    // be transient: retry the message; what was written stays written (idempotent).
    msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    return;
  }
  try {
    await park(db, failed, now);
    msg.ack();
  } catch {
    msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
  }
}

export async function consumeAudit(batch: MessageBatch<unknown>, db: D1Database): Promise<void> {
  const now = Date.now();
  const unpacked = batch.messages.map((msg) => ({ msg, ...unpack(msg.body) }));
  const bad = unpacked.flatMap((u) => u.bad);
  try {
    await insertEvents(
      db,
      unpacked.flatMap((u) => u.events),
    );
    await park(db, bad, now);
    for (const u of unpacked) u.msg.ack();
    return;
  } catch {
    // Fall through: isolate the failing message(s) and event(s).
  }
  for (const u of unpacked) {
    if (u.bad.length > 0) {
      try {
        await park(db, u.bad, now);
      } catch {
        u.msg.retry({ delaySeconds: retryDelaySeconds(u.msg.attempts) });
        continue;
      }
    }
    if (u.events.length === 0) u.msg.ack();
    else await writeAlone(db, u.msg, u.events, now);
  }
}

/** Dead letters (messages that exhausted their retries) are parked in D1, one row per event, to be replayed. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, db: D1Database): Promise<void> {
  const now = Date.now();
  const bodies = batch.messages.flatMap((m) => {
    const { events, bad } = unpack(m.body);
    return [...events, ...bad];
  });
  await park(db, bodies, now);
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
