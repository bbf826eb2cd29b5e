/**
 * Worker entry: HTTP, the audit and impact queue consumers, the archive sweep and retention cron, and the RPC
 * entrypoint for service bindings. Wiring only.
 */
import { consumeImpact, IMPACT_QUEUE } from './analysis/impact-run';
import {
  AUDIT_DLQ,
  applyRetention,
  consumeAudit,
  consumeDeadLetters,
  sweepUnarchived,
} from './audit/consumer';
import { createApp } from './http/app';
import { hotAuthorize, hotRouteWorkspace } from './http/hot-authorize';

export { VerdictRpc } from './rpc';

const app = createApp();

export default {
  async fetch(request, env, ctx) {
    const ws = hotRouteWorkspace(request.method, request.url);
    if (ws === null) return app.fetch(request, env, ctx);
    const handled = await hotAuthorize(request, ws, env, ctx);
    return handled instanceof Response ? handled : app.fetch(handled, env, ctx);
  },
  async queue(batch, env, _ctx) {
    if (batch.queue === AUDIT_DLQ) await consumeDeadLetters(batch, env.DB);
    else if (batch.queue === IMPACT_QUEUE) await consumeImpact(batch, env);
    else await consumeAudit(batch, env.DB, env.ARCHIVE);
  },
  async scheduled(_controller, env, ctx) {
    // Archive what is not archived yet, then apply the hot window and the archive's retention.
    ctx.waitUntil(
      sweepUnarchived(env.DB, env.ARCHIVE, Date.now()).then(() =>
        applyRetention(env.DB, Date.now(), { archive: env.ARCHIVE }),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
