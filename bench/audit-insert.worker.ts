// Bench-only Worker: rows/s of the audit consumer's chunked batch insert vs one INSERT
// per event, against local D1 in workerd.
import type { AuditEvent } from '../src/audit/event';
import { insertEvents } from '../src/audit/store';

type BenchEnv = { DB: D1Database };

const event = (i: number, run: string): AuditEvent => ({
  decisionId: `dec_${run}_${i}`,
  workspaceId: 'bench',
  time: Date.now() + i,
  subject: `user-${i % 50}`,
  provider: 'p',
  resource: 'orders',
  action: 'approve',
  decision: i % 3 ? 'Allow' : 'Deny',
  policy: 'order_approval',
  policyVersion: 1,
  ruleId: 'within-limit',
  reasons: [{ code: 'rule_matched' }],
  input: { attributes: { ext_role: 'employee', ext_approval_limit: 1000 }, context: { amount: i } },
  latencyMs: 1,
  ip: '127.0.0.1',
  userAgent: 'bench',
});

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') ?? '1000');
    const run = `${url.pathname.slice(1)}_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const events = Array.from({ length: n }, (_, i) => event(i, run));
    const started = Date.now();
    if (url.pathname === '/batched') {
      // As the consumer does: one D1 batch per message batch of 100.
      for (let i = 0; i < events.length; i += 100) await insertEvents(env.DB, events.slice(i, i + 100));
    } else {
      for (const e of events) await insertEvents(env.DB, [e]);
    }
    const ms = Math.max(1, Date.now() - started);
    return Response.json({ rows: n, ms, rowsPerSec: (n * 1000) / ms });
  },
};
