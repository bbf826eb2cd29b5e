/**
 * The compiled policy set of a workspace, as the decision path reads it.
 *
 * Layers and staleness:
 * - D1 holds the policy versions and bindings (source of truth).
 * - KV holds the compiled set (`policyset:v1:<ws>`), rewritten on every policy,
 *   binding or timezone change (write-through). Rebuilt from D1 when absent.
 * - Each isolate keeps built engines (closures) in a bounded LRU and re-reads KV at
 *   most every `revalidateMs` (POLICY_REVALIDATE_MS, default 5 s). The isolate that
 *   handled a write sees it at once. Others see it within revalidateMs plus KV's
 *   propagation (up to 60 s between Cloudflare locations; immediate locally).
 */
import { Lru } from '../lib/lru';
import { compilePolicy } from '../policy/compile-policy';
import { bindingKey, type CompiledPolicySet } from '../policy/compiled';
import { buildEngine, type Engine } from '../policy/evaluate';
import { database } from '../storage/db';
import { kvKeys } from '../storage/kv-keys';
import { currentPolicySources, listPermissions } from '../storage/policies';
import { getWorkspace } from '../storage/workspaces';

export type PolicyDeps = { DB: D1Database; CACHE: KVNamespace };

const engines = new Lru<string, { engine: Engine; checkedAt: number }>(512);

export const DEFAULT_REVALIDATE_MS = 5000;

/** Reads every current policy and binding of the workspace from D1 and compiles them. */
export async function buildPolicySet(
  db: D1Database,
  ws: string,
  version: number,
): Promise<CompiledPolicySet> {
  const d = database(db);
  const [workspace, sources, perms] = await Promise.all([
    getWorkspace(d, ws),
    currentPolicySources(d, ws),
    listPermissions(d, ws),
  ]);
  const set: CompiledPolicySet = {
    version,
    timezone: workspace?.timezone ?? 'UTC',
    policies: {},
    bindings: {},
  };
  for (const s of sources) {
    const compiled = compilePolicy(s.source, s.version);
    // Stored versions were validated on write; one that no longer compiles is left out
    // (its bindings then match nothing, which denies: fail closed).
    if (compiled.ok) set.policies[s.name] = compiled.policy;
  }
  for (const p of perms) set.bindings[bindingKey(p.resource, p.action)] = p.policies;
  return set;
}

/** Rebuilds the set from D1, writes it to KV and to this isolate (write-through). */
export async function publishPolicySet(
  deps: PolicyDeps,
  ws: string,
  now = Date.now(),
): Promise<CompiledPolicySet> {
  const previous = engines.get(ws)?.engine.version ?? 0;
  const set = await buildPolicySet(deps.DB, ws, Math.max(now, previous + 1));
  await deps.CACHE.put(kvKeys.policySet(ws), JSON.stringify(set));
  engines.set(ws, { engine: buildEngine(set), checkedAt: now });
  return set;
}

/** The engine for a workspace: isolate memory, else KV, else D1 (then written to KV). */
export async function loadEngine(
  deps: PolicyDeps,
  ws: string,
  now: number,
  revalidateMs = DEFAULT_REVALIDATE_MS,
): Promise<Engine> {
  const hit = engines.get(ws);
  if (hit && now - hit.checkedAt < revalidateMs) return hit.engine;
  const stored = await deps.CACHE.get<CompiledPolicySet>(kvKeys.policySet(ws), 'json');
  if (stored) {
    if (hit && hit.engine.version === stored.version) {
      hit.checkedAt = now;
      return hit.engine;
    }
    const engine = buildEngine(stored);
    engines.set(ws, { engine, checkedAt: now });
    return engine;
  }
  const set = await publishPolicySet(deps, ws, now);
  return engines.get(ws)?.engine ?? buildEngine(set);
}

/** Forgets this isolate's engine for a workspace (tests, and after destructive changes). */
export function forgetEngine(ws: string): void {
  engines.delete(ws);
}
