/**
 * The bench's "audit off" Verdict: the production Worker unchanged, with its AUDIT_QUEUE
 * binding replaced by a queue that accepts and drops every message (the bench wires its
 * own binding; production code has no benchmark switch). Events are still built, bounded
 * and packed — about 5 µs a decision — so "off" is the decision path without the queue,
 * the consumer and the D1 writes.
 */
import worker from '../src/index';

const dropped = {
  send: async () => {},
  sendBatch: async () => {},
} as unknown as Queue;

export default {
  fetch: (request, env, ctx) => worker.fetch(request, { ...env, AUDIT_QUEUE: dropped }, ctx),
} satisfies ExportedHandler<Env>;
