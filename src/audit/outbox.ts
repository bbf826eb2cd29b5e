/**
 * The audit outbox: decisions' events are packed, per isolate, into few queue messages
 * (PRODUCT.md → many events may travel in one message). One message per decision
 * meets Queues' 5,000 messages/s per queue at 5,000 decisions/s and costs about three
 * queue operations per decision; packed, a message carries up to OUTBOX.events events.
 *
 * Module state holds exactly this (DEVELOPERS.md allows it for the outbox only):
 * - one open batch, bounded (OUTBOX.events events, OUTBOX.bytes of JSON): when it is
 *   full it is sent at once (back-pressure), else at most OUTBOX.delayMs after its first
 *   event;
 * - every request whose event is in a batch holds that batch's delivery in its own
 *   ctx.waitUntil, so no event outlives the request that made it;
 * - nothing here is read by any request: it is only appended to and sent.
 * Delivery (retries, then a direct D1 write) is producer.ts.
 */
import type { AuditEvent } from './event';
import { type AuditDeps, deliver } from './producer';

/**
 * Chosen by measurement (BENCHMARKS.md → audit): a batch fills to 100 events under load
 * in a few milliseconds; 20 ms bounds how long an event waits when traffic is light.
 * 96 KB keeps a message under Queues' 128 KB.
 */
export const OUTBOX = { events: 100, bytes: 96 * 1024, delayMs: 20 } as const;

type Batch = {
  deps: AuditDeps;
  /** Each event as its JSON text (serialized once, packed as is). */
  events: string[];
  bytes: number;
  delivered: Promise<void>;
  release: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The requests already holding `delivered` (one waitUntil per request and batch). */
  holders: WeakSet<object>;
};

let open: Batch | undefined;

function openBatch(deps: AuditDeps): Batch {
  let release = () => {};
  const delivered = new Promise<void>((resolve) => {
    release = resolve;
  });
  const batch: Batch = {
    deps,
    events: [],
    bytes: 0,
    delivered,
    release,
    timer: undefined,
    holders: new WeakSet(),
  };
  batch.timer = setTimeout(() => send(batch), OUTBOX.delayMs);
  return batch;
}

function send(batch: Batch): void {
  if (open === batch) open = undefined;
  if (batch.timer !== undefined) clearTimeout(batch.timer);
  batch.timer = undefined;
  // deliver() never throws; the batch's holders are released once it is stored or counted lost.
  void deliver(batch.deps, batch.events).finally(batch.release);
}

/**
 * Puts a request's events in the outbox; the request's waitUntil holds the delivery of
 * every batch its events went into.
 */
export function recordAudit(
  deps: AuditDeps,
  ctx: { waitUntil(p: Promise<unknown>): void },
  events: readonly AuditEvent[],
): void {
  if (events.length === 0 || deps.BENCH_DISABLE_AUDIT === 'true') return;
  for (const event of events) {
    const text = JSON.stringify(event);
    if (open && open.bytes + text.length + 1 > OUTBOX.bytes) send(open);
    open ??= openBatch(deps);
    const batch = open;
    batch.events.push(text);
    batch.bytes += text.length + 1;
    if (!batch.holders.has(ctx)) {
      batch.holders.add(ctx);
      ctx.waitUntil(batch.delivered);
    }
    if (batch.events.length >= OUTBOX.events) send(batch);
  }
}
