/**
 * Sending audit events without delaying the decision: the caller hands the work to
 * `waitUntil`. Delivery: Queue.sendBatch, retried twice with a short backoff; if the
 * queue still refuses, the events are written to D1 directly (same idempotent insert
 * as the consumer), so nothing is lost. Fallbacks are counted per isolate and visible
 * in GET /v1/workspaces/:ws/audit/stats.
 */
import type { AuditEvent } from './event';
import { insertEvents } from './store';

export type AuditDeps = {
  AUDIT_QUEUE: Queue;
  DB: D1Database;
  /** Benchmark-only switch (`npm run bench` measures audit on vs off). Not in wrangler.toml. */
  BENCH_DISABLE_AUDIT?: string;
};

export const producerCounters = { sent: 0, sendFailures: 0, directWrites: 0, lost: 0 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendAudit(deps: AuditDeps, events: AuditEvent[]): Promise<void> {
  if (events.length === 0 || deps.BENCH_DISABLE_AUDIT === 'true') return;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // sendBatch takes at most 100 messages.
      for (let i = 0; i < events.length; i += 100) {
        await deps.AUDIT_QUEUE.sendBatch(
          events.slice(i, i + 100).map((body) => ({ body, contentType: 'json' as const })),
        );
      }
      producerCounters.sent += events.length;
      return;
    } catch {
      producerCounters.sendFailures++;
      if (attempt < 2) await sleep(50 * 2 ** attempt);
    }
  }
  try {
    await insertEvents(deps.DB, events);
    producerCounters.directWrites += events.length;
  } catch (err) {
    producerCounters.lost += events.length;
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'audit events could not be stored',
        count: events.length,
        error: String(err),
      }),
    );
  }
}
