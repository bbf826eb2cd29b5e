/** The development IdP's HTTP face (DEV_IDP=true only; 404 otherwise). */
import { z } from '@hono/zod-openapi';
import { DEMO_USERS, DEV_IDP_ISSUER, devIdpJwks, mintDevToken } from '../../identity/dev-idp';
import { notFound, VerdictError } from '../../lib/errors';
import { devOnly } from '../middleware/auth';
import { router } from '../openapi';

const TokenRequest = z
  .object({
    user: z.enum(Object.keys(DEMO_USERS) as [string, ...string[]]).optional(),
    claims: z.record(z.string(), z.unknown()).optional(),
    audience: z.string().min(1).max(200).default('verdict'),
    expiresInSec: z.number().int().min(1).max(86_400).default(3600),
  })
  .strict();

export const devIdpRoutes = router();

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
