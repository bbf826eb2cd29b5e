// Redaction cannot be stepped around by an explanation: the review's case, through the real
// routes. With redactKeys ["card"] and a rule over a list that holds a card, the value is in
// no answer, stored event, audit read, export, simulator trace or impact sample; without the
// key (the twin) the same answer quotes it, so the checks can see a leak.
// test/unit/redaction-property.test.ts covers the class (every function, any depth).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, json } from '../helpers/api';
import { authorizeWith, sign, trustingWorkspace } from '../helpers/idp';

const SECRET = 'QX9SEC77';
const policy = {
  name: 'all',
  specification: {
    rules: [
      {
        rule_id: 'no-payment',
        effect: 'Allow',
        conditions: [{ function: 'list_contains', attribute: 'request_metadata.payments', value: 'none' }],
      },
    ],
    default: { rule_id: 'd', effect: 'Deny' },
  },
};
const context = { payments: [{ card: SECRET }] };

async function waitForRow(decisionId: string) {
  for (let i = 0; i < 75; i++) {
    const row = await env.DB.prepare('SELECT * FROM audit_events WHERE decision_id = ?')
      .bind(decisionId)
      .first<Record<string, unknown>>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

async function decide(redactKeys: string[]) {
  const w = await trustingWorkspace('red', { policy });
  const patch = await call('PATCH', `/v1/workspaces/${w.ws}`, { key: w.adminKey, body: { redactKeys } });
  expect(patch.status).toBe(200);
  const token = await sign(w.idp, { sub: 'carol', aud: 'verdict' });
  const { res, body } = await authorizeWith(w.ws, token, { context });
  expect(res.status).toBe(200);
  return { w, body, decisionId: (body.data as { decisionId: string }).decisionId };
}

describe('redaction at the root of every explanation', () => {
  it('with redactKeys ["card"]: the answer, the row, GET /audit/{id}, the export, a trace and an impact sample hold no card', async () => {
    const { w, body, decisionId } = await decide(['card']);
    const answer = JSON.stringify(body);
    expect(answer).not.toContain(SECRET);
    expect(answer).toContain('list_contains on request_metadata.payments: false (values redacted)');

    const row = await waitForRow(decisionId);
    expect(row, 'the audit row was lost').not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(SECRET);

    const one = await call('GET', `/v1/workspaces/${w.ws}/audit/${decisionId}`, { key: w.adminKey });
    expect(one.status).toBe(200);
    expect(await one.text()).not.toContain(SECRET);

    const exported = await call('GET', `/v1/workspaces/${w.ws}/audit/export?format=ndjson`, {
      key: w.adminKey,
    });
    const lines = new TextDecoder().decode(await exported.arrayBuffer());
    expect(lines).toContain(decisionId);
    expect(lines).not.toContain(SECRET);

    const simulated = await call('POST', `/v1/workspaces/${w.ws}/simulate`, {
      key: w.adminKey,
      body: { attributes: { sub: 'carol' }, resource: 'orders', action: 'read', context },
    });
    expect(simulated.status).toBe(200);
    const trace = await simulated.text();
    expect(trace).toContain('no-payment');
    expect(trace).not.toContain(SECRET);

    const impact = await call('POST', `/v1/workspaces/${w.ws}/impact`, {
      key: w.adminKey,
      body: {
        policies: {
          all: {
            ...policy,
            specification: { ...policy.specification, default: { rule_id: 'd', effect: 'Allow' } },
          },
        },
        since: '1h',
        mode: 'inline',
      },
    });
    expect(impact.status).toBe(200);
    const result = await json<{ data: { samples: unknown[] } }>(impact);
    expect(result.data.samples.length).toBeGreaterThan(0);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  }, 30_000);

  it('the twin: without the key the answer quotes the card', async () => {
    const { body } = await decide([]);
    expect(JSON.stringify(body)).toContain(SECRET);
  });
});
