import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { consumeAudit } from '../../src/audit/consumer';
import type { AuditEvent } from '../../src/audit/event';
import { insertEvents } from '../../src/audit/store';
import worker from '../../src/index';
import { call, createWorkspace, json } from '../helpers/api';
import { authorizeWith, sign, trustingWorkspace } from '../helpers/idp';

const ALLOW_ALL = {
  name: 'all',
  specification: {
    rules: [
      {
        rule_id: 'any',
        effect: 'Allow',
        conditions: [
          {
            function: 'string_not_equal',
            attribute: 'request_metadata',
            metadata_key: 'kind',
            value: 'blocked',
          },
        ],
      },
    ],
    default: { rule_id: 'd', effect: 'Deny' },
  },
};

const world = () => trustingWorkspace('audit', { policy: ALLOW_ALL });

const count = async (ws: string) =>
  (
    await env.DB.prepare('SELECT count(*) AS n FROM audit_events WHERE workspace_id = ?')
      .bind(ws)
      .first<{ n: number }>()
  )?.n ?? 0;

async function waitForRows(ws: string, n: number, timeoutMs = 12_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await count(ws)) >= n) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

let seq = 0;
function event(ws: string, extra: Partial<AuditEvent> = {}): AuditEvent {
  seq++;
  return {
    decisionId: `dec_test_${Date.now()}_${seq}`,
    workspaceId: ws,
    time: Date.now() + seq,
    subject: `user-${seq % 3}`,
    provider: 'p',
    resource: seq % 2 ? 'orders' : 'invoices',
    action: 'read',
    decision: seq % 4 === 0 ? 'Deny' : 'Allow',
    policy: 'all',
    policyVersion: 1,
    ruleId: 'any',
    reasons: [],
    input: { attributes: {}, context: {} },
    latencyMs: 1,
    ip: null,
    userAgent: null,
    ...extra,
  };
}

const messages = (bodies: unknown[], attempts = 1) =>
  bodies.map((body, i) => ({ id: `m${seq}-${i}`, timestamp: new Date(), attempts, body }));

describe('audit through the real queue', () => {
  it('N authorize calls → exactly N rows, one per decisionId, allowed or not', async () => {
    const w = await world();
    const token = await sign(w.idp, { sub: 'alice', aud: 'verdict' });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { res, body } = await authorizeWith(w.ws, token, {
        context: { kind: i % 3 === 0 ? 'blocked' : 'ok', i },
      });
      expect(res.status).toBe(200);
      ids.push((body.data as { decisionId: string }).decisionId);
    }
    const refused = await authorizeWith(w.ws, 'not-a-token');
    expect(refused.res.status).toBe(401);
    ids.push(String(refused.body.decisionId));
    await waitForRows(w.ws, 13);
    const rows = await env.DB.prepare(
      'SELECT decision_id, decision, subject FROM audit_events WHERE workspace_id = ?',
    )
      .bind(w.ws)
      .all<{ decision_id: string; decision: string }>();
    expect(rows.results).toHaveLength(13);
    expect(new Set(rows.results.map((r) => r.decision_id))).toEqual(new Set(ids));
    expect(rows.results.filter((r) => r.decision === 'Deny')).toHaveLength(5);
  }, 20_000);
});

