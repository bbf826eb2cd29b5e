// The R2 archive, in workerd against real local D1 and R2: what the consumer writes, what
// retention may delete, exports across the hot-window boundary, tenant isolation.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { gunzipText, objectKey } from '../../src/audit/archive';
import { applyRetention, consumeAudit, sweepUnarchived } from '../../src/audit/consumer';
import type { AuditEvent } from '../../src/audit/event';
import { deliver } from '../../src/audit/producer';
import { call, createWorkspace, json } from '../helpers/api';

const H = 3_600_000;
let seq = 0;

function event(ws: string, time: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  seq++;
  return {
    decisionId: `dec_arch_${time.toString(36)}_${seq.toString().padStart(5, '0')}`,
    workspaceId: ws,
    time,
    subject: `user-${seq % 3}`,
    provider: 'p',
    resource: 'orders',
    action: 'approve',
    decision: seq % 2 ? 'Allow' : 'Deny',
    policy: 'p',
    policyVersion: 1,
    ruleId: 'r',
    reasons: [],
    input: { attributes: { sub: `user-${seq % 3}` }, context: { n: seq } },
    latencyMs: 1,
    ip: null,
    userAgent: null,
    ...extra,
  };
}

const packed = (events: AuditEvent[]) => JSON.stringify({ v: 1, events });

/** Every object under a prefix, decompressed into events. */
async function objectsUnder(prefix: string): Promise<Map<string, AuditEvent[]>> {
  const out = new Map<string, AuditEvent[]>();
  const listed = await env.ARCHIVE.list({ prefix });
  for (const o of listed.objects) {
    const body = await (await env.ARCHIVE.get(o.key))?.arrayBuffer();
    const text = await gunzipText(body ?? new ArrayBuffer(0));
    out.set(
      o.key,
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditEvent),
    );
  }
  return out;
}

const rows = async (ws: string) =>
  (
    await env.DB.prepare(
      'SELECT decision_id, archived FROM audit_events WHERE workspace_id = ? ORDER BY decision_id',
    )
      .bind(ws)
      .all<{ decision_id: string; archived: number }>()
  ).results;

/** An R2 binding whose writes fail (an outage), reads pass through. */
const downBucket = {
  put: () => Promise.reject(new Error('injected: R2 down')),
  get: (k: string) => env.ARCHIVE.get(k),
  list: (o: R2ListOptions) => env.ARCHIVE.list(o),
  delete: (k: string | string[]) => env.ARCHIVE.delete(k),
} as unknown as R2Bucket;

async function exported(ws: string, key: string, from: number): Promise<AuditEvent[]> {
  const res = await call('GET', `/v1/workspaces/${ws}/audit/export?from=${from}`, { key });
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent);
}

