/**
 * The policy document, exactly the seed format:
 * { name, specification: { rules: [{ rule_id, effect, conditions: [...] }], default: { rule_id, effect } } }
 * Unknown members are refused (a typo such as "valu" must not silently drop a value).
 */
import { z } from 'zod';

export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const MAX_RULES = 500;
export const MAX_CONDITIONS = 32;

export const ConditionSchema = z
  .object({
    function: z.string().min(1).max(64),
    attribute: z.string().min(1).max(256),
    value: z.unknown().optional(),
    value_from_attribute: z.string().min(1).max(256).optional(),
    metadata_key: z.string().min(1).max(256).optional(),
  })
  .strict();

export const EffectSchema = z.enum(['Allow', 'Deny']);

export const RuleSchema = z
  .object({
    rule_id: z.string().regex(NAME, 'rule_id: letters, digits, _ . : -, at most 128'),
    effect: EffectSchema,
    description: z.string().max(1000).optional(),
    conditions: z.array(ConditionSchema).max(MAX_CONDITIONS),
  })
  .strict();

export const PolicySchema = z
  .object({
    name: z.string().regex(NAME, 'name: letters, digits, _ . : -, at most 128'),
    description: z.string().max(2000).optional(),
    specification: z
      .object({
        rules: z.array(RuleSchema).max(MAX_RULES),
        default: z.object({ rule_id: z.string().regex(NAME), effect: EffectSchema }).strict(),
      })
      .strict(),
  })
  .strict();

export type PolicyDocument = z.infer<typeof PolicySchema>;
export type ConditionDocument = z.infer<typeof ConditionSchema>;
export type Effect = z.infer<typeof EffectSchema>;