describe('the consumer', () => {
  it('acks every message after its rows commit, and a redelivered batch inserts nothing twice', async () => {
    const { ws } = await createWorkspace();
    const bodies = Array.from({ length: 25 }, () => event(ws));
    for (let round = 0; round < 2; round++) {
      const batch = createMessageBatch('verdict-audit', messages(bodies));
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toHaveLength(25);
      expect(result.retryMessages).toHaveLength(0);
    }
    expect(await count(ws)).toBe(25);
  });

  it('a body that is not an event is parked at once, and the rest of its batch is written', async () => {
    const { ws } = await createWorkspace();
    const bodies: unknown[] = [event(ws), { nonsense: true }, event(ws), 'not even an object', event(ws)];
    const batch = createMessageBatch('verdict-audit', messages(bodies));
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(5);
    expect(result.retryMessages).toHaveLength(0);
    expect(await count(ws)).toBe(3);
    const parked = await env.DB.prepare(
      "SELECT body FROM audit_dead_letters WHERE body LIKE '%nonsense%' OR body LIKE '%not even an object%'",
    ).all();
    expect(parked.results.length).toBeGreaterThanOrEqual(2);
  });

  it('a packed message: its good events are written at once; an event that keeps failing alone is parked on the third delivery', async () => {
    const { ws } = await createWorkspace();
    const good = Array.from({ length: 40 }, () => event(ws));
    // Passes the shape check but cannot be inserted (reasons is NOT NULL): a poison event.
    const { reasons: _dropped, ...poison } = event(ws);
    const body = JSON.stringify({
      v: 1,
      events: [...good.slice(0, 20), poison, ...good.slice(20), { junk: 1 }],
    });
    const other = JSON.stringify({ v: 1, events: Array.from({ length: 5 }, () => event(ws)) });
    const parked = async () =>
      (
        await env.DB.prepare('SELECT id FROM audit_dead_letters WHERE workspace_id = ?')
          .bind(ws)
          .all<{ id: string }>()
      ).results.map((r) => r.id);
    // First delivery: everything good is written; the message with the poison event is
    // retried (the failure might be passing), the other acked.
    const first = createMessageBatch('verdict-audit', messages([body, other]));
    const ctx1 = createExecutionContext();
    await worker.queue(first, env, ctx1);
    const r1 = await getQueueResult(first, ctx1);
    expect(r1.explicitAcks).toEqual([first.messages[1]?.id]);
    expect(r1.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual([first.messages[0]?.id]);
    expect(await count(ws)).toBe(45);
    expect(await parked()).toEqual([]);
    // Third delivery: the event still fails alone, so it is parked and the message acked.
    const third = createMessageBatch('verdict-audit', messages([body], 3));
    const ctx3 = createExecutionContext();
    await worker.queue(third, env, ctx3);
    const r3 = await getQueueResult(third, ctx3);
    expect(r3.explicitAcks).toHaveLength(1);
    expect(await count(ws)).toBe(45);
    expect(await parked()).toEqual([`dl_${poison.decisionId}`]);
  });

  it('when the D1 write throws on the first attempt, the messages are still written once and acked', async () => {
    const { ws } = await createWorkspace();
    let failures = 1;
    const flaky = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch') {
          return (statements: D1PreparedStatement[]) => {
            if (failures-- > 0) return Promise.reject(new Error('D1_ERROR: injected fault'));
            return target.batch(statements);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const bodies = Array.from({ length: 10 }, () => event(ws));
    const batch = createMessageBatch('verdict-audit', messages(bodies));
    const ctx = createExecutionContext();
    await consumeAudit(batch, flaky);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(10);
    expect(await count(ws)).toBe(10);
  });

  it('when D1 stays down, every message is retried with backoff and none is acked', async () => {
    const { ws } = await createWorkspace();
    const down = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch') return () => Promise.reject(new Error('D1_ERROR: down'));
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const batch = createMessageBatch('verdict-audit', messages([event(ws), event(ws)]));
    const ctx = createExecutionContext();
    await consumeAudit(batch, down);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(0);
    expect(result.retryMessages).toHaveLength(2);
  });

  it('dead letters are parked in D1, listed, and replayed into the trail exactly once', async () => {
    const { ws, adminKey } = await createWorkspace();
    const lost = event(ws);
    const batch = createMessageBatch('verdict-audit-dlq', messages([lost]));
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    const listed = await json<{ data: { body: AuditEvent }[] }>(
      await call('GET', `/v1/workspaces/${ws}/audit/dead-letters`, { key: adminKey }),
    );
    expect(listed.data.map((d) => d.body.decisionId)).toEqual([lost.decisionId]);
    const replay = await json<{ data: { replayed: number } }>(
      await call('POST', `/v1/workspaces/${ws}/audit/dead-letters/replay`, { key: adminKey }),
    );
    expect(replay.data.replayed).toBe(1);
    expect(await count(ws)).toBe(1);
    await call('POST', `/v1/workspaces/${ws}/audit/dead-letters/replay`, { key: adminKey });
    expect(await count(ws)).toBe(1);
  });
});

describe('querying', () => {
  it('filters and newest-first pagination skip and repeat nothing while new rows arrive', async () => {
    const { ws, adminKey } = await createWorkspace();
    const initial = Array.from({ length: 57 }, () => event(ws));
    await insertEvents(env.DB, initial);
    const seen: string[] = [];
    const arrived: AuditEvent[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const q: string = `/v1/workspaces/${ws}/audit?limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const body: { data: AuditEvent[]; nextCursor: string | null } = await json(
        await call('GET', q, { key: adminKey }),
      );
      for (let i = 1; i < body.data.length; i++)
        expect((body.data[i - 1] as AuditEvent).time).toBeGreaterThanOrEqual(
          (body.data[i] as AuditEvent).time,
        );
      seen.push(...body.data.map((e) => e.decisionId));
      cursor = body.nextCursor;
      // New decisions keep arriving between pages.
      if (page++ < 3) {
        const late = event(ws, { time: Date.now() + 1_000_000 });
        arrived.push(late);
        await insertEvents(env.DB, [late]);
      }
    } while (cursor);
    expect(seen).toHaveLength(57);
    expect(new Set(seen)).toEqual(new Set(initial.map((e) => e.decisionId)));

    const denied: { data: AuditEvent[] } = await json(
      await call('GET', `/v1/workspaces/${ws}/audit?decision=Deny&resource=invoices&limit=500`, {
        key: adminKey,
      }),
    );
    const want = [...initial, ...arrived].filter(
      (e) => e.decision === 'Deny' && e.resource === 'invoices',
    ).length;
    expect(denied.data).toHaveLength(want);
    const from = (initial[20] as AuditEvent).time;
    const to = (initial[30] as AuditEvent).time;
    const ranged: { data: AuditEvent[] } = await json(
      await call('GET', `/v1/workspaces/${ws}/audit?from=${from}&to=${to}&limit=500`, { key: adminKey }),
    );
    expect(ranged.data).toHaveLength(10);
    const bad = await call('GET', `/v1/workspaces/${ws}/audit?cursor=%%%`, { key: adminKey });
    expect(bad.status).toBe(400);
  });

  it('exports NDJSON and CSV streams and aggregates per hour', async () => {
    const { ws, adminKey } = await createWorkspace();
    const events = Array.from({ length: 30 }, () => event(ws, { subject: '=cmd|evil' }));
    await insertEvents(env.DB, events);
    const nd = await (
      await call('GET', `/v1/workspaces/${ws}/audit/export?format=ndjson`, { key: adminKey })
    ).text();
    expect(nd.trim().split('\n')).toHaveLength(30);
    const csv = await call('GET', `/v1/workspaces/${ws}/audit/export?format=csv`, { key: adminKey });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines).toHaveLength(31);
    expect(lines[1]).toContain(`"'=cmd|evil"`);
    const stats = await json<{
      data: { hourly: { allow: number; deny: number }[]; topDeniedSubjects: unknown[] };
    }>(
      await call(
        'GET',
        `/v1/workspaces/${ws}/audit/stats?from=${Date.now() - 3_600_000}&to=${Date.now() + 3_600_000}`,
        { key: adminKey },
      ),
    );
    const total = stats.data.hourly.reduce((n, h) => n + h.allow + h.deny, 0);
    expect(total).toBe(30);
  });

  it("one workspace's audit is invisible to another, and needs audit:read", async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    await insertEvents(env.DB, [event(a.ws)]);
    expect((await call('GET', `/v1/workspaces/${a.ws}/audit`, { key: b.adminKey })).status).toBe(404);
    const writer = await json<{ data: { key: string } }>(
      await call('POST', `/v1/workspaces/${a.ws}/api-keys`, {
        key: a.adminKey,
        body: { name: 'w', scopes: ['policies:write'] },
      }),
    );
    expect((await call('GET', `/v1/workspaces/${a.ws}/audit`, { key: writer.data.key })).status).toBe(403);
    const own: { data: AuditEvent[] } = await json(
      await call('GET', `/v1/workspaces/${b.ws}/audit`, { key: b.adminKey }),
    );
    expect(own.data).toHaveLength(0);
  });
});

describe('what is stored', () => {
  it('redacts configured context keys and never stores the raw token', async () => {
    const w = await world();
    await call('PATCH', `/v1/workspaces/${w.ws}`, { key: w.adminKey, body: { redactKeys: ['cardNumber'] } });
    const token = await sign(w.idp, { sub: 'bob', aud: 'verdict' });
    const { body } = await authorizeWith(w.ws, token, {
      context: { cardNumber: '4111111111111111', nested: { cardNumber: 'x' }, amount: 5 },
    });
    const decisionId = (body.data as { decisionId: string }).decisionId;
    await waitForRows(w.ws, 1);
    const row = await env.DB.prepare('SELECT * FROM audit_events WHERE decision_id = ?')
      .bind(decisionId)
      .first<Record<string, string>>();
    expect(row).not.toBeNull();
    const text = JSON.stringify(row);
    expect(text).not.toContain('4111111111111111');
    expect(text).toContain('$redacted');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]);
    expect(JSON.parse(row?.input ?? '{}').context.amount).toBe(5);
  }, 20_000);

  it('retention deletes expired events in chunks and keeps recent ones', async () => {
    const { ws, adminKey } = await createWorkspace();
    await call('PATCH', `/v1/workspaces/${ws}`, { key: adminKey, body: { auditRetentionDays: 1 } });
    await insertEvents(env.DB, [
      ...Array.from({ length: 5 }, () => event(ws, { time: Date.now() - 3 * 86_400_000 })),
      event(ws),
    ]);
    const { applyRetention } = await import('../../src/audit/consumer');
    await applyRetention(env.DB, Date.now(), { chunk: 2 });
    expect(await count(ws)).toBe(1);
  });
});
