/**
 * Worker entry: HTTP, the audit queue consumer, the retention cron, and the RPC
 * entrypoint for service bindings. Wiring only.
 */
import { createApp } from './http/app';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
