/**
 * The audit outbox: decisions' events are packed, per isolate, into few queue messages
 * (many events may travel in one message). One message per decision
 * meets Queues' 5,000 messages/s per queue at 5,000 decisions/s and costs about three
 * queue operations per decision; packed, a message carries up to OUTBOX.events events.
 *
 * Module state holds exactly this (module state is bounded caches and this outbox only):
 * - one open batch, bounded (OUTBOX.events events, OUTBOX.bytes of JSON): when it is
 *   full the request that filled it sends it at once (back-pressure), else it is sent
 *   OUTBOX.delayMs after its first event;
 * - every request whose event is in a batch keeps its own ctx.waitUntil open until that
 *   batch is delivered (or counted lost), so no event outlives the request that made it;
 * - nothing here is read by any request: it is appended to, sent, and marked done.
 *
 * No promise is shared between requests. workerd ties a promise to the request that
 * created it: awaiting another request's promise logs "cross-thread PromiseFulfiller was
 * destroyed" and cancels continuations, and a request cannot clear another's timer
 * (measured: 17,000 such errors per bench run, and full batches sent twice when the
 * delivery promise and one timer were shared). So each request waits with its own timers:
 * until the batch's deadline, when the first to wake takes the batch and delivers it in
 * its own waitUntil; the others poll the batch's state, backing off, until it is done.
 * A batch is taken exactly once (`state` moves open → sending → done).
 * Delivery (retries, then a direct D1 write) is producer.ts.
 */
import type { SerializedEvent } from './event';
import { type AuditDeps, DELIVERY_BUDGET_MS, deliver, MESSAGE_BYTES } from './producer';

/**
 * Chosen by measurement (BENCHMARKS.md → audit at scale): under load a batch fills to 100
 * events (events average ~1 KB) within milliseconds; 50 ms bounds how long an event waits
 * when traffic is light and, against 20 ms, halves the messages an idle isolate's timers
 * send. A batch is one message of at most MESSAGE_BYTES (one 64 KB billing unit).
 */
export const OUTBOX = { events: 100, bytes: MESSAGE_BYTES - 32, delayMs: 50 } as const;

type Batch = {
  deps: AuditDeps;
  /** Each event as its JSON text (serialized once, packed as is). */
  events: string[];
  bytes: number;
  /** Epoch ms after which any holder may take and send the batch. */
  deadline: number;
  state: 'open' | 'sending' | 'done';
  /** The requests already holding the batch (one waitUntil per request and batch). */
  holders: WeakSet<object>;
};

type Ctx = { waitUntil(p: Promise<unknown>): void };

let open: Batch | undefined;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Takes the batch for sending: true for exactly one caller. */
function take(batch: Batch): boolean {
  if (batch.state !== 'open') return false;
  batch.state = 'sending';
  if (open === batch) open = undefined;
  return true;
}

/** Delivers a taken batch. deliver() never throws; the batch is done once stored or counted lost. */
async function send(batch: Batch): Promise<void> {
  try {
    await deliver(batch.deps, batch.events);
  } finally {
    batch.state = 'done';
  }
}

/** One request's hold on a batch, with its own timers: to the deadline, then send it or see it sent. */
async function hold(batch: Batch): Promise<void> {
  const wait = batch.deadline - Date.now();
  if (wait > 0) await sleep(wait);
  if (take(batch)) return send(batch);
  const giveUp = Date.now() + DELIVERY_BUDGET_MS + 5_000;
  for (let pause = 5; batch.state !== 'done' && Date.now() < giveUp; pause = Math.min(pause * 2, 1_000)) {
    await sleep(pause);
  }
}

/**
 * Puts a request's events in the outbox; the request's waitUntil stays open until every
 * batch its events went into is delivered.
 */
export function recordAudit(deps: AuditDeps, ctx: Ctx, events: readonly SerializedEvent[]): void {
  for (const event of events) {
    const text = event.json;
    const full = open;
    if (full && full.bytes + text.length + 1 > OUTBOX.bytes && take(full)) ctx.waitUntil(send(full));
    if (!open) {
      open = {
        deps,
        events: [],
        bytes: 0,
        deadline: Date.now() + OUTBOX.delayMs,
        state: 'open',
        holders: new WeakSet(),
      };
    }
    const batch = open;
    batch.events.push(text);
    batch.bytes += text.length + 1;
    if (batch.events.length >= OUTBOX.events && take(batch)) {
      // This request sends it; it holds it through that send, not a timer.
      batch.holders.add(ctx);
      ctx.waitUntil(send(batch));
    } else if (!batch.holders.has(ctx)) {
      batch.holders.add(ctx);
      ctx.waitUntil(hold(batch));
    }
  }
}
