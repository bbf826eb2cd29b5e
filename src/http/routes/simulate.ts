/** The simulator (decisions with a full trace, no token) and the attributes policies can use. */
import { createRoute, z } from '@hono/zod-openapi';
import { attributesOf, simulate } from '../../admin/policies';
import { AttributesSchema, DecisionSchema, SimulateRequestSchema } from '../../contract';
import { adminErrors, dataOf, errors, jsonBody, router, WorkspaceParam } from '../openapi';
import { policyBodyHook } from './policies';

const SimulationSchema = DecisionSchema.omit({ decisionId: true, subject: true })
  .extend({ trace: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: 'Simulation' });

export const simulateRoutes = router();

simulateRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/simulate',
    operationId: 'simulate',
    tags: ['Policies'],
    summary:
      'Evaluate given attributes against the current policies (or a draft) with a full trace; writes nothing',
    request: { params: WorkspaceParam, body: jsonBody(SimulateRequestSchema) },
    responses: { 200: dataOf(SimulationSchema, 'Decision and trace'), 422: errors.invalid, ...adminErrors },
  }),
  async (c) => {
    const { policy, at, ip, record, ...check } = c.req.valid('json');
    const input = {
      ...check,
      ...(record ? { record } : {}),
      ...(ip ? { ip } : {}),
      now: at ? Date.parse(at) : Date.now(),
    };
    return c.json({ data: await simulate(c.env, c.get('workspace'), input, policy) }, 200);
  },
  policyBodyHook,
);

simulateRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/workspaces/{ws}/attributes',
    operationId: 'listAttributes',
    tags: ['Policies'],
    summary: 'The attributes policies can use: ext_* from claim mappings (with types) and the built-ins',
    request: { params: WorkspaceParam },
    responses: { 200: dataOf(AttributesSchema, 'Attributes'), ...adminErrors },
  }),
  async (c) => c.json({ data: await attributesOf(c.env, c.get('workspace').id) }, 200),
);
