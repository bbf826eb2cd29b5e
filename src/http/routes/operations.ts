/**
 * Operations of the deployment itself (root key only): what is per isolate and counts every
 * workspace's traffic lives here, never in a tenant's answer.
 */
import { createRoute } from '@hono/zod-openapi';
import { producerCounters } from '../../audit/producer';
import { ProducerCountersSchema } from '../../contract';
import { adminErrors, dataOf, router } from '../openapi';

export const operationRoutes = router();

operationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/operations/audit-producer',
    operationId: 'auditProducerCounters',
    tags: ['Operations'],
    summary: 'This isolate’s audit producer counters, over every workspace (root key)',
    responses: { 200: dataOf(ProducerCountersSchema, 'The counters'), ...adminErrors },
  }),
  (c) => c.json({ data: { ...producerCounters } }, 200),
);
