/**
 * The tutorial's approve route, written with the Verdict SDK as a small Hono app.
 * Run Verdict with `npm run dev`, then e.g. with `npx wrangler dev examples/order-approval/app.ts --port 8788`,
 * and call POST /api/orders/order-1/approve with `Authorization: Bearer <token from /dev-idp/token>`.
 */
import { Hono } from 'hono';
import { VerdictClient } from '../../sdk/src';
import { verdictAuthorize } from '../../sdk/src/hono';

type Order = { id: string; amount: number; status: 'pending' | 'approved' };

// The tutorial's mock database.
const orders: Record<string, Order> = {
  'order-1': { id: 'order-1', amount: 500, status: 'pending' },
  'order-2': { id: 'order-2', amount: 5000, status: 'pending' },
  'order-3': { id: 'order-3', amount: 15000, status: 'pending' },
};

const verdict = new VerdictClient({ baseUrl: 'http://localhost:8787', workspaceId: 'demo' });

const app = new Hono<{ Variables: { verdict: { decisionId: string } } }>();

app.post(
  '/api/orders/:id/approve',
  async (c, next) => {
    if (!orders[c.req.param('id')]) return c.json({ error: 'Order not found' }, 404);
    await next();
  },
  verdictAuthorize({
    client: verdict,
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

/** The same check without the middleware, showing the denial reason as the tutorial does. */
app.post('/api/orders/:id/approve-manually', async (c) => {
  const order = orders[c.req.param('id')];
  if (!order) return c.json({ error: 'Order not found' }, 404);
  const token = c.req.header('authorization')?.replace(/^Bearer /, '');
  if (!token) return c.json({ error: 'Not authenticated' }, 401);
  const auth = await verdict.checkAuthorization({
    token,
    resource: 'orders',
    action: 'approve',
    context: { orderId: order.id, amount: order.amount },
  });
  if (!auth.data.allowed) {
    return c.json(
      {
        error: 'Not authorized to approve this order',
        reason: `Order amount (${order.amount}) exceeds your approval limit`,
      },
      403,
    );
  }
  order.status = 'approved';
  return c.json({ success: true, order });
});

export default app;
