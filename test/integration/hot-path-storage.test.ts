// What the decision path reads, counted on the real local D1 and KV bindings: D1 only
// when KV has lost the workspace's snapshot, KV only when the isolate's copy is due for
// revalidation (or a key set is due for refresh), nothing at all when the isolate is warm.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorize, type DecisionEnv } from '../../src/decision/authorize';
import { kvKeys } from '../../src/storage/kv-keys';
import { sign, trustingWorkspace } from '../helpers/idp';

type Counts = { d1: number; kvReads: number; kvWrites: number };

/** The real binding, with every method call counted before it is passed through. */
function counted<T extends object>(target: T, count: (method: string) => void): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = (t as Record<PropertyKey, unknown>)[prop];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        count(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

describe('storage reads on the decision path', () => {
  const counts: Counts = { d1: 0, kvReads: 0, kvWrites: 0 };
  const decisionEnv: DecisionEnv = {
    DB: counted(env.DB, () => counts.d1++),
    CACHE: counted(env.CACHE, (m) => {
      if (m === 'put' || m === 'delete') counts.kvWrites++;
      else counts.kvReads++;
    }),
    POLICY_REVALIDATE_MS: '5000',
  };
  const start = Date.now();
  let ws: string;
  let token: string;
  /** One decision at `now`; returns what it read and wrote. */
  const decide = async (now: number) => {
    const before = { ...counts };
    const outcome = await authorize({
      env: decisionEnv,
      ws,
      token,
      checks: [{ resource: 'orders', action: 'approve', context: { amount: 10 } }],
      caller: {},
      now,
    });
    expect(outcome.ok && outcome.decisions[0]?.allowed).toBe(true);
    return {
      d1: counts.d1 - before.d1,
      kvReads: counts.kvReads - before.kvReads,
      kvWrites: counts.kvWrites - before.kvWrites,
    };
  };

  beforeAll(async () => {
    let idp: string;
    ({ ws, idp } = await trustingWorkspace('storage'));
    const exp = Math.floor(start / 1000) + 6 * 3600;
    token = await sign(idp, { sub: 'reader', aud: 'verdict', exp });
  });

  it('revalidating against KV reads KV and never D1', async () => {
    // An hour on: this isolate's snapshot is past POLICY_REVALIDATE_MS and the verified
    // token past its 60 s hold, so the path goes back to KV.
    const cold = await decide(start + 3_600_000);
    expect(cold.d1).toBe(0);
    expect(cold.kvReads).toBeGreaterThanOrEqual(1);
  });

  it('a warm isolate answers a repeated token from memory: no KV, no D1', async () => {
    const now = start + 3_600_000 + 1000;
    await decide(now);
    for (let i = 0; i < 20; i++) expect(await decide(now + i)).toEqual({ d1: 0, kvReads: 0, kvWrites: 0 });
  });

  it('only a snapshot missing from KV is rebuilt from D1, and written back so the next miss reads KV', async () => {
    // Positive twin of the counters: the same path does reach D1 when KV has nothing.
    await env.CACHE.delete(kvKeys.policySet(ws));
    const rebuilt = await decide(start + 2 * 3_600_000);
    expect(rebuilt.d1).toBeGreaterThan(0);
    expect(rebuilt.kvWrites).toBeGreaterThanOrEqual(1);
    expect(await env.CACHE.get(kvKeys.policySet(ws))).not.toBeNull();
    const next = await decide(start + 3 * 3_600_000);
    expect(next.d1).toBe(0);
  });
});
