/**
 * The admin API's shapes: workspaces and their settings, API keys and scopes,
 * revocations, and the gateway route map.
 */
import { z } from 'zod';
import { addressableSegment, NOT_ADDRESSABLE, WorkspaceIdSchema } from './common';
import { ClaimMappingSchema } from './provider';
import { COLLECTION } from './records';

/** Whether the runtime knows an IANA timezone (Intl is available everywhere the contract runs). */
export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
export const TimezoneSchema = z.string().max(64).refine(isValidTimezone, 'Unknown IANA timezone');

export const SCOPES = [
  'admin',
  'keys:write',
  'providers:read',
  'providers:write',
  'policies:read',
  'policies:write',
  'permissions:write',
  'audit:read',
  'records:write',
  'revocations:write',
  'authzen:pep',
] as const;
export const ScopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof ScopeSchema>;

export const RouteMapEntrySchema = z
  .object({
    method: z.string().regex(/^(\*|[A-Z]+)$/),
    path: z.string().startsWith('/').max(512),
    resource: z.string().min(1).max(128),
    action: z.string().min(1).max(128),
  })
  .strict()
  .meta({ id: 'RouteMapEntry' });
export type RouteMapEntry = z.infer<typeof RouteMapEntrySchema>;

/**
 * Where the attributes of a subject named by a trusted PEP (AuthZEN, key scope
 * authzen:pep) come from: the record of that id in `collection` (its data, as claims)
 * and the request's subject.properties (the record wins), mapped through `claimMappings`
 * into ext_* exactly as a token's claims are.
 */
export const PepSubjectsSchema = z
  .object({
    collection: z
      .string()
      .regex(COLLECTION)
      .optional()
      .describe('A records collection keyed by subject id (the PIP: e.g. roles and email per user)'),
    claimMappings: z.array(ClaimMappingSchema).max(100).default([]),
  })
  .strict()
  .meta({ id: 'PepSubjects' });
export type PepSubjects = z.infer<typeof PepSubjectsSchema>;

export const WorkspaceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    auditRetentionDays: z.number().int().describe('Days of audit events in D1 (the hot window)'),
    archiveRetentionDays: z.number().int().describe('Days of audit events in the R2 archive'),
    redactKeys: z.array(z.string()),
    routeMap: z.array(RouteMapEntrySchema),
    pepSubjects: PepSubjectsSchema.nullable(),
    createdAt: z.number().int(),
  })
  .meta({ id: 'Workspace' });
export type WorkspaceView = z.infer<typeof WorkspaceSchema>;

export const CreateWorkspaceSchema = z
  .object({
    id: WorkspaceIdSchema.meta({ example: 'acme' }),
    name: z.string().min(1).max(200).meta({ example: 'Acme Inc.' }),
    timezone: TimezoneSchema.optional().meta({ example: 'Europe/Paris' }),
  })
  .strict()
  .meta({ id: 'CreateWorkspace' });

export const UpdateWorkspaceSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    timezone: TimezoneSchema.optional(),
    auditRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('Days of audit events in D1 (the hot window); older ones stay in the archive'),
    archiveRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('Days of audit events in the archive'),
    redactKeys: z.array(z.string().min(1).max(128)).max(100).optional(),
    routeMap: z.array(RouteMapEntrySchema).max(500).optional(),
    pepSubjects: PepSubjectsSchema.nullable()
      .optional()
      .describe('Subject attributes for trusted-PEP AuthZEN calls (null: the subject id only)'),
  })
  .strict()
  .meta({ id: 'UpdateWorkspace' });

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(ScopeSchema),
    createdAt: z.number().int(),
    lastUsedAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyView = z.infer<typeof ApiKeySchema>;

/**
 * GET …/whoami: who the caller is (the key presented, its scopes, and the workspace's id and
 * name), nothing else: any live key may ask, so the workspace's settings are not here (they
 * are GET …/{ws}, scope policies:read).
 */
export const WhoAmISchema = z
  .object({ workspace: WorkspaceSchema.pick({ id: true, name: true }), key: ApiKeySchema })
  .meta({ id: 'WhoAmI' });

export const CreatedKeySchema = ApiKeySchema.extend({
  key: z.string().describe('The secret. Shown once; store it now.'),
}).meta({ id: 'CreatedKey' });

export const CreateKeySchema = z
  .object({ name: z.string().min(1).max(200), scopes: z.array(ScopeSchema).min(1).max(20) })
  .strict()
  .meta({ id: 'CreateKey' });

export const CreatedWorkspaceSchema = z.object({ workspace: WorkspaceSchema, apiKey: CreatedKeySchema });

export const RevocationKindSchema = z.enum(['sub', 'jti']);
/** A revoked `sub` or `jti`: any text DELETE …/revocations/{kind}/{value} can name. */
export const RevocationValueSchema = z.string().min(1).max(512).refine(addressableSegment, NOT_ADDRESSABLE);
export const RevokeSchema = z
  .object({
    kind: RevocationKindSchema,
    value: RevocationValueSchema,
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Lift the revocation at this instant (default: never)'),
  })
  .strict()
  .meta({ id: 'Revoke' });
export const RevocationSchema = z
  .object({
    kind: RevocationKindSchema,
    value: z.string(),
    expiresAt: z.number().int().nullable(),
    createdAt: z.number().int(),
  })
  .meta({ id: 'Revocation' });
