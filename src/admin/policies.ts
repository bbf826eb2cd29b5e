/**
 * Policy and binding writes, reads, and the simulator. A write is validated, compiled and
 * checked against the workspace's claim mappings, stored as a new immutable version, and
 * the snapshot every decision reads is published at once.
 */
import type { Permission, PolicyCheckResult, PolicyDocument, ProviderInput } from '../contract';
import { checkPolicy, invalidPolicy } from '../decision/policy-check';
import { buildSnapshot, publishSnapshot, type SnapshotDeps } from '../decision/snapshot';
import { attributeSchema } from '../identity/attribute-schema';
import { conflict, notFound, VerdictError } from '../lib/errors';
import { BUILTIN_ATTRIBUTES, type RequestInput } from '../policy/attributes';
import { compilePolicy } from '../policy/compile-policy';
import { bindingKey } from '../policy/compiled';
import { buildEngine } from '../policy/evaluate';
import { redactReasons, redactTrace } from '../policy/redaction';
import { database, isUniqueViolation } from '../storage/db';
import {
  deletePermission,
  deletePolicy,
  getPolicySummary,
  getPolicyVersion,
  insertPolicyVersion,
  insertPolicyVersionIf,
  listPermissions,
  listPolicies,
  listPolicyVersions,
  setCurrentVersion,
  upsertPermission,
} from '../storage/policies';
import { listProviders } from '../storage/providers';
import { deleteShadow } from '../storage/shadows';

/**
 * Every current policy travels in the workspace snapshot (one KV value, at most 25 MiB,
 * re-read by each isolate): 200 policies of at most 64 KB keep it well under that.
 */
export const MAX_POLICIES_PER_WORKSPACE = 200;

/**
 * A 409 for a write that named the live version it replaces (`expected`) when another is
 * live (`current`; undefined when the policy no longer exists). Names both versions.
 */
export function staleVersion(name: string, expected: number, current: number | undefined, what: string) {
  const live = current === undefined ? 'no longer exists' : `is live at version ${current}`;
  return new VerdictError(
    'conflict',
    409,
    `Policy "${name}" ${live}, not at version ${expected} (${what}); nothing was written`,
    { extensions: { expectedVersion: expected, currentVersion: current ?? null } },
  );
}

/**
 * Writes a new version of policy `name` (the body's name must match) and makes it current.
 * With `expect`, only while version `expect.currentVersion` is still the live one (409
 * staleVersion otherwise, checked atomically with the write: no lost update).
 */
export async function writePolicy(
  deps: SnapshotDeps,
  ws: string,
  name: string,
  body: unknown,
  expect?: { currentVersion: number; what: string },
) {
  const doc = body as Partial<PolicyDocument>;
  if (doc.name !== name) {
    throw invalidPolicy([{ path: 'name', message: `the body's name must equal the URL's name "${name}"` }]);
  }
  const db = database(deps.DB);
  const existing = await getPolicySummary(db, ws, name);
  if (!existing && (await listPolicies(db, ws)).length >= MAX_POLICIES_PER_WORKSPACE) {
    throw conflict(
      `A workspace holds at most ${MAX_POLICIES_PER_WORKSPACE} policies (its snapshot must fit one KV value)`,
    );
  }
  if (expect && existing?.currentVersion !== expect.currentVersion)
    throw staleVersion(name, expect.currentVersion, existing?.currentVersion, expect.what);
  const version = (existing?.latestVersion ?? 0) + 1;
  const checked = checkPolicy(body, version, await listProviders(db, ws));
  if (!checked.ok) throw invalidPolicy(checked.errors);
  const now = Date.now();
  try {
    if (!expect) await insertPolicyVersion(db, ws, name, version, checked.document, now);
    else if (
      !(await insertPolicyVersionIf(db, ws, name, version, checked.document, now, expect.currentVersion))
    ) {
      const current = (await getPolicySummary(db, ws, name))?.currentVersion;
      throw staleVersion(name, expect.currentVersion, current, expect.what);
    }
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('Another write of this policy happened at the same time; retry');
    throw err;
  }
  await publishSnapshot(deps, ws, now);
  return {
    name,
    version,
    currentVersion: version,
    latestVersion: version,
    updatedAt: now,
    warnings: checked.warnings,
  };
}

export const policiesOf = (deps: SnapshotDeps, ws: string) => listPolicies(database(deps.DB), ws);

export async function currentPolicy(deps: SnapshotDeps, ws: string, name: string) {
  const db = database(deps.DB);
  const summary = await getPolicySummary(db, ws, name);
  const current = summary && (await getPolicyVersion(db, ws, name, summary.currentVersion));
  if (!summary || !current) throw notFound('Policy');
  return { ...current, latestVersion: summary.latestVersion };
}

export async function policyVersions(deps: SnapshotDeps, ws: string, name: string) {
  const versions = await listPolicyVersions(database(deps.DB), ws, name);
  if (versions.length === 0) throw notFound('Policy');
  return versions;
}

