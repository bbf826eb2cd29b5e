/**
 * Worker entry: HTTP, the audit queue consumers, the retention cron, and the RPC
 * entrypoint for service bindings. Wiring only.
 */
import { AUDIT_DLQ, applyRetention, consumeAudit, consumeDeadLetters } from './audit/consumer';
import { createApp } from './http/app';

export { VerdictRpc } from './rpc';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  async queue(batch, env, _ctx) {
    if (batch.queue === AUDIT_DLQ) await consumeDeadLetters(batch, env.DB);
    else await consumeAudit(batch, env.DB);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(applyRetention(env.DB, Date.now()));
  },
} satisfies ExportedHandler<Env>;
