/// <reference types="node" />
// Audit under faults (issue: audit at scale). Verdict runs in workerd with real local D1,
// KV and Queues, behind a harness Worker (harness-worker.ts) that injects faults into
// the platform bindings only: the queue refuses a share of sends, D1 batch writes fail
// a share of the time, and the consumer crashes on a share of batches. A few thousand
// decisions are made in a burst (the outbox flushes when full), then a trickle (it
// flushes on its timer), with workerd restarted between the bursts. Then every answered
// decision must have exactly one audit row, and no row may hold a token.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp } from '../fixtures/idp-server';
import { orderApprovalPolicy } from '../fixtures/seed';
import { type RunningVerdict, startVerdict } from '../gateway/verdict-in-workerd';

const ROOT_KEY = 'soak-root-key';
const WS = 'soak';
const IDP = 'soak';
const FAULTS = { FAULT_SEND: '0.1', FAULT_D1: '0.1', FAULT_CONSUMER: '0.1' };

let verdict: RunningVerdict;
let idpBase = '';
let closeIdp: () => Promise<void> = async () => {};
let adminKey = '';
const tokens: string[] = [];

/** An admin call, retried while an injected D1 fault makes it fail (writes are atomic). */
async function admin(method: string, path: string, key: string, body?: unknown): Promise<unknown> {
  for (let i = 0; ; i++) {
    const res = await fetch(`${verdict.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status < 300) return text ? JSON.parse(text) : null;
    if (res.status < 500 || i > 20) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  }
}

async function sign(claims: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${idpBase}/i/${IDP}/sign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ claims: { aud: 'verdict', ...claims } }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** One authorize call; the decision id it was answered with (Allow, Deny or a refused token). */
async function decide(i: number): Promise<string | undefined> {
  const token = i % 10 === 9 ? 'not-a-token' : (tokens[i % tokens.length] as string);
  let res: Response;
  try {
    res = await fetch(`${verdict.url}/v1/workspaces/${WS}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        resource: 'orders',
        action: 'approve',
        context: { amount: (i * 37) % 2000, i },
      }),
    });
  } catch {
    return undefined; // cut by the restart before an answer: no decision was received
  }
  const body = (await res.json()) as { data?: { decisionId: string }; decisionId?: string };
  return body.data?.decisionId ?? body.decisionId;
}

async function burst(from: number, count: number, concurrency: number): Promise<string[]> {
  const ids: string[] = [];
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < from + count) {
        const id = await decide(next++);
        if (id) ids.push(id);
      }
    }),
  );
  return ids;
}

/** Waits until this isolate's producer has nothing in flight (its counters stop moving). */
async function settled(): Promise<void> {
  let last = '';
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const stats = (await admin('GET', '/v1/operations/audit-producer', ROOT_KEY)) as { data: unknown };
    const now = JSON.stringify(stats.data);
    if (now === last) return;
    last = now;
  }
}

/** Events this isolate's queue accepted plus those its producer wrote to D1 directly. */
async function delivered(): Promise<number> {
  const { accepted } = (await (await fetch(`${verdict.url}/__harness/accepted`)).json()) as {
    accepted: number;
  };
  const stats = (await admin('GET', '/v1/operations/audit-producer', ROOT_KEY)) as {
    data: { directWrites: number };
  };
  return accepted + stats.data.directWrites;
}

const missingFrom = (rows: { decision_id: string }[], answered: string[]) => {
  const have = new Set(rows.map((r) => r.decision_id));
  return answered.filter((id) => !have.has(id));
};

/** The rows once every answered decision has one, or after 45 s (the consumer retries faults). */
async function drained(answered: string[]) {
  let rows = await auditRows();
  for (let waited = 0; waited < 45_000 && missingFrom(rows, answered).length > 0; waited += 500) {
    await new Promise((r) => setTimeout(r, 500));
    rows = await auditRows();
  }
  return rows;
}

async function auditRows(): Promise<{ decision_id: string; input: string; reasons: string }[]> {
  const db = await verdict.mf.getD1Database('DB');
  const rows = await db
    .prepare('SELECT decision_id, input, reasons FROM audit_events WHERE workspace_id = ?')
    .bind(WS)
    .all<{ decision_id: string; input: string; reasons: string }>();
  return rows.results;
}

