// The audit soak's Worker: Verdict's own entry (src/index.ts), unmodified, with faults
// injected into the platform bindings it is handed — the queue refuses a fraction of
// sends, D1 batch writes fail a fraction of the time, and the queue consumer crashes on
// a fraction of batches. Rates come from bindings (FAULT_SEND, FAULT_D1, FAULT_CONSUMER).
// The harness also compresses the consumer's retry backoff to zero delay, so a run
// takes seconds, not the minutes real backoff would.
import verdict from '../../src/index';

export { VerdictRpc } from '../../src/index';

type HarnessEnv = Env & { FAULT_SEND?: string; FAULT_D1?: string; FAULT_CONSUMER?: string };

const rate = (v: string | undefined) => Number(v ?? '0');

/**
 * Events the queue accepted in this isolate (GET /__harness/accepted): with the
 * producer's direct D1 writes they must add up to the decisions made, exactly — an event
 * sent twice (a batch taken twice) would show here, though the idempotent insert hides it
 * in the rows.
 */
let accepted = 0;
const eventsIn = (body: unknown) =>
  typeof body === 'string' && body.startsWith('{"v":1')
    ? (JSON.parse(body) as { events: unknown[] }).events.length
    : 1;
const injected = (what: string) => new Error(`injected fault: ${what}`);

function flakyQueue(queue: Queue, p: number): Queue {
  return new Proxy(queue, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if ((prop === 'send' || prop === 'sendBatch') && typeof value === 'function') {
        return async (...args: unknown[]) => {
          if (Math.random() < p) throw injected(`queue ${String(prop)}`);
          const result = await value.apply(target, args);
          const bodies =
            prop === 'sendBatch' ? (args[0] as { body: unknown }[]).map((m) => m.body) : [args[0]];
          for (const body of bodies) accepted += eventsIn(body);
          return result;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function flakyDb(db: D1Database, p: number): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === 'batch' && typeof value === 'function') {
        return (...args: unknown[]) =>
          Math.random() < p ? Promise.reject(injected('D1 batch')) : value.apply(target, args);
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function withFaults(env: HarnessEnv): Env {
  return {
    ...env,
    AUDIT_QUEUE: flakyQueue(env.AUDIT_QUEUE, rate(env.FAULT_SEND)),
    DB: flakyDb(env.DB, rate(env.FAULT_D1)),
  };
}

/** The batch as the platform gives it, with retries redelivered at once (time compressed). */
function withoutDelays(batch: MessageBatch<unknown>): MessageBatch<unknown> {
  const messages = batch.messages.map((m) => ({
    get id() {
      return m.id;
    },
    get timestamp() {
      return m.timestamp;
    },
    get body() {
      return m.body;
    },
    get attempts() {
      return m.attempts;
    },
    ack: () => m.ack(),
    retry: () => m.retry({ delaySeconds: 0 }),
  })) as unknown as Message<unknown>[];
  return {
    queue: batch.queue,
    messages,
    ackAll: () => batch.ackAll(),
    retryAll: () => batch.retryAll({ delaySeconds: 0 }),
  } as unknown as MessageBatch<unknown>;
}

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === '/__harness/accepted') return Response.json({ accepted });
    return (verdict.fetch as ExportedHandlerFetchHandler<Env>)(request, withFaults(env), ctx);
  },
  async queue(batch, env, ctx) {
    if (Math.random() < rate(env.FAULT_CONSUMER)) throw injected('consumer crash');
    await (verdict.queue as ExportedHandlerQueueHandler<Env>)(withoutDelays(batch), withFaults(env), ctx);
  },
} satisfies ExportedHandler<HarnessEnv>;
