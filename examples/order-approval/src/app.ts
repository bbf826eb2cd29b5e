/**
 * The order-approval tutorial's API as a small Hono Worker that asks Verdict before it
 * approves an order, with `@verdict-authz/sdk`. A denial tells the caller "not
 * authorized" and a decision id; the policy's reasons (rule names, limits, values) stay
 * in Verdict's audit log unless you choose to show them.
 */
import { VerdictClient } from '@verdict-authz/sdk';
import { verdictAuthorize } from '@verdict-authz/sdk/hono';
import { Hono } from 'hono';

type Bindings = { VERDICT_URL: string; VERDICT_WORKSPACE: string };
type Order = { id: string; amount: number; status: 'pending' | 'approved' };

// The tutorial's mock database (per isolate; a real app reads its own store).
const orders: Record<string, Order> = {
  'order-1': { id: 'order-1', amount: 500, status: 'pending' },
  'order-2': { id: 'order-2', amount: 5000, status: 'pending' },
  'order-3': { id: 'order-3', amount: 15000, status: 'pending' },
};

const clientFor = (env: Bindings) =>
  new VerdictClient({ baseUrl: env.VERDICT_URL, workspaceId: env.VERDICT_WORKSPACE });

const app = new Hono<{ Bindings: Bindings }>();

app.get('/api/orders', (c) => c.json({ orders: Object.values(orders) }));

app.post(
  '/api/orders/:id/approve',
  async (c, next) => {
    if (!orders[c.req.param('id')]) return c.json({ error: 'Order not found' }, 404);
    await next();
  },
  verdictAuthorize({
    client: (c) => clientFor(c.env as Bindings),
    resource: 'orders',
    action: 'approve',
    context: (c) => ({ orderId: c.req.param('id'), amount: orders[c.req.param('id') ?? '']?.amount }),
  }),
  (c) => {
    const order = orders[c.req.param('id')] as Order;
    order.status = 'approved';
    return c.json({ success: true, order, decisionId: c.get('verdict').decisionId });
  },
);

export default app;
