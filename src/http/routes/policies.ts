/** Versioned policies: write, read, versions, rollback, delete (src/decision/admin/policies.ts decides). */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  currentPolicy,
  policiesOf,
  policyVersions,
  removePolicy,
  rollbackPolicy,
  validatePolicies,
  writePolicy,
} from '../../admin/policies';
import {
  NAME,
  PolicyCheckResultSchema,
  PolicySchema,
  PolicySummarySchema,
  PolicyVersionSchema,
  PolicyWriteResultSchema,
  RollbackSchema,
  ValidateRequestSchema,
} from '../../contract';
import { invalidPolicy } from '../../decision/policy-check';
import { compilePolicy } from '../../policy/compile-policy';
import { adminErrors, dataOf, errors, jsonBody, named, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';

const NameParam = WorkspaceParam.extend({ name: z.string().regex(NAME) });

type ZodIssueLike = { path: PropertyKey[]; message: string };

/**
 * A policy body that does not match the contract is an invalid policy (422), explained
 * as the compiler explains it (rule and condition named, "did you mean" for functions).
 */
export function policyBodyHook<P extends string>(
  result: { target: string } & (
    | { success: true }
    | { success: false; error: { issues: readonly ZodIssueLike[] } }
  ),
  c: Context<AppEnv, P>,
): undefined {
  if (result.success || result.target !== 'json') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(c.get('bodyText') ?? 'null');
  } catch {
    body = null;
  }
  const compiled = compilePolicy(body, 0);
  throw invalidPolicy(
    compiled.ok
      ? result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }))
      : compiled.issues,
  );
}

export const policyRoutes = router();

policyRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/workspaces/{ws}/policies/{name}',
    operationId: 'writePolicy',
    tags: ['Policies'],
    summary: 'Write a policy: validates, compiles and stores a new immutable version, and makes it current',
    request: { params: NameParam, body: jsonBody(PolicySchema) },
    responses: {
      201: dataOf(
        PolicyWriteResultSchema,
        'The new version, with warnings (e.g. an ext_* attribute no provider maps)',
      ),
      409: errors.conflict,
      422: errors.invalid,
      ...adminErrors,
    },
  }),
  async (c) =>
    c.json(
      {
        data: await writePolicy(c.env, c.get('workspace').id, c.req.valid('param').name, c.req.valid('json')),
      },
      201,
    ),
  policyBodyHook,
);

policyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/policies',
    operationId: 'listPolicies',
    tags: ['Policies'],
    summary: 'List policies',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(z.array(named(PolicySummarySchema)), 'Policies'), ...adminErrors },
  }),
  async (c) => c.json({ data: await policiesOf(c.env, c.get('workspace').id) }, 200),
);

policyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/policies/{name}',
    operationId: 'getPolicy',
    tags: ['Policies'],
    summary: 'Read the current version of a policy',
    request: { params: NameParam },
    responses: {
      200: dataOf(PolicyVersionSchema.extend({ latestVersion: z.number().int() }), 'The policy'),
      ...adminErrors,
    },
  }),
  async (c) =>
    c.json({ data: await currentPolicy(c.env, c.get('workspace').id, c.req.valid('param').name) }, 200),
);

policyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/policies/{name}/versions',
    operationId: 'listPolicyVersions',
    tags: ['Policies'],
    summary: 'List every version of a policy, newest first',
    request: { params: NameParam },
    responses: { 200: dataOf(z.array(named(PolicyVersionSchema)), 'Versions'), ...adminErrors },
  }),
  async (c) =>
    c.json({ data: await policyVersions(c.env, c.get('workspace').id, c.req.valid('param').name) }, 200),
);

policyRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/policies/{name}/rollback',
    operationId: 'rollbackPolicy',
    tags: ['Policies'],
    summary: 'Make an earlier version current (no new version is written)',
    request: { params: NameParam, body: jsonBody(RollbackSchema) },
    responses: { 200: dataOf(PolicySummarySchema, 'The policy after rollback'), ...adminErrors },
  }),
  async (c) =>
    c.json(
      {
        data: await rollbackPolicy(
          c.env,
          c.get('workspace').id,
          c.req.valid('param').name,
          c.req.valid('json').version,
        ),
      },
      200,
    ),
);

policyRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/policies/{name}',
    operationId: 'deletePolicy',
    tags: ['Policies'],
    summary: 'Delete a policy and its versions (refused while a permission binds it)',
    request: { params: NameParam },
    responses: { 204: { description: 'Deleted' }, 409: errors.conflict, ...adminErrors },
  }),
  async (c) => {
    await removePolicy(c.env, c.get('workspace').id, c.req.valid('param').name);
    return c.body(null, 204);
  },
);

policyRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/validate',
    operationId: 'validatePolicies',
    tags: ['Policies'],
    summary: 'Check policies as a write would (errors name the rule and condition); writes nothing',
    description:
      'What `verdict push --dry-run` asks before it plans: each document is validated, compiled and type-checked against the claim mappings of the given providers (or the stored ones).',
    request: { params: WorkspaceParam, body: jsonBody(ValidateRequestSchema) },
    responses: {
      200: dataOf(z.array(PolicyCheckResultSchema), 'One result per document, in order'),
      ...adminErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    return c.json(
      { data: await validatePolicies(c.env, c.get('workspace').id, body.policies, body.providers) },
      200,
    );
  },
);
