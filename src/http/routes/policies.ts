/** Versioned policies, permission bindings, and the simulator. */
import { createRoute, z } from '@hono/zod-openapi';
import { buildSnapshot, publishSnapshot } from '../../decision/snapshot';
import { attributeSchema } from '../../identity/attribute-schema';
import { conflict, notFound, VerdictError } from '../../lib/errors';
import { checkAttributes } from '../../policy/attribute-check';
import { BUILTIN_ATTRIBUTES } from '../../policy/attributes';
import { compilePolicy } from '../../policy/compile-policy';
import { bindingKey } from '../../policy/compiled';
import { buildEngine } from '../../policy/evaluate';
import { NAME } from '../../policy/schema';
import { database, isUniqueViolation } from '../../storage/db';
import {
  deletePermission,
  deletePolicy,
  getPolicySummary,
  getPolicyVersion,
  insertPolicyVersion,
  listPermissions,
  listPolicies,
  listPolicyVersions,
  setCurrentVersion,
  upsertPermission,
} from '../../storage/policies';
import { listProviders } from '../../storage/providers';
import { requireKey } from '../middleware/auth';
import { adminErrors, dataOf, jsonBody, router, WorkspaceParam } from '../openapi';

const NameParam = WorkspaceParam.extend({ name: z.string().regex(NAME) });

const PolicyDocumentSchema = z.record(z.string(), z.unknown()).openapi('PolicyDocument', {
  description: 'The policy in the seed format: { name, specification: { rules: [...], default } }',
  example: {
    name: 'order_approval',
    specification: {
      rules: [
        {
          rule_id: 'manager-unlimited',
          effect: 'Allow',
          conditions: [{ function: 'string_equal', attribute: 'ext_role', value: 'manager' }],
        },
      ],
      default: { rule_id: 'deny', effect: 'Deny' },
    },
  },
});

const PolicySummarySchema = z
  .object({
    name: z.string(),
    currentVersion: z.number().int(),
    latestVersion: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('PolicySummary');
const PolicyVersionSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    source: PolicyDocumentSchema,
    createdAt: z.number().int(),
  })
  .openapi('PolicyVersion');
const PermissionSchema = z
  .object({
    resource: z.string().min(1).max(128),
    action: z.string().min(1).max(128),
    policies: z.array(z.string().regex(NAME)).min(1).max(20),
  })
  .strict()
  .openapi('Permission');

const invalidPolicy = (issues: { path: string; message: string }[]) =>
  new VerdictError('invalid_policy', 422, issues[0]?.message ?? 'The policy is not valid', {
    errors: issues,
  });

const problem422 = {
  422: { description: 'Invalid policy', content: { 'application/problem+json': { schema: z.any() } } },
};

/**
 * Every current policy travels in the workspace snapshot (one KV value, at most 25 MiB,
 * re-read by each isolate): 200 policies of at most 64 KB keep it well under that.
 */
export const MAX_POLICIES_PER_WORKSPACE = 200;

export const policyRoutes = router();

policyRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/workspaces/{ws}/policies/{name}',
    tags: ['Policies'],
    summary: 'Write a policy: validates, compiles and stores a new immutable version, and makes it current',
    middleware: [requireKey('policies:write')] as const,
    request: { params: NameParam, body: jsonBody(PolicyDocumentSchema) },
    responses: {
      201: dataOf(
        PolicySummarySchema.extend({
          version: z.number().int(),
          warnings: z.array(z.object({ path: z.string(), message: z.string() })),
        }),
        'The new version, with warnings (e.g. an ext_* attribute no provider maps)',
      ),
      ...problem422,
      ...adminErrors,
    },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    if (body.name !== name) {
      throw invalidPolicy([{ path: 'name', message: `the body's name must equal the URL's name "${name}"` }]);
    }
    const db = database(c.env.DB);
    const ws = c.get('workspace').id;
    const existing = await getPolicySummary(db, ws, name);
    if (!existing && (await listPolicies(db, ws)).length >= MAX_POLICIES_PER_WORKSPACE) {
      throw conflict(
        `A workspace holds at most ${MAX_POLICIES_PER_WORKSPACE} policies (its snapshot must fit one KV value)`,
      );
    }
    const version = (existing?.latestVersion ?? 0) + 1;
    const compiled = compilePolicy(body, version);
    if (!compiled.ok) throw invalidPolicy(compiled.issues);
    const checked = checkAttributes(compiled.policy, attributeSchema(await listProviders(db, ws)));
    if (checked.errors.length > 0) throw invalidPolicy(checked.errors);
    const now = Date.now();
    try {
      await insertPolicyVersion(db, ws, name, version, compiled.document, now);
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict('Another write of this policy happened at the same time; retry');
      throw err;
    }
    await publishSnapshot(c.env, ws, now);
    return c.json(
      {
        data: {
          name,
          version,
          currentVersion: version,
          latestVersion: version,
          updatedAt: now,
          warnings: checked.warnings,
        },
      },
      201,
    );
  },
);

policyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/policies',
    tags: ['Policies'],
    summary: 'List policies',
    middleware: [requireKey('policies:read')] as const,
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(PolicySummarySchema), 'Policies'), ...adminErrors },
  }),
  async (c) => c.json({ data: await listPolicies(database(c.env.DB), c.get('workspace').id) }, 200),
);

policyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/policies/{name}',
    tags: ['Policies'],
    summary: 'Read the current version of a policy',
    middleware: [requireKey('policies:read')] as const,
    request: { params: NameParam },
    responses: {
      200: dataOf(PolicyVersionSchema.extend({ latestVersion: z.number().int() }), 'The policy'),
      ...adminErrors,
    },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const db = database(c.env.DB);
    const ws = c.get('workspace').id;
    const summary = await getPolicySummary(db, ws, name);
    const current = summary && (await getPolicyVersion(db, ws, name, summary.currentVersion));
    if (!summary || !current) throw notFound('Policy');
    return c.json(
      {
        data: {
          ...current,
          source: current.source as Record<string, unknown>,
          latestVersion: summary.latestVersion,
        },
      },
      200,
    );
  },
);

policyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/policies/{name}/versions',
    tags: ['Policies'],
    summary: 'List every version of a policy, newest first',
    middleware: [requireKey('policies:read')] as const,
    request: { params: NameParam },
    responses: { 200: dataOf(z.array(PolicyVersionSchema), 'Versions'), ...adminErrors },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const versions = await listPolicyVersions(database(c.env.DB), c.get('workspace').id, name);
    if (versions.length === 0) throw notFound('Policy');
    return c.json(
      { data: versions.map((v) => ({ ...v, source: v.source as Record<string, unknown> })) },
      200,
    );
  },
);

policyRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/policies/{name}/rollback',
    tags: ['Policies'],
    summary: 'Make an earlier version current (no new version is written)',
    middleware: [requireKey('policies:write')] as const,
    request: { params: NameParam, body: jsonBody(z.object({ version: z.number().int().min(1) }).strict()) },
    responses: { 200: dataOf(PolicySummarySchema, 'The policy after rollback'), ...adminErrors },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const { version } = c.req.valid('json');
    const db = database(c.env.DB);
    const ws = c.get('workspace').id;
    const target = await getPolicyVersion(db, ws, name, version);
    if (!target) throw notFound(`Version ${version} of policy "${name}"`);
    const now = Date.now();
    await setCurrentVersion(db, ws, name, version, now);
    await publishSnapshot(c.env, ws, now);
    const summary = await getPolicySummary(db, ws, name);
    if (!summary) throw notFound('Policy');
    return c.json({ data: summary }, 200);
  },
);

policyRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/policies/{name}',
    tags: ['Policies'],
    summary: 'Delete a policy and its versions (refused while a permission binds it)',
    middleware: [requireKey('policies:write')] as const,
    request: { params: NameParam },
    responses: { 204: { description: 'Deleted' }, ...adminErrors },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const db = database(c.env.DB);
    const ws = c.get('workspace').id;
    if (!(await getPolicySummary(db, ws, name))) throw notFound('Policy');
    const binding = (await listPermissions(db, ws)).find((p) => p.policies.includes(name));
    if (binding)
      throw conflict(`Policy "${name}" is bound to ${binding.resource}/${binding.action}; unbind it first`);
    await deletePolicy(db, ws, name);
    await publishSnapshot(c.env, ws);
    return c.body(null, 204);
  },
);

policyRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/workspaces/{ws}/permissions',
    tags: ['Permissions'],
    summary: 'Bind (resource, action) — either may be "*" — to policies',
    middleware: [requireKey('permissions:write')] as const,
    request: { params: WorkspaceParam, body: jsonBody(PermissionSchema) },
    responses: { 200: dataOf(PermissionSchema, 'The binding'), ...problem422, ...adminErrors },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const db = database(c.env.DB);
    const ws = c.get('workspace').id;
    const known = new Set((await listPolicies(db, ws)).map((p) => p.name));
    const missing = body.policies.filter((p) => !known.has(p));
    if (missing.length > 0) {
      throw invalidPolicy(missing.map((m) => ({ path: 'policies', message: `no policy named "${m}"` })));
    }
    const binding = { ...body, policies: [...new Set(body.policies)] };
    await upsertPermission(db, ws, binding, Date.now());
    await publishSnapshot(c.env, ws);
    return c.json({ data: binding }, 200);
  },
);

policyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/permissions',
    tags: ['Permissions'],
    summary: 'List bindings',
    middleware: [requireKey('policies:read')] as const,
    request: { params: WorkspaceParam },
    responses: {
      200: dataOf(z.array(PermissionSchema.extend({ updatedAt: z.number().int() })), 'Bindings'),
      ...adminErrors,
    },
  }),
  async (c) => c.json({ data: await listPermissions(database(c.env.DB), c.get('workspace').id) }, 200),
);

policyRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/permissions',
    tags: ['Permissions'],
    summary: 'Remove a binding (requests it covered are then denied with no_policy)',
    middleware: [requireKey('permissions:write')] as const,
    request: {
      params: WorkspaceParam,
      query: z.object({ resource: z.string().min(1), action: z.string().min(1) }),
    },
    responses: { 204: { description: 'Removed' }, ...adminErrors },
  }),
  async (c) => {
    const { resource, action } = c.req.valid('query');
    const ws = c.get('workspace').id;
    if (!(await deletePermission(database(c.env.DB), ws, resource, action))) throw notFound('Binding');
    await publishSnapshot(c.env, ws);
    return c.body(null, 204);
  },
);

const SimulateSchema = z
  .object({
    attributes: z
      .record(z.string(), z.unknown())
      .default({})
      .openapi({
        description: 'ext_* attributes plus sub, issuer, provider',
        example: { ext_role: 'employee', ext_approval_limit: 1000 },
      }),
    resource: z.string().min(1).max(128),
    action: z.string().min(1).max(128),
    context: z.record(z.string(), z.unknown()).default({}),
    record: z.record(z.string(), z.unknown()).optional(),
    ip: z.string().max(64).optional(),
    at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Evaluate at this instant (default: now)' }),
    policy: PolicyDocumentSchema.optional().openapi({
      description:
        'A draft policy: replaces the stored policy of that name for this simulation; bound to (resource, action) if unbound',
    }),
  })
  .strict();

policyRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/simulate',
    tags: ['Policies'],
    summary:
      'Evaluate given attributes against the current policies (or a draft) with a full trace; writes nothing',
    middleware: [requireKey('policies:read')] as const,
    request: { params: WorkspaceParam, body: jsonBody(SimulateSchema) },
    responses: { 200: dataOf(z.any(), 'Decision and trace'), ...problem422, ...adminErrors },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const ws = c.get('workspace');
    const { set } = await buildSnapshot(c.env.DB, ws.id, 0);
    if (body.policy) {
      const draft = compilePolicy(body.policy, 0);
      if (!draft.ok) throw invalidPolicy(draft.issues);
      set.policies[draft.policy.name] = draft.policy;
      const bound = Object.values(set.bindings).some((names) => names.includes(draft.policy.name));
      if (!bound) {
        const key = bindingKey(body.resource, body.action);
        set.bindings[key] = [...(set.bindings[key] ?? []), draft.policy.name];
      }
    }
    const engine = buildEngine(set);
    const { decision, rules } = engine.trace({
      attributes: body.attributes,
      resource: body.resource,
      action: body.action,
      context: body.context,
      ...(body.record ? { record: body.record } : {}),
      ...(body.ip ? { ip: body.ip } : {}),
      now: body.at ? Date.parse(body.at) : Date.now(),
      timezone: ws.timezone,
    });
    return c.json(
      {
        data: {
          allowed: decision.effect === 'Allow',
          decision: decision.effect,
          policy: decision.policy,
          policyVersion: decision.policyVersion,
          ruleId: decision.ruleId,
          reasons: decision.reasons,
          trace: rules,
        },
      },
      200,
    );
  },
);

policyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/attributes',
    tags: ['Policies'],
    summary: 'The attributes policies can use: ext_* from claim mappings (with types) and the built-ins',
    middleware: [requireKey('policies:read')] as const,
    request: { params: WorkspaceParam },
    responses: {
      200: dataOf(
        z.object({ mapped: z.array(z.record(z.string(), z.unknown())), builtin: z.array(z.string()) }),
        'Attributes',
      ),
      ...adminErrors,
    },
  }),
  async (c) => {
    const mapped = attributeSchema(await listProviders(database(c.env.DB), c.get('workspace').id));
    const builtin = BUILTIN_ATTRIBUTES.map((a) => (a === 'record' ? 'record.<field>' : a));
    return c.json({ data: { mapped, builtin } }, 200);
  },
);
