/**
 * A workspace's snapshot: everything the decision path reads — the compiled policy
 * set, the auth providers — versioned as one document.
 *
 * Layers and staleness:
 * - D1 is the source of truth.
 * - KV holds the snapshot (`policyset:v2:<ws>`), rewritten on every policy, binding,
 *   provider or timezone change (write-through), rebuilt from D1 when absent.
 * - Each isolate keeps the built snapshot (closures included) in a bounded LRU and
 *   re-reads KV at most every `revalidateMs` (POLICY_REVALIDATE_MS, default 5 s). The
 *   isolate that handled a write sees it at once. Others see it within revalidateMs
 *   plus KV propagation (up to 60 s across Cloudflare locations; immediate locally).
 */

import type { PepSubjects } from '../contract/admin';
import { WORKSPACE_ID } from '../contract/common';
import { badRequest, notFound, unavailable } from '../lib/errors';
import { Lru } from '../lib/lru';
import { compilePolicy } from '../policy/compile-policy';
import type { CompiledPolicy, CompiledPolicySet } from '../policy/compiled';
import { buildEngine, type Engine } from '../policy/evaluate';
import { database } from '../storage/db';
import { kvKeys } from '../storage/kv-keys';
import { currentPolicySources, listPermissions } from '../storage/policies';
import type { Provider } from '../storage/providers';
import { listProviders } from '../storage/providers';
import { listRevocations, type Revocation } from '../storage/revocations';
import { listShadows } from '../storage/shadows';
import { getWorkspace, type RouteMapEntry } from '../storage/workspaces';
import { policySet } from './policy-check';

export type SnapshotDeps = { DB: D1Database; CACHE: KVNamespace };

export type StoredSnapshot = {
  version: number;
  exists: boolean;
  set: CompiledPolicySet;
  /** Shadow drafts by policy name, compiled (evaluated beside the live policy, never deciding). */
  shadows?: Record<string, CompiledPolicy>;
  providers: Provider[];
  /** Workspace settings the decision path needs (so it never reads the workspace row). */
  settings: {
    redactKeys: string[];
    routeMap: RouteMapEntry[];
    cursorKey: string;
    /** AuthZEN trusted-PEP subject attributes (absent in snapshots stored before it existed). */
    pepSubjects?: PepSubjects | null;
  };
  /** The denylist, checked on every decision (expired entries are ignored). */
  revocations: Revocation[];
};

export type Snapshot = StoredSnapshot & {
  engine: Engine;
  /** `${kind}\u0000${value}` → expiry (ms, or Infinity). */
  revoked: Map<string, number>;
  /** settings.redactKeys as a set, built once per snapshot (every audit event reads it). */
  redact: ReadonlySet<string>;
};

const snapshots = new Lru<string, { snapshot: Snapshot; checkedAt: number }>(512);

export const DEFAULT_REVALIDATE_MS = 5000;

/**
 * Workspace ids known not to exist, per isolate, for ABSENT_TTL_MS: an unauthenticated
 * caller naming random workspaces costs one D1 read per id per isolate and window, and
 * never a KV write. Bounded (LRU). A workspace created elsewhere is seen here within
 * ABSENT_TTL_MS; the isolate that creates it forgets the absence at once.
 */
const absent = new Lru<string, true>(4096);
export const ABSENT_TTL_MS = 10_000;

export function forgetAbsence(ws: string): void {
  absent.delete(ws);
}

/** Reads the workspace's policies, bindings and providers from D1 and compiles them. */
export async function buildSnapshot(db: D1Database, ws: string, version: number): Promise<StoredSnapshot> {
  const d = database(db);
  const [workspace, sources, perms, providers, revocations, drafts] = await Promise.all([
    getWorkspace(d, ws),
    currentPolicySources(d, ws),
    listPermissions(d, ws),
    listProviders(d, ws),
    listRevocations(d, ws),
    listShadows(d, ws),
  ]);
  // Stored versions were validated on write; one that no longer compiles is left out
  // (its bindings then match nothing, which denies: fail closed).
  const compiled = sources.flatMap((s) => {
    const c = compilePolicy(s.source, s.version);
    return c.ok ? [c.policy] : [];
  });
  const set = policySet(compiled, perms, workspace?.timezone ?? 'UTC', version);
  const shadows: Record<string, CompiledPolicy> = {};
  for (const d of drafts) {
    const c = compilePolicy(d.source, 0);
    if (c.ok) shadows[d.name] = c.policy;
  }
  return {
    version,
    exists: workspace !== undefined,
    set,
    shadows,
    providers,
    settings: {
      redactKeys: workspace?.redactKeys ?? [],
      routeMap: workspace?.routeMap ?? [],
      cursorKey: workspace?.cursorKey ?? '',
      pepSubjects: workspace?.pepSubjects ?? null,
    },
    revocations,
  };
}