describe('the audit archive', () => {
  it('each message becomes one object per workspace and hour holding exactly its events; a redelivery overwrites them', async () => {
    const a = (await createWorkspace()).ws;
    const b = (await createWorkspace()).ws;
    const t = Date.UTC(2026, 10, 20, 10, 30);
    const first = [event(a, t), event(a, t + 1), event(b, t + 2), event(a, t + H)];
    const second = [event(a, t + 5)];
    const batch = createMessageBatch('verdict-audit', [
      { id: 'msg-one', timestamp: new Date(), attempts: 1, body: packed(first) },
      { id: 'msg-two', timestamp: new Date(), attempts: 1, body: packed(second) },
    ]);
    await consumeAudit(batch, env.DB, env.ARCHIVE);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks.sort()).toEqual([
      'msg-one',
      'msg-two',
    ]);

    const ofA = await objectsUnder(`audit/ws=${a}/`);
    expect([...ofA.keys()].sort()).toEqual(
      [objectKey(a, t, 'msg-one'), objectKey(a, t + H, 'msg-one'), objectKey(a, t, 'msg-two')].sort(),
    );
    expect(objectKey(a, t, 'msg-one')).toBe(`audit/ws=${a}/date=2026-11-20/hour=10/msg-one.ndjson.gz`);
    expect(ofA.get(objectKey(a, t, 'msg-one'))).toEqual([first[0], first[1]]);
    expect(ofA.get(objectKey(a, t + H, 'msg-one'))).toEqual([first[3]]);
    expect(ofA.get(objectKey(a, t, 'msg-two'))).toEqual(second);
    expect([...(await objectsUnder(`audit/ws=${b}/`)).values()]).toEqual([[first[2]]]);
    expect((await rows(a)).every((r) => r.archived === 1)).toBe(true);
    expect(await rows(a)).toHaveLength(4);

    // Redelivered: the same objects, the same rows.
    const again = createMessageBatch('verdict-audit', [
      { id: 'msg-one', timestamp: new Date(), attempts: 2, body: packed(first) },
    ]);
    await consumeAudit(again, env.DB, env.ARCHIVE);
    expect((await objectsUnder(`audit/ws=${a}/`)).size).toBe(3);
    expect(await rows(a)).toHaveLength(4);
  });

  it('with the archive down nothing reaches D1 from the queue; direct writes keep unmarked rows that retention never deletes until swept', async () => {
    const { ws } = await createWorkspace();
    const old = Date.now() - 200 * 86_400_000;
    const queued = [event(ws, old), event(ws, old + 1)];
    const batch = createMessageBatch('verdict-audit', [
      { id: 'msg-down', timestamp: new Date(), attempts: 1, body: packed(queued) },
    ]);
    await consumeAudit(batch, env.DB, downBucket);
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['msg-down']);
    expect(await rows(ws)).toEqual([]);

    // The producer's direct write (the queue refuses) while the archive is down.
    const direct = [event(ws, old + 2), event(ws, old + 3)];
    const refusing = { sendBatch: () => Promise.reject(new Error('queue down')) } as unknown as Queue;
    await deliver(
      { AUDIT_QUEUE: refusing, DB: env.DB, ARCHIVE: downBucket },
      direct.map((e) => JSON.stringify(e)),
    );
    expect((await rows(ws)).map((r) => r.archived)).toEqual([0, 0]);

    // 200 days old, past every hot window: retention keeps what the archive lacks.
    await applyRetention(env.DB, Date.now(), { archive: env.ARCHIVE });
    expect(await rows(ws)).toHaveLength(2);

    // The sweep archives them; then retention may delete them, and the export still has them.
    expect(await sweepUnarchived(env.DB, env.ARCHIVE, Date.now())).toBeGreaterThanOrEqual(2);
    expect((await rows(ws)).map((r) => r.archived)).toEqual([1, 1]);
    const archivedIds = [...(await objectsUnder(`audit/ws=${ws}/`)).values()].flat().map((e) => e.decisionId);
    expect(archivedIds.sort()).toEqual(direct.map((e) => e.decisionId).sort());
    await applyRetention(env.DB, Date.now(), { archive: env.ARCHIVE });
    expect(await rows(ws)).toEqual([]);
  });

  it('an export across the hot-window boundary returns every event once, newest first, before and after retention', async () => {
    const { ws, adminKey } = await createWorkspace();
    const patched = await call('PATCH', `/v1/workspaces/${ws}`, {
      key: adminKey,
      body: { auditRetentionDays: 1 },
    });
    expect(patched.status).toBe(200);
    const now = Date.now();
    // 36 events over the last 3 days, every 2 hours, two in the same millisecond.
    const events = Array.from({ length: 36 }, (_, i) => event(ws, now - 72 * H + i * 2 * H + 1000));
    events.push(event(ws, events[10]?.time as number));
    const batch = createMessageBatch(
      'verdict-audit',
      [0, 1, 2].map((k) => ({
        id: `msg-span-${ws}-${k}`,
        timestamp: new Date(),
        attempts: 1,
        body: packed(events.filter((_, i) => i % 3 === k)),
      })),
    );
    await consumeAudit(batch, env.DB, env.ARCHIVE);
    const expected = [...events].sort((x, y) =>
      x.time !== y.time ? y.time - x.time : x.decisionId < y.decisionId ? 1 : -1,
    );
    const ids = (list: AuditEvent[]) => list.map((e) => e.decisionId);

    const before = await exported(ws, adminKey, now - 4 * 24 * H);
    expect(ids(before)).toEqual(ids(expected));
    expect(before).toEqual(expected);

    await applyRetention(env.DB, Date.now(), { archive: env.ARCHIVE });
    const hot = events.filter((e) => e.time >= now - 24 * H).length;
    expect(await rows(ws)).toHaveLength(hot);
    const after = await exported(ws, adminKey, now - 4 * 24 * H);
    expect(ids(after)).toEqual(ids(expected));

    // A narrower range from the archive side only, and the paged query saying where D1 ends.
    const mid = await exported(ws, adminKey, now - 50 * H);
    expect(ids(mid)).toEqual(ids(expected.filter((e) => e.time >= now - 50 * H)));
    const page = await json<{ data: AuditEvent[]; hotWindowStart: number; pastHotWindow: boolean }>(
      await call('GET', `/v1/workspaces/${ws}/audit?from=${now - 4 * 24 * H}&limit=500`, { key: adminKey }),
    );
    expect(page.pastHotWindow).toBe(true);
    expect(page.data).toHaveLength(hot);
    expect(page.hotWindowStart).toBeGreaterThan(now - 24 * H - 60_000);
  });

  it('another workspace’s partition is unreachable', async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const t = Date.now() - 10 * 24 * H;
    const batch = createMessageBatch('verdict-audit', [
      {
        id: `msg-iso-${a.ws}`,
        timestamp: new Date(),
        attempts: 1,
        body: packed([event(a.ws, t), event(a.ws, t + 1)]),
      },
    ]);
    await consumeAudit(batch, env.DB, env.ARCHIVE);
    expect(await exported(a.ws, a.adminKey, t - H)).toHaveLength(2);
    expect(await exported(b.ws, b.adminKey, t - H)).toEqual([]);
    // A's key cannot read B's export, nor B's key A's (404: the workspace does not exist for it).
    expect((await call('GET', `/v1/workspaces/${a.ws}/audit/export`, { key: b.adminKey })).status).toBe(404);
    // Keys are built from checked workspace ids only.
    for (const bad of ['../x', 'a/b', 'ws=a', '']) expect(() => objectKey(bad, t, 'm')).toThrow();
  });
});
