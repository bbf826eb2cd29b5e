/**
 * The auth provider document: `{ name, type, issuer, audiences, claimMappings, jwksUri?,
 * algorithms?, authorizedParties?, clockToleranceSec? }` plus preset options. Claim
 * mappings are exactly the seed format.
 */
import { z } from 'zod';
import { TOKEN_REASONS } from './refusals';

export const PROVIDER_TYPES = [
  'clerk',
  'auth0',
  'okta',
  'keycloak',
  'cognito',
  'firebase',
  'supabase',
  'oidc',
] as const;
export const ASYMMETRIC_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;

export const ClaimMappingSchema = z
  .object({
    jwtPath: z
      .string()
      .regex(/^[A-Za-z0-9_$:/-]+(\.[A-Za-z0-9_$:/-]+){0,7}$/, 'a dotted claim path, at most 8 levels')
      .describe('The claim, a dotted path: role, public_metadata.role, realm_access.roles'),
    attribute: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,120}$/, 'letters, digits and _; exposed as ext_<attribute>')
      .describe('Policies read it as ext_<attribute>'),
    required: z.boolean().default(false).describe('A token without the claim is refused'),
    defaultValue: z.unknown().optional().describe('Used when the claim is absent'),
  })
  .strict()
  .meta({ id: 'ClaimMapping' });
export type ClaimMapping = z.infer<typeof ClaimMappingSchema>;

export const ProviderInputSchema = z
  .object({
    $schema: z.string().max(500).optional().describe('For editors: the JSON Schema of this file'),
    name: z.string().min(1).max(100),
    type: z.enum(PROVIDER_TYPES),
    issuer: z.string().url().max(500),
    audiences: z.array(z.string().min(1).max(500)).max(20).default([]),
    claimMappings: z.array(ClaimMappingSchema).max(100).default([]),
    jwksUri: z.string().url().max(1000).optional(),
    algorithms: z
      .array(z.enum([...ASYMMETRIC_ALGS, ...HMAC_ALGS]))
      .min(1)
      .max(13)
      .optional(),
    authorizedParties: z.array(z.string().min(1).max(500)).max(50).optional(),
    /** Clerk: what to do when `azp` is absent (tokens minted without an Origin header). */
    azpRequired: z.boolean().optional(),
    clockToleranceSec: z.number().int().min(0).max(300).default(60),
    maxTokenAgeSec: z.number().int().min(1).max(31_536_000).optional(),
    /** Cognito: which token this provider accepts. */
    tokenUse: z.enum(['id', 'access']).optional(),
    /** Supabase legacy projects: the HS256 JWT secret. Never returned by the API. */
    hsSecret: z.string().min(32).max(512).optional(),
  })
  .strict()
  .meta({ id: 'ProviderInput', description: 'An auth provider and its claim mappings' });
export type ProviderInput = z.infer<typeof ProviderInputSchema>;

/** A provider as the admin API shows it: never its secret. */
export const ProviderSchema = ProviderInputSchema.omit({ hsSecret: true, $schema: true })
  .extend({
    id: z.string(),
    resolvedJwksUri: z.string().nullable(),
    keyFormat: z.enum(['jwks', 'x509']),
    hasHsSecret: z.boolean(),
  })
  .meta({ id: 'Provider' });
export type ProviderView = z.infer<typeof ProviderSchema>;

export const MappedAttributeSchema = z.object({
  name: z.string(),
  type: z.enum(['string', 'number', 'boolean', 'list', 'object', 'unknown']),
  numeric: z.boolean(),
  booleanLike: z.boolean(),
  defaults: z.array(z.unknown()),
  required: z.boolean(),
  providers: z.array(z.string()),
  jwtPaths: z.array(z.string()),
});
export const AttributesSchema = z
  .object({ mapped: z.array(MappedAttributeSchema), builtin: z.array(z.string()) })
  .meta({ id: 'Attributes' });

/**
 * POST …/auth-providers/{id}/check: what a token (verified against this provider, as a
 * decision would verify it, revocations included) or a set of claims (mapped only, not
 * verified: the playground's "claims") becomes for policies. The token is never echoed.
 */
export const PrincipalCheckRequestSchema = z
  .object({
    token: z.string().min(1).max(16_384).optional().describe('An end-user JWT issued by this provider'),
    claims: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Claims as a token would carry them; mapped through the claim mappings, not verified'),
  })
  .strict()
  .refine((b) => (b.token === undefined) !== (b.claims === undefined), {
    message: 'Send exactly one of token and claims',
  })
  .meta({ id: 'PrincipalCheckRequest' });
export type PrincipalCheckRequest = z.infer<typeof PrincipalCheckRequestSchema>;

export const PrincipalCheckSchema = z
  .discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      /** true for a token whose signature and claims were checked; false for claims. */
      verified: z.boolean(),
      subject: z.string().nullable(),
      provider: z.string(),
      attributes: z
        .record(z.string(), z.unknown())
        .describe('What policies see: ext_* plus sub, issuer, provider'),
    }),
    z.object({
      ok: z.literal(false),
      reason: z.enum(TOKEN_REASONS),
      detail: z.string(),
    }),
  ])
  .meta({ id: 'PrincipalCheck' });
export type PrincipalCheck = z.infer<typeof PrincipalCheckSchema>;