beforeAll(async () => {
  const idp = await startIdp();
  idpBase = idp.base;
  closeIdp = idp.close;
  verdict = await startVerdict(
    {
      ROOT_API_KEY: ROOT_KEY,
      DEV_IDP: 'false',
      ALLOW_HTTP_ISSUERS: 'true',
      POLICY_REVALIDATE_MS: '200',
      ...FAULTS,
    },
    {
      entry: 'test/soak/harness-worker.ts',
      consumer: { maxBatchSize: 20, maxBatchTimeout: 1, maxRetries: 5 },
    },
  );
  const created = (await admin('POST', '/v1/workspaces', ROOT_KEY, { id: WS, name: 'Soak' })) as {
    data: { apiKey: { key: string } };
  };
  adminKey = created.data.apiKey.key;
  await admin('POST', `/v1/workspaces/${WS}/auth-providers`, adminKey, {
    name: 'Soak IdP',
    type: 'oidc',
    issuer: `${idpBase}/i/${IDP}`,
    audiences: ['verdict'],
    claimMappings: [
      { jwtPath: 'role', attribute: 'role', required: false, defaultValue: 'employee' },
      { jwtPath: 'approval_limit', attribute: 'approval_limit', required: false, defaultValue: 0 },
    ],
  });
  await admin('PUT', `/v1/workspaces/${WS}/policies/order_approval`, adminKey, orderApprovalPolicy);
  await admin('PUT', `/v1/workspaces/${WS}/permissions`, adminKey, {
    resource: 'orders',
    action: 'approve',
    policies: ['order_approval'],
  });
  for (let u = 0; u < 8; u++)
    tokens.push(
      await sign({ sub: `user-${u}`, role: u % 4 === 0 ? 'manager' : 'employee', approval_limit: 1000 }),
    );
}, 120_000);

afterAll(async () => {
  await verdict?.close();
  await closeIdp();
});

describe('audit soak: rows = decisions under injected faults and a restart', () => {
  it('a burst, a restart, a burst, a trickle: every decision has exactly one row, none holds a token', async () => {
    const answered: string[] = [];
    answered.push(...(await burst(0, 1500, 64)));
    expect(answered.length).toBe(1500);
    // Restart: every isolate starts again, with an empty outbox and cold caches, and the
    // run goes on. Miniflare's local queue broker keeps its backlog in memory (a restart
    // would drop it, unlike Cloudflare Queues), so the restart waits for the first
    // burst's backlog to drain; the producers' waitUntil work settles first, as
    // Cloudflare lets it (a hard kill of workerd is not how isolates end).
    await settled();
    // Every event went out exactly once: no batch was sent twice, none was dropped.
    expect(await delivered()).toBe(1500);
    await drained(answered);
    await verdict.restart();
    answered.push(...(await burst(1500, 800, 16)));
    // Trickle: one decision at a time, slower than the outbox's timer (50 ms), so it flushes on time.
    for (let i = 2300; i < 2360; i++) {
      const id = await decide(i);
      if (id) answered.push(id);
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(answered.length).toBe(2360);
    expect(new Set(answered).size).toBe(answered.length);

    // The producer met refusals (so the faults were real), from this isolate's counters.
    const { data: producer } = (await admin('GET', '/v1/operations/audit-producer', ROOT_KEY)) as {
      data: { sendFailures: number; lost: number; messages: number; sent: number };
    };
    expect(producer.sendFailures).toBeGreaterThan(0);
    expect(producer.lost).toBe(0);
    // Packed: far fewer messages than events.
    expect(producer.messages).toBeLessThan(producer.sent / 5);
    await settled();
    expect(await delivered()).toBe(860);

    // Drain: wait for the consumer (with its retries) to settle, then replay what was dead-lettered.
    let rows = await drained(answered);
    if (missingFrom(rows, answered).length > 0) {
      await admin('POST', `/v1/workspaces/${WS}/audit/dead-letters/replay`, adminKey, {});
      rows = await auditRows();
    }
    const ids = rows.map((r) => r.decision_id);
    expect(new Set(ids).size).toBe(ids.length); // no duplicates
    const missing = missingFrom(rows, answered);
    expect(missing, `${missing.length} answered decisions have no row`).toEqual([]);
    for (const r of rows) {
      for (const t of tokens) expect(r.input.includes(t) || r.reasons.includes(t)).toBe(false);
    }

    // The archive holds the same decisions: every row is marked archived, and the objects
    // under the workspace's prefix hold exactly the decisions that have rows (each at least once).
    const db = await verdict.mf.getD1Database('DB');
    const unarchived = await db
      .prepare('SELECT COUNT(*) AS n FROM audit_events WHERE workspace_id = ? AND archived = 0')
      .bind(WS)
      .first<{ n: number }>();
    expect(unarchived?.n).toBe(0);
    const bucket = await verdict.mf.getR2Bucket('ARCHIVE');
    const archived = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix: `audit/ws=${WS}/`, ...(cursor ? { cursor } : {}) });
      for (const o of page.objects) {
        const body = await (await bucket.get(o.key))?.arrayBuffer();
        for (const line of gunzipSync(Buffer.from(body ?? new ArrayBuffer(0)))
          .toString('utf8')
          .split('\n'))
          if (line) archived.add((JSON.parse(line) as { decisionId: string }).decisionId);
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    expect(archived.size).toBe(ids.length);
    expect([...archived].sort()).toEqual([...ids].sort());
  }, 120_000);
});
