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
import { archiveEvents, expireArchive, hotWindowStart } from './archive';
import type { AuditEvent } from './event';
import { eventsById } from './queries';
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

/** A message's events, each with its JSON text (serialized once: archived and inserted as is). */
type Unpacked = { msg: Message<unknown>; events: AuditEvent[]; texts: string[]; bad: unknown[] };

function unpackMessage(msg: Message<unknown>): Unpacked {
  const { events, bad } = unpack(msg.body);
  return { msg, events, texts: events.map((e) => JSON.stringify(e)), bad };
}

/** Writes one message's events alone; parks those that fail while others succeed. */
async function writeAlone(db: D1Database, u: Unpacked, now: number, isArchived: boolean) {
  const { msg, events, texts } = u;
  try {
    await insertEvents(db, texts, isArchived);
    msg.ack();
    return;
  } catch {
    // One event at a time below.
  }
  const failed: AuditEvent[] = [];
  for (const [i, e] of events.entries()) {
    try {
      await insertEvents(db, [texts[i] as string], isArchived);
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

/**
 * Archives each message's events (one object per message and partition, named by the
 * message id: a redelivery overwrites them), then writes D1 marked archived. A message
 * whose archive write fails is retried whole and nothing of it reaches D1 this time.
 */
async function archived(archive: R2Bucket | undefined, unpacked: Unpacked[]): Promise<Unpacked[]> {
  if (!archive) return unpacked;
  const results = await Promise.allSettled(
    unpacked.map((u) =>
      u.events.length === 0
        ? Promise.resolve()
        : archiveEvents(
            archive,
            u.msg.id,
            u.events.map((e, i) => ({
              workspaceId: e.workspaceId,
              time: e.time,
              json: u.texts[i] as string,
            })),
          ),
    ),
  );
  return unpacked.filter((u, i) => {
    if (results[i]?.status === 'fulfilled') return true;
    u.msg.retry({ delaySeconds: retryDelaySeconds(u.msg.attempts) });
    return false;
  });
}

export async function consumeAudit(
  batch: MessageBatch<unknown>,
  db: D1Database,
  archive?: R2Bucket,
): Promise<void> {
  const now = Date.now();
  const unpacked = await archived(archive, batch.messages.map(unpackMessage));
  const isArchived = archive !== undefined;
  const bad = unpacked.flatMap((u) => u.bad);
  try {
    await insertEvents(
      db,
      unpacked.flatMap((u) => u.texts),
      isArchived,
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
    else await writeAlone(db, u, now, isArchived);
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

/** The D1 rows an hourly run may delete at most, whatever is due (bounded work per cron). */
const RETENTION_ROW_CAP_DEFAULT = 8_000_000;

/**
 * Retention, hourly. For each workspace:
 * - D1 keeps its hot window (auditRetentionDays): older rows are deleted only when marked
 *   archived — how "the archive holds it" is checked: the mark is set in the insert that
 *   follows a successful archive write, never otherwise (archive.ts);
 * - the archive keeps archiveRetentionDays (older date partitions are deleted).
 * Then, over all workspaces, D1 holds at most `maxRows` rows: beyond it, the oldest
 * archived rows go first. Without an archive binding, the hot window deletes everything
 * older (there is nothing to protect).
 */
export async function applyRetention(
  db: D1Database,
  now: number,
  opts: { archive?: R2Bucket | undefined; chunk?: number; maxChunks?: number; maxRows?: number } = {},
): Promise<number> {
  const { archive, chunk = 1000, maxChunks = 50, maxRows = RETENTION_ROW_CAP_DEFAULT } = opts;
  const onlyArchived = archive ? 'AND archived = 1' : '';
  const workspaces = await db
    .prepare('SELECT id, audit_retention_days AS days, archive_retention_days AS archiveDays FROM workspaces')
    .all<{ id: string; days: number; archiveDays: number }>();
  let deleted = 0;
  const deleteChunks = async (sql: string, ...params: unknown[]) => {
    for (let i = 0; i < maxChunks; i++) {
      const res = await db
        .prepare(sql)
        .bind(...params, chunk)
        .run();
      deleted += res.meta.changes;
      if (res.meta.changes < chunk) break;
    }
  };
  for (const ws of workspaces.results) {
    await deleteChunks(
      `DELETE FROM audit_events WHERE decision_id IN (SELECT decision_id FROM audit_events WHERE workspace_id = ? AND time < ? ${onlyArchived} LIMIT ?)`,
      ws.id,
      hotWindowStart(ws.days, now),
    );
    if (archive) await expireArchive(archive, ws.id, hotWindowStart(ws.archiveDays, now));
  }
  // The global cap: the oldest archived rows beyond it, across workspaces.
  const total = (await db.prepare('SELECT COUNT(*) AS n FROM audit_events').first<{ n: number }>())?.n ?? 0;
  if (total > maxRows) {
    const over = Math.min(total - maxRows, chunk * maxChunks);
    const res = await db
      .prepare(
        `DELETE FROM audit_events WHERE decision_id IN (SELECT decision_id FROM audit_events WHERE 1 ${onlyArchived} ORDER BY time LIMIT ?)`,
      )
      .bind(over)
      .run();
    deleted += res.meta.changes;
  }
  return deleted;
}

/**
 * The sweep, hourly: rows stored without their archive object (a direct write while the
 * archive refused, rows from before the archive existed) are archived and marked, in
 * bounded chunks, oldest first. Returns the rows archived.
 */
export async function sweepUnarchived(
  db: D1Database,
  archive: R2Bucket,
  now: number,
  chunk = 1000,
  maxChunks = 20,
): Promise<number> {
  let swept = 0;
  for (let i = 0; i < maxChunks; i++) {
    // Rows younger than a minute may still be on their way to being archived.
    const rows = await db
      .prepare(
        'SELECT decision_id, workspace_id, time FROM audit_events WHERE archived = 0 AND time < ? ORDER BY time LIMIT ?',
      )
      .bind(now - 60_000, chunk)
      .all<{ decision_id: string; workspace_id: string; time: number }>();
    if (rows.results.length === 0) break;
    const ids = rows.results.map((r) => r.decision_id);
    const events = await eventsById(db, ids);
    const first = ids[0] as string;
    await archiveEvents(
      archive,
      `sweep-${first}-${ids.length}`,
      events.map((e) => ({ workspaceId: e.workspaceId, time: e.time, json: JSON.stringify(e) })),
    );
    await db
      .prepare('UPDATE audit_events SET archived = 1 WHERE decision_id IN (SELECT value FROM json_each(?))')
      .bind(JSON.stringify(ids))
      .run();
    swept += ids.length;
    if (ids.length < chunk) break;
  }
  return swept;
}
