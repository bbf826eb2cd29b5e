/**
 * Shadow policies: a draft attached beside a live policy. Every decision that uses the
 * policy also evaluates the draft (policy/evaluate.ts → decideWithShadow) without
 * changing its answer; the audit event records the shadow's answer and whether it
 * diverged, so the counts here are exact over the audited decisions.
 */
import type { PolicyDocument, Shadow } from '../contract';
import { checkPolicy, invalidPolicy } from '../decision/policy-check';
import { publishSnapshot, type SnapshotDeps } from '../decision/snapshot';
import { notFound } from '../lib/errors';
import { database } from '../storage/db';
import { getPolicySummary } from '../storage/policies';
import { listProviders } from '../storage/providers';
import { deleteShadow, getShadow, putShadow } from '../storage/shadows';
import { writePolicy } from './policies';

const EXAMPLES = 10;

/** Attaches `draft` as the shadow of live policy `name` (replacing any; counts restart). */
export async function attachShadow(deps: SnapshotDeps, ws: string, name: string, draft: PolicyDocument) {
  if (draft.name !== name)
    throw invalidPolicy([{ path: 'name', message: `the draft's name must equal the URL's name "${name}"` }]);
  const db = database(deps.DB);
  const live = await getPolicySummary(db, ws, name);
  if (!live) throw notFound(`Policy "${name}"`);
  const checked = checkPolicy(draft, 0, await listProviders(db, ws));
  if (!checked.ok) throw invalidPolicy(checked.errors);
  const now = Date.now();
  await putShadow(db, ws, {
    name,
    source: checked.document,
    liveVersion: live.currentVersion,
    attachedAt: now,
  });
  await publishSnapshot(deps, ws, now);
  return { ...(await shadowReport(deps, ws, name)), warnings: checked.warnings };
}

type CountRow = { evaluated: number; diverged: number | null };
type ExampleRow = {
  decision_id: string;
  time: number;
  subject: string | null;
  resource: string;
  action: string;
  decision: 'Allow' | 'Deny';
  rule_id: string | null;
  shadow: string;
};

/** The shadow of `name` with its counts since it was attached and its latest divergences. */
export async function shadowReport(deps: SnapshotDeps, ws: string, name: string): Promise<Shadow> {
  const shadow = await getShadow(database(deps.DB), ws, name);
  if (!shadow) throw notFound(`Shadow of policy "${name}"`);
  // Rows with a shadow whose draft set included this policy (the partial index keeps the scan to shadowed rows).
  const scope = `workspace_id = ? AND time >= ? AND shadow IS NOT NULL
    AND EXISTS (SELECT 1 FROM json_each(shadow, '$.policies') WHERE value = ?)`;
  const [counts, examples] = await deps.DB.batch<CountRow | ExampleRow>([
    deps.DB.prepare(
      `SELECT COUNT(*) AS evaluated, SUM(shadow_diverged) AS diverged FROM audit_events WHERE ${scope}`,
    ).bind(ws, shadow.attachedAt, name),
    deps.DB.prepare(
      `SELECT decision_id, time, subject, resource, action, decision, rule_id, shadow FROM audit_events
       WHERE ${scope} AND shadow_diverged = 1 ORDER BY time DESC, decision_id DESC LIMIT ${EXAMPLES}`,
    ).bind(ws, shadow.attachedAt, name),
  ]);
  const c = counts?.results[0] as CountRow | undefined;
  return {
    policy: name,
    liveVersion: shadow.liveVersion,
    draft: shadow.source,
    attachedAt: shadow.attachedAt,
    evaluated: c?.evaluated ?? 0,
    diverged: c?.diverged ?? 0,
    examples: ((examples?.results ?? []) as ExampleRow[]).map((r) => {
      const s = JSON.parse(r.shadow) as { decision: 'Allow' | 'Deny'; ruleId: string | null };
      return {
        decisionId: r.decision_id,
        time: r.time,
        subject: r.subject,
        resource: r.resource,
        action: r.action,
        live: { decision: r.decision, ruleId: r.rule_id },
        shadow: { decision: s.decision, ruleId: s.ruleId },
      };
    }),
  };
}

/**
 * Makes the draft the next live version of the policy (a normal write) and detaches it,
 * only while the live version is still the one the shadow was compared against (its
 * `liveVersion`), or `expectedVersion` when the caller names one: a version written or
 * rolled back to since is never silently replaced (409 naming both versions).
 */
export async function promoteShadow(deps: SnapshotDeps, ws: string, name: string, expectedVersion?: number) {
  const db = database(deps.DB);
  const shadow = await getShadow(db, ws, name);
  if (!shadow) throw notFound(`Shadow of policy "${name}"`);
  const written = await writePolicy(deps, ws, name, shadow.source, {
    currentVersion: expectedVersion ?? shadow.liveVersion,
    what:
      expectedVersion === undefined
        ? `the version the shadow was attached beside and compared against; attach the draft again to compare it with the live version, or pass expectedVersion`
        : 'expectedVersion',
  });
  await deleteShadow(db, ws, name);
  await publishSnapshot(deps, ws);
  return written;
}

export async function detachShadow(deps: SnapshotDeps, ws: string, name: string): Promise<void> {
  if (!(await deleteShadow(database(deps.DB), ws, name))) throw notFound(`Shadow of policy "${name}"`);
  await publishSnapshot(deps, ws);
}