/** Makes an earlier version current (no new version is written). */
export async function rollbackPolicy(deps: SnapshotDeps, ws: string, name: string, version: number) {
  const db = database(deps.DB);
  if (!(await getPolicyVersion(db, ws, name, version)))
    throw notFound(`Version ${version} of policy "${name}"`);
  const now = Date.now();
  await setCurrentVersion(db, ws, name, version, now);
  await publishSnapshot(deps, ws, now);
  const summary = await getPolicySummary(db, ws, name);
  if (!summary) throw notFound('Policy');
  return summary;
}

/** Deletes a policy and its versions; refused while a permission binds it. */
export async function removePolicy(deps: SnapshotDeps, ws: string, name: string): Promise<void> {
  const db = database(deps.DB);
  if (!(await getPolicySummary(db, ws, name))) throw notFound('Policy');
  const binding = (await listPermissions(db, ws)).find((p) => p.policies.includes(name));
  if (binding)
    throw conflict(`Policy "${name}" is bound to ${binding.resource}/${binding.action}; unbind it first`);
  await deletePolicy(db, ws, name);
  await deleteShadow(db, ws, name);
  await publishSnapshot(deps, ws);
}

/** Binds (resource, action) to existing policies. */
export async function bindPolicies(deps: SnapshotDeps, ws: string, body: Permission): Promise<Permission> {
  const db = database(deps.DB);
  const known = new Set((await listPolicies(db, ws)).map((p) => p.name));
  const missing = body.policies.filter((p) => !known.has(p));
  if (missing.length > 0)
    throw invalidPolicy(missing.map((m) => ({ path: 'policies', message: `no policy named "${m}"` })));
  const binding = { ...body, policies: [...new Set(body.policies)] };
  await upsertPermission(db, ws, binding, Date.now());
  await publishSnapshot(deps, ws);
  return binding;
}

export const bindingsOf = (deps: SnapshotDeps, ws: string) => listPermissions(database(deps.DB), ws);

export async function unbind(
  deps: SnapshotDeps,
  ws: string,
  resource: string,
  action: string,
): Promise<void> {
  if (!(await deletePermission(database(deps.DB), ws, resource, action))) throw notFound('Binding');
  await publishSnapshot(deps, ws);
}

/**
 * Policies checked exactly as writes check them, against the given providers' claim
 * mappings or the stored ones. Writes nothing.
 */
export async function validatePolicies(
  deps: SnapshotDeps,
  ws: string,
  policies: readonly unknown[],
  providers?: readonly ProviderInput[],
): Promise<PolicyCheckResult[]> {
  const mappings = providers ?? (await listProviders(database(deps.DB), ws));
  return policies.map((doc) => {
    const name = (doc as { name?: unknown } | null)?.name;
    const checked = checkPolicy(doc, 1, mappings);
    return {
      name: typeof name === 'string' ? name : null,
      ok: checked.ok,
      errors: checked.ok ? [] : checked.errors,
      warnings: checked.warnings,
    };
  });
}

/**
 * A decision with a full trace for given attributes, against the stored policies or a
 * draft (which replaces the stored policy of its name, bound to the check if unbound).
 * Writes nothing.
 */
export async function simulate(
  deps: SnapshotDeps,
  ws: { id: string; timezone: string; redactKeys: readonly string[] },
  input: Omit<RequestInput, 'timezone'>,
  draft?: unknown,
) {
  const { set } = await buildSnapshot(deps.DB, ws.id, 0);
  if (draft !== undefined) {
    const compiled = compilePolicy(draft, 0);
    if (!compiled.ok) throw invalidPolicy(compiled.issues);
    set.policies[compiled.policy.name] = compiled.policy;
    const bound = Object.values(set.bindings).some((names) => names.includes(compiled.policy.name));
    if (!bound) {
      const key = bindingKey(input.resource, input.action);
      set.bindings[key] = [...(set.bindings[key] ?? []), compiled.policy.name];
    }
  }
  const { decision, rules } = buildEngine(set).trace({ ...input, timezone: ws.timezone });
  const redact = new Set(ws.redactKeys);
  return {
    allowed: decision.effect === 'Allow',
    decision: decision.effect,
    policy: decision.policy,
    policyVersion: decision.policyVersion,
    ruleId: decision.ruleId,
    // The same redaction as every explanation: a playground trace is shown to whoever reads policies.
    reasons: redactReasons(decision.reasons, redact),
    trace: redactTrace(rules, redact),
  };
}

/** The attributes policies can use: ext_* from the claim mappings (with types) and the built-ins. */
export async function attributesOf(deps: SnapshotDeps, ws: string) {
  const mapped = attributeSchema(await listProviders(database(deps.DB), ws));
  return { mapped, builtin: BUILTIN_ATTRIBUTES.map((a) => (a === 'record' ? 'record.<field>' : a)) };
}