const hydrate = (s: StoredSnapshot): Snapshot => ({
  ...s,
  engine: buildEngine(s.set, s.shadows),
  revoked: new Map(
    (s.revocations ?? []).map((r) => [`${r.kind}\u0000${r.value}`, r.expiresAt ?? Number.POSITIVE_INFINITY]),
  ),
  redact: new Set(s.settings.redactKeys),
});

/** Whether `sub` or `jti` is on the workspace's denylist at `now`. */
export function isRevoked(
  snapshot: Snapshot,
  sub: string,
  jti: string | undefined,
  now: number,
): 'sub' | 'jti' | undefined {
  if ((snapshot.revoked.get(`sub\u0000${sub}`) ?? 0) > now) return 'sub';
  if (jti !== undefined && (snapshot.revoked.get(`jti\u0000${jti}`) ?? 0) > now) return 'jti';
  return undefined;
}

/** Rebuilds the snapshot from D1, writes it to KV and to this isolate (write-through). */
export async function publishSnapshot(deps: SnapshotDeps, ws: string, now = Date.now()): Promise<Snapshot> {
  const previous = snapshots.get(ws)?.snapshot.version ?? 0;
  const stored = await buildSnapshot(deps.DB, ws, Math.max(now, previous + 1));
  await deps.CACHE.put(kvKeys.policySet(ws), JSON.stringify(stored));
  const snapshot = hydrate(stored);
  snapshots.set(ws, { snapshot, checkedAt: now });
  return snapshot;
}

/** The snapshot for a workspace: isolate memory, else KV, else D1 (then written to KV). */
export async function loadSnapshot(
  deps: SnapshotDeps,
  ws: string,
  now: number,
  revalidateMs = DEFAULT_REVALIDATE_MS,
): Promise<Snapshot> {
  const hit = snapshots.get(ws);
  if (hit && now - hit.checkedAt < revalidateMs) return hit.snapshot;
  if (!hit && absent.get(ws, now)) return absentSnapshot();
  const stored = await deps.CACHE.get<StoredSnapshot>(kvKeys.policySet(ws), 'json');
  if (stored) {
    if (hit && hit.snapshot.version === stored.version) {
      hit.checkedAt = now;
      return hit.snapshot;
    }
    const snapshot = hydrate(stored);
    snapshots.set(ws, { snapshot, checkedAt: now });
    return snapshot;
  }
  // Nothing in KV: one D1 read says whether the workspace exists before anything is built.
  if (!(await getWorkspace(database(deps.DB), ws))) {
    absent.set(ws, true, now + ABSENT_TTL_MS);
    return absentSnapshot();
  }
  return publishSnapshot(deps, ws, now);
}

/** The snapshot of a workspace that does not exist: decides nothing (callers answer 404). */
function absentSnapshot(): Snapshot {
  return hydrate({
    version: 0,
    exists: false,
    set: { version: 0, timezone: 'UTC', policies: {}, bindings: {} },
    providers: [],
    settings: { redactKeys: [], routeMap: [], cursorKey: '' },
    revocations: [],
  });
}

/**
 * The workspace's snapshot for a decision: a malformed id is a 400 (it names no workspace,
 * and stays out of KV keys and D1), a store that cannot answer a 503 (no decision is made),
 * an unknown workspace a 404.
 */
export async function snapshotFor(
  env: SnapshotDeps & { POLICY_REVALIDATE_MS?: string },
  ws: string,
  now: number,
): Promise<Snapshot> {
  if (!WORKSPACE_ID.test(ws)) throw badRequest('The workspace id is not valid');
  let snapshot: Snapshot;
  try {
    const revalidate = Number(env.POLICY_REVALIDATE_MS ?? DEFAULT_REVALIDATE_MS);
    snapshot = await loadSnapshot(
      env,
      ws,
      now,
      Number.isFinite(revalidate) ? revalidate : DEFAULT_REVALIDATE_MS,
    );
  } catch {
    throw unavailable('Policies cannot be loaded right now; no decision was made');
  }
  if (!snapshot.exists) throw notFound('Workspace');
  return snapshot;
}
