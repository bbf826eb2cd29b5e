/**
 * The policy document, exactly the seed format:
 * { name, specification: { rules: [{ rule_id, effect, conditions: [...] }], default: { rule_id, effect } } }
 * Unknown members are refused (a typo such as "valu" must not silently drop a value).
 * Function names are an enum here, so an editor given the published JSON Schema
 * completes them; src/policy/functions.ts implements exactly these.
 */
import { z } from 'zod';
import { FieldErrorSchema, NAME, NOT_ADDRESSABLE, wellFormed } from './common';
import { ProviderInputSchema } from './provider';

export const FUNCTION_NAMES = [
  'boolean_equal',
  'date_after',
  'date_before',
  'date_equal',
  'date_in_range',
  'date_on_or_after',
  'date_on_or_before',
  'datetime_after',
  'datetime_before',
  'datetime_equal',
  'datetime_in_range',
  'datetime_on_or_after',
  'datetime_on_or_before',
  'double_equal',
  'double_greater_equal',
  'double_greater_than',
  'double_less_equal',
  'double_less_than',
  'double_not_equal',
  'integer_equal',
  'integer_greater_equal',
  'integer_greater_than',
  'integer_less_equal',
  'integer_less_than',
  'integer_not_equal',
  'ip_in_cidr',
  'ip_not_in_cidr',
  'is_absent',
  'is_present',
  'list_contains',
  'list_intersects',
  'list_not_contains',
  'string_contains',
  'string_ends_with',
  'string_equal',
  'string_equal_ignore_case',
  'string_in',
  'string_like',
  'string_not_equal',
  'string_not_in',
  'string_starts_with',
  'time_in_range',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export const MAX_RULES = 500;
export const MAX_CONDITIONS = 32;

export const ConditionSchema = z
  .object({
    function: z.enum(FUNCTION_NAMES).describe('The comparison'),
    attribute: z.string().min(1).max(256).describe('ext_<claim>, sub, request_metadata, record.<field>, …'),
    value: z.unknown().optional().describe('A constant operand'),
    value_from_attribute: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('Or: read the operand from an attribute'),
    metadata_key: z.string().min(1).max(256).optional().describe('With request_metadata: the context key'),
  })
  .strict()
  .meta({ id: 'Condition' });

export const EffectSchema = z.enum(['Allow', 'Deny']);

export const RuleSchema = z
  .object({
    rule_id: z.string().regex(NAME, 'rule_id: letters, digits, _ . : -, at most 128'),
    effect: EffectSchema,
    description: z.string().max(1000).optional(),
    conditions: z.array(ConditionSchema).max(MAX_CONDITIONS),
  })
  .strict()
  .meta({ id: 'Rule' });

export const PolicySchema = z
  .object({
    $schema: z.string().max(500).optional().describe('For editors: the JSON Schema of this file'),
    name: z.string().regex(NAME, 'name: letters, digits, _ . : -, at most 128'),
    description: z.string().max(2000).optional(),
    specification: z
      .object({
        rules: z.array(RuleSchema).max(MAX_RULES),
        default: z.object({ rule_id: z.string().regex(NAME), effect: EffectSchema }).strict(),
      })
      .strict(),
  })
  .strict()
  .meta({
    id: 'Policy',
    description: 'A policy in the seed format: { name, specification: { rules: [...], default } }',
  });

export type PolicyDocument = z.infer<typeof PolicySchema>;
export type ConditionDocument = z.infer<typeof ConditionSchema>;
export type Effect = z.infer<typeof EffectSchema>;

export const PolicySummarySchema = z
  .object({
    name: z.string(),
    currentVersion: z.number().int(),
    latestVersion: z.number().int(),
    updatedAt: z.number().int(),
  })
  .meta({ id: 'PolicySummary' });

export const PolicyVersionSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    source: PolicySchema,
    createdAt: z.number().int(),
  })
  .meta({ id: 'PolicyVersion' });

export const PolicyWriteResultSchema = PolicySummarySchema.extend({
  version: z.number().int(),
  warnings: z.array(z.object({ path: z.string(), message: z.string() })),
});

export const PermissionSchema = z
  .object({
    // Named again in DELETE …/permissions?resource&action: well-formed text only.
    resource: z.string().min(1).max(128).refine(wellFormed, NOT_ADDRESSABLE),
    action: z.string().min(1).max(128).refine(wellFormed, NOT_ADDRESSABLE),
    policies: z.array(z.string().regex(NAME)).min(1).max(20),
  })
  .strict()
  .meta({ id: 'Permission' });
export type Permission = z.infer<typeof PermissionSchema>;

export const BindingSchema = PermissionSchema.extend({ updatedAt: z.number().int() }).meta({ id: 'Binding' });
export type Binding = z.infer<typeof BindingSchema>;

export type PolicySummary = z.infer<typeof PolicySummarySchema>;
export type PolicyVersion = z.infer<typeof PolicyVersionSchema>;

export const RollbackSchema = z
  .object({ version: z.number().int().min(1) })
  .strict()
  .meta({ id: 'Rollback' });

/** POST …/simulate: a decision with a full trace for given attributes (no token), optionally against a draft. */
export const SimulateRequestSchema = z
  .object({
    attributes: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('ext_* attributes plus sub, issuer, provider')
      .meta({ example: { ext_role: 'employee', ext_approval_limit: 1000 } }),
    resource: z.string().min(1).max(128),
    action: z.string().min(1).max(128),
    context: z.record(z.string(), z.unknown()).default({}),
    record: z.record(z.string(), z.unknown()).optional(),
    ip: z.string().max(64).optional(),
    at: z.iso.datetime({ offset: true }).optional().describe('Evaluate at this instant (default: now)'),
    policy: PolicySchema.optional().describe(
      'A draft policy: replaces the stored policy of that name for this simulation; bound to (resource, action) if unbound',
    ),
  })
  .strict()
  .meta({ id: 'SimulateRequest' });

/** POST …/validate: policies checked as a write would check them; nothing is written. */
export const ValidateRequestSchema = z
  .object({
    policies: z
      .array(z.unknown())
      .min(1)
      .max(200)
      .describe('Policy documents, as they would be written (each checked on its own)'),
    providers: z
      .array(ProviderInputSchema)
      .max(50)
      .optional()
      .describe(
        'Check attributes against these providers’ claim mappings (what a push registers), not the stored ones',
      ),
  })
  .strict()
  .meta({ id: 'ValidateRequest' });

export const PolicyCheckResultSchema = z
  .object({
    /** The document's name, when it has one. */
    name: z.string().nullable(),
    ok: z.boolean(),
    errors: z.array(FieldErrorSchema),
    warnings: z.array(FieldErrorSchema),
  })
  .meta({ id: 'PolicyCheckResult' });
export type PolicyCheckResult = z.infer<typeof PolicyCheckResultSchema>;
