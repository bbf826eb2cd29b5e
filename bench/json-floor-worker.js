// The floor under any JSON authorizer on workerd, with no authorization in it: it parses
// the request body, answers a decision of Verdict's size with Verdict's three headers and
// schedules work after the response. With an AUDIT_QUEUE binding it also sends one
// audit-sized message per request, as Verdict does. Everything above this in Verdict's
// numbers is Verdict's own work; everything below it is the price of JSON over HTTP.
const DECISION = {
  allowed: true,
  decision: 'Allow',
  policy: 'order_approval',
  policyVersion: 1764000000000,
  ruleId: 'within-limit',
  reasons: [{ code: 'rule_matched', ruleId: 'within-limit', message: 'Rule "within-limit" matched' }],
};

let sequence = 0;

export default {
  async fetch(request, env, ctx) {
    const text = await request.text();
    const body = text ? JSON.parse(text) : {};
    const decisionId = `dec_${Date.now().toString(36)}${(++sequence).toString(16).padStart(16, '0')}`;
    const subject = typeof body.token === 'string' ? body.token.slice(-8) : null;
    const work = env.AUDIT_QUEUE
      ? env.AUDIT_QUEUE.sendBatch([
          {
            contentType: 'json',
            body: {
              ...DECISION,
              decisionId,
              workspaceId: 'bench',
              time: Date.now(),
              subject,
              provider: 'bench-idp',
              resource: body.resource,
              action: body.action,
              input: {
                attributes: { ext_role: 'employee', ext_approval_limit: 1000 },
                context: body.context,
              },
              latencyMs: 0,
              ip: null,
              userAgent: null,
            },
          },
        ])
      : Promise.resolve();
    ctx.waitUntil(work);
    return new Response(JSON.stringify({ data: { ...DECISION, decisionId, subject } }), {
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'x-request-id': `req_${crypto.randomUUID()}`,
      },
    });
  },
  // The consumer takes each batch and acknowledges it (Verdict's also writes it to D1).
  async queue() {},
};
