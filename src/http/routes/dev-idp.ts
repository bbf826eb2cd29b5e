/** The development IdP's HTTP face and the demo seed (DEV_IDP=true only; 404 otherwise). */
import { z } from '@hono/zod-openapi';
import { DEMO_WORKSPACE, seedDemo } from '../../admin/demo';
import { DEMO_USERS, DEV_IDP_ISSUER, devIdpJwks, mintDevToken } from '../../identity/dev-idp';
import { notFound, VerdictError } from '../../lib/errors';
import { devOnly } from '../middleware/auth';
import { errors, jsonBody, jsonOf, router } from '../openapi';

const TokenRequest = z
  .object({
    user: z.enum(Object.keys(DEMO_USERS) as [string, ...string[]]).optional(),
    claims: z.record(z.string(), z.unknown()).optional(),
    audience: z.string().min(1).max(200).default('verdict'),
    expiresInSec: z.number().int().min(1).max(86_400).default(3600),
  })
  .strict();

export const devIdpRoutes = router();

// Documented here (served only when DEV_IDP=true, never in production).
const devOnlyNote = 'Local development only: served when DEV_IDP=true (npm run dev), 404 otherwise.';
devIdpRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/dev-idp/token',
  operationId: 'devIdpToken',
  tags: ['Development IdP'],
  summary: 'Mint a development token: { "user": "employee" | "manager" | "finance" } and/or claims',
  description: devOnlyNote,
  security: [],
  request: { body: jsonBody(TokenRequest) },
  responses: {
    200: jsonOf(
      z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() }),
      'A signed token',
    ),
    400: errors.badRequest,
    404: errors.notFound,
  },
});
devIdpRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/dev-idp/demo',
  operationId: 'devSeedDemo',
  tags: ['Development IdP'],
  summary: 'Create the demo workspace (the order-approval tutorial) unless it exists; npm run dev calls it',
  description: devOnlyNote,
  security: [],
  responses: {
    200: jsonOf(z.object({ workspace: z.string(), created: z.boolean() }), 'The demo workspace exists'),
    404: errors.notFound,
  },
});
for (const [path, operationId, summary] of [
  [
    '/dev-idp/.well-known/openid-configuration',
    'devIdpDiscovery',
    'The development IdP’s OIDC discovery document',
  ],
  ['/dev-idp/jwks', 'devIdpJwks', 'The development IdP’s signing keys'],
] as const) {
  devIdpRoutes.openAPIRegistry.registerPath({
    method: 'get',
    path,
    operationId,
    tags: ['Development IdP'],
    summary,
    description: devOnlyNote,
    security: [],
    responses: { 200: jsonOf(z.record(z.string(), z.unknown()), 'The document'), 404: errors.notFound },
  });
}

devIdpRoutes.use('/dev-idp/*', async (c, next) => {
  if (!devOnly(c)) throw notFound('Route');
  await next();
});

devIdpRoutes.get('/dev-idp/.well-known/openid-configuration', (c) =>
  c.json({
    issuer: DEV_IDP_ISSUER,
    jwks_uri: `${DEV_IDP_ISSUER}/jwks`,
    token_endpoint: `${DEV_IDP_ISSUER}/token`,
    id_token_signing_alg_values_supported: ['RS256'],
  }),
);

devIdpRoutes.get('/dev-idp/jwks', async (c) => c.json(await devIdpJwks(c.env.CACHE)));

/** Mints a token: `{ "user": "employee" | "manager" | "finance" }` and/or explicit `claims`. */
devIdpRoutes.post('/dev-idp/token', async (c) => {
  const raw = await c.req.json().catch(() => ({}));
  const parsed = TokenRequest.safeParse(raw);
  if (!parsed.success) {
    throw new VerdictError(
      'validation_failed',
      400,
      'Send { "user": "employee" } or { "claims": { "sub": … } }',
      {
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
      },
    );
  }
  const body = parsed.data;
  const claims = { ...(body.user ? DEMO_USERS[body.user] : {}), ...body.claims };
  if (typeof claims.sub !== 'string')
    throw new VerdictError('validation_failed', 400, 'The token needs a string sub');
  const token = await mintDevToken(c.env.CACHE, claims, {
    audience: body.audience,
    expiresInSec: body.expiresInSec,
    now: Date.now(),
  });
  return c.json({ access_token: token, token_type: 'Bearer', expires_in: body.expiresInSec });
});

devIdpRoutes.post('/dev-idp/demo', async (c) =>
  c.json({ workspace: DEMO_WORKSPACE, created: await seedDemo(c.env) }),
);
