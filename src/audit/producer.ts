/**
 * Delivering a batch of audit events from the outbox (outbox.ts) without delaying any
 * decision (it runs under the requests' waitUntil). The events are packed into as few
 * queue messages as fit (a message body is `{"v":1,"events":[…]}`, ≤ 63,000 bytes), sent with
 * Queue.sendBatch (≤ 100 messages and 256 KB per call), retried twice with a short
 * backoff when the queue refuses (429 past the per-queue limit, or an outage); if it
 * still refuses, the events are written to D1 directly with the consumer's idempotent
 * insert, so nothing is lost. Counters are per isolate (every workspace's events) and visible
 * to the root key only, at GET /v1/operations/audit-producer.
 */
import { archivedFrom, archiveEvents } from './archive';
import { insertEvents } from './store';

export type AuditDeps = { AUDIT_QUEUE: Queue; DB: D1Database; ARCHIVE?: R2Bucket };

export const producerCounters = {
  /** Events handed to the queue. */
  sent: 0,
  /** Queue messages they travelled in. */
  messages: 0,
  sendFailures: 0,
  directWrites: 0,
  lost: 0,
};

/**
 * Largest message body. Queues allow 128 KB, but bill one operation per 64 KB (of 1,000
 * bytes, ~100 of them metadata) written, read and deleted: a body of at most 63,000 bytes
 * is one unit, so a message costs 3 operations (BENCHMARKS.md → audit at scale). A
 * sendBatch carries at most 256 KB and 100 messages.
 */
export const MESSAGE_BYTES = 63_000;
const SEND_BATCH_BYTES = 240 * 1024;
const SEND_BATCH_MESSAGES = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a batch keeps trying the queue and D1 before its events are counted lost. */
export const DELIVERY_BUDGET_MS = 20_000;

/** Message bodies, each `{"v":1,"events":[…]}` of at most MESSAGE_BYTES. */
export function pack(events: readonly string[]): string[] {
  const bodies: string[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  const close = () => {
    if (chunk.length > 0) bodies.push(`{"v":1,"events":[${chunk.join(',')}]}`);
    chunk = [];
    bytes = 0;
  };
  for (const e of events) {
    if (bytes + e.length + 32 > MESSAGE_BYTES) close();
    chunk.push(e);
    bytes += e.length + 1;
  }
  close();
  return bodies;
}

async function sendAll(queue: Queue, bodies: readonly string[]): Promise<void> {
  let group: { body: string; contentType: 'text' }[] = [];
  let bytes = 0;
  for (const body of bodies) {
    if (group.length === SEND_BATCH_MESSAGES || bytes + body.length > SEND_BATCH_BYTES) {
      await queue.sendBatch(group);
      group = [];
      bytes = 0;
    }
    group.push({ body, contentType: 'text' });
    bytes += body.length;
  }
  if (group.length > 0) await queue.sendBatch(group);
}

/**
 * Delivers events (as JSON text) to the queue, else to D1, else the queue again, …
 * for up to DELIVERY_BUDGET_MS (well inside waitUntil's 30 s). Never throws; an event
 * is counted lost only when neither took it for that long.
 */
export async function deliver(deps: AuditDeps, events: readonly string[]): Promise<void> {
  if (events.length === 0) return;
  const bodies = pack(events);
  const started = Date.now();
  for (let round = 0; ; round++) {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await sendAll(deps.AUDIT_QUEUE, bodies);
        producerCounters.sent += events.length;
        producerCounters.messages += bodies.length;
        return;
      } catch {
        producerCounters.sendFailures++;
        if (attempt < 2) await sleep(50 * 2 ** attempt);
      }
    }
    try {
      await directWrite(deps, events);
      producerCounters.directWrites += events.length;
      return;
    } catch (err) {
      if (Date.now() - started > DELIVERY_BUDGET_MS) {
        producerCounters.lost += events.length;
        console.error(
          JSON.stringify({
            level: 'error',
            msg: 'audit events could not be stored',
            count: events.length,
            error: String(err),
          }),
        );
        return;
      }
      await sleep(Math.min(2000, 100 * 2 ** round));
    }
  }
}

/**
 * A direct write when the queue refuses: the archive first, then D1 marked archived. If
 * the archive refuses too, the rows go in unmarked (nothing is lost, and retention keeps
 * them until the sweep archives them).
 */
async function directWrite(deps: AuditDeps, events: readonly string[]): Promise<void> {
  let archived = false;
  if (deps.ARCHIVE) {
    try {
      const first = (JSON.parse(events[0] as string) as { decisionId: string }).decisionId;
      await archiveEvents(deps.ARCHIVE, `direct-${first}-${events.length}`, events.map(archivedFrom));
      archived = true;
    } catch {
      // Unarchived rows are swept later.
    }
  }
  await insertEvents(deps.DB, events, archived);
}
