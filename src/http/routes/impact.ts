/** Impact analysis (replay of the audit trail against drafts) and shadow policies. */
import { createRoute, z } from '@hono/zod-openapi';
import { attachShadow, detachShadow, promoteShadow, shadowReport } from '../../admin/shadows';
import { getImpactJob, startImpact } from '../../analysis/impact-run';
import {
  ImpactJobSchema,
  ImpactRequestSchema,
  ImpactResultSchema,
  NAME,
  PolicySchema,
  PolicyWriteResultSchema,
  PromoteShadowSchema,
  ShadowSchema,
} from '../../contract';
import { adminErrors, dataOf, errors, jsonBody, named, router, WorkspaceParam } from '../openapi';
import { policyBodyHook } from './policies';

export const impactRoutes = router();

const NameParam = WorkspaceParam.extend({ name: z.string().regex(NAME) });
const JobParam = WorkspaceParam.extend({ jobId: z.string().max(64) });
const windowTooLarge = errors.invalid;

impactRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/impact',
    operationId: 'impact',
    tags: ['Impact'],
    summary: 'Replay every stored decision in a window against draft policies or bindings; writes nothing',
    description:
      'Exhaustive, never sampled. Up to the inline limit (5,000 stored decisions) the result comes back at once (200); beyond it, or with mode "job", a background job replays the window in chunks (202, then GET …/impact/{jobId}). mode "inline" over the limit is a 422 window_too_large.',
    request: { params: WorkspaceParam, body: jsonBody(ImpactRequestSchema) },
    responses: {
      200: dataOf(ImpactResultSchema, 'The replay, inline'),
      202: dataOf(ImpactJobSchema, 'A background job (poll its Location)'),
      422: windowTooLarge,
      503: errors.unavailable,
      ...adminErrors,
    },
  }),
  async (c) => {
    const ws = c.get('workspace').id;
    const started = await startImpact(c.env, ws, c.req.valid('json'));
    if ('inline' in started) return c.json({ data: started.inline }, 200);
    c.header('location', `/v1/workspaces/${ws}/impact/${started.job.id}`);
    return c.json({ data: started.job }, 202);
  },
);

impactRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/impact/{jobId}',
    operationId: 'getImpactJob',
    tags: ['Impact'],
    summary: 'An impact job: its progress, and its result once done',
    request: { params: JobParam },
    responses: { 200: dataOf(ImpactJobSchema, 'The job'), ...adminErrors },
  }),
  async (c) =>
    c.json({ data: await getImpactJob(c.env.DB, c.get('workspace'), c.req.valid('param').jobId) }, 200),
);

impactRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/workspaces/{ws}/policies/{name}/shadow',
    operationId: 'attachShadow',
    tags: ['Impact'],
    summary: 'Attach a draft beside a live policy: evaluated on every decision that uses it, never deciding',
    request: { params: NameParam, body: jsonBody(PolicySchema) },
    responses: {
      200: dataOf(
        ShadowSchema.extend({ warnings: z.array(z.object({ path: z.string(), message: z.string() })) }),
        'The shadow, counts starting now',
      ),
      422: errors.invalid,
      ...adminErrors,
    },
  }),
  async (c) =>
    c.json(
      {
        data: await attachShadow(
          c.env,
          c.get('workspace').id,
          c.req.valid('param').name,
          c.req.valid('json'),
        ),
      },
      200,
    ),
  policyBodyHook,
);

impactRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/policies/{name}/shadow',
    operationId: 'getShadow',
    tags: ['Impact'],
    summary: 'A shadow with its counts since it was attached (evaluated, diverged) and recent divergences',
    description:
      'Counted over audited decisions, so the counts lag live traffic by the audit batch (seconds).',
    request: { params: NameParam },
    responses: { 200: dataOf(ShadowSchema, 'The shadow'), ...adminErrors },
  }),
  async (c) =>
    c.json({ data: await shadowReport(c.env, c.get('workspace').id, c.req.valid('param').name) }, 200),
);

impactRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/policies/{name}/shadow/promote',
    operationId: 'promoteShadow',
    tags: ['Impact'],
    summary: 'Make the shadow draft the next live version of the policy, and detach it',
    description:
      'Only while the live version is still the one the shadow was attached beside (or `expectedVersion`, when given): otherwise 409, with `expectedVersion` and `currentVersion` in the problem.',
    request: {
      params: NameParam,
      body: { required: false, content: { 'application/json': { schema: named(PromoteShadowSchema) } } },
    },
    responses: {
      201: dataOf(PolicyWriteResultSchema, 'The new live version'),
      409: errors.conflict,
      422: errors.invalid,
      ...adminErrors,
    },
  }),
  async (c) =>
    c.json(
      {
        data: await promoteShadow(
          c.env,
          c.get('workspace').id,
          c.req.valid('param').name,
          c.req.valid('json').expectedVersion,
        ),
      },
      201,
    ),
);

impactRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/workspaces/{ws}/policies/{name}/shadow',
    operationId: 'detachShadow',
    tags: ['Impact'],
    summary: 'Detach the shadow (its counts remain in the audit trail)',
    request: { params: NameParam },
    responses: { 204: { description: 'Detached' }, ...adminErrors },
  }),
  async (c) => {
    await detachShadow(c.env, c.get('workspace').id, c.req.valid('param').name);
    return c.body(null, 204);
  },
);
