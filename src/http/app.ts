/**
 * The Hono application: global middleware, route groups, the OpenAPI document.
 * Nothing imports this module except the Worker entry.
 */
import { checkAccess, noSuchRoute } from './access';
import { bodyLimit } from './middleware/body-limit';
import { requestId } from './middleware/request-id';
import { router } from './openapi';
import { onError, problemResponse } from './problem';
import { auditRoutes } from './routes/audit';
import { authorizeRoutes } from './routes/authorize';
import { authzenRoutes } from './routes/authzen';
import { devIdpRoutes } from './routes/dev-idp';
import { forwardAuthRoutes } from './routes/forward-auth';
import { gatewayRoutes } from './routes/gateways';
import { impactRoutes } from './routes/impact';
import { metaRoutes } from './routes/meta';
import { operationRoutes } from './routes/operations';
import { permissionRoutes } from './routes/permissions';
import { policyRoutes } from './routes/policies';
import { providerRoutes } from './routes/providers';
import { recordRoutes } from './routes/records';
import { revocationRoutes } from './routes/revocations';
import { simulateRoutes } from './routes/simulate';
import { workspaceRoutes } from './routes/workspaces';

export function createApp() {
  const app = router();
  app.use('*', requestId());
  app.use('*', bodyLimit());
  app.onError(onError);
  app.use('*', checkAccess());
  app.notFound((c) => problemResponse(noSuchRoute(), c.get('requestId')));

  app.route('/', metaRoutes);
  app.route('/', workspaceRoutes);
  app.route('/', policyRoutes);
  app.route('/', permissionRoutes);
  app.route('/', simulateRoutes);
  app.route('/', impactRoutes);
  app.route('/', providerRoutes);
  app.route('/', authorizeRoutes);
  app.route('/', auditRoutes);
  app.route('/', revocationRoutes);
  app.route('/', recordRoutes);
  app.route('/', forwardAuthRoutes);
  app.route('/', gatewayRoutes);
  app.route('/', authzenRoutes);
  app.route('/', devIdpRoutes);
  app.route('/', operationRoutes);

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'A workspace API key (vk_…) or, for POST /v1/workspaces, the root key.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'endUserJwt', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The end user’s token from your IdP (or `token` in the body).',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Verdict API',
      version: '1.0.0',
      description:
        'Bring-your-own-token authorization: verify your IdP’s JWT, evaluate declarative policies, audit every decision.',
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    },
    servers: [{ url: '/', description: 'This Verdict deployment' }],
    security: [{ apiKey: [] }],
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
