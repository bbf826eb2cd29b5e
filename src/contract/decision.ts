/**
 * The decision API's shapes: a check, POST …/authorize and …/authorize/batch, and the
 * Decision with its reasons — a closed union: what a policy said (rule matched, default
 * applied, a condition failed or could not be read, an indeterminate Deny, the work
 * budget) or why no policy was asked (a refused token, an error, a gateway refusal).
 */
import { z } from 'zod';
import { CheckNameSchema, ERROR_CODES } from './common';
import { EffectSchema } from './policy';
import { GATEWAY_REFUSALS, TOKEN_REASONS } from './refusals';

/** Limits of an authorize body. */
export const TOKEN_MAX = 16_384;

export const ContextSchema = z
  .record(z.string(), z.unknown())
  .describe('request_metadata for policies (depth ≤ 8)')
  .meta({ example: { orderId: 'order-1', amount: 500 } });

export const CheckSchema = z
  .object({
    resource: CheckNameSchema.meta({ example: 'orders' }),
    action: CheckNameSchema.meta({ example: 'approve' }),
    context: ContextSchema.optional(),
  })
  .strict()
  .meta({ id: 'Check' });
export type Check = z.infer<typeof CheckSchema>;

/**
 * The end-user JWT in the body (or Authorization: Bearer). An empty string is refused:
 * it would otherwise stand for "no token" and hide a valid header.
 */
export const TokenSchema = z
  .string()
  .min(1, 'an empty token is not a token: leave it out to use the Authorization header')
  .max(TOKEN_MAX)
  .describe('The end-user JWT (or send it as Authorization: Bearer)');

// The examples leave the token out: /docs' "Try it out" sends the example as the body, and
// the token belongs in the Authorization header there.
export const AuthorizeRequestSchema = CheckSchema.extend({ token: TokenSchema.optional() })
  .strict()
  .meta({
    id: 'AuthorizeRequest',
    example: { resource: 'orders', action: 'approve', context: { orderId: 'order-1', amount: 500 } },
  });
export type AuthorizeRequest = z.infer<typeof AuthorizeRequestSchema>;

export const BatchRequestSchema = z
  .object({ token: TokenSchema.optional(), checks: z.array(CheckSchema).min(1).max(100) })
  .strict()
  .meta({
    id: 'BatchRequest',
    example: {
      checks: [
        { resource: 'orders', action: 'read' },
        { resource: 'orders', action: 'approve', context: { amount: 500 } },
      ],
    },
  });
export type BatchRequest = z.infer<typeof BatchRequestSchema>;

export const ConditionExplanationSchema = z
  .object({
    index: z.number().int(),
    function: z.string(),
    attribute: z.string(),
    result: z.enum(['true', 'false', 'indeterminate']),
    /** The attribute's value as read (long values cut and marked). */
    actual: z.unknown().optional(),
    /** The operand: the constant, or the value of value_from_attribute. */
    expected: z.unknown().optional(),
    operandAttribute: z.string().optional(),
    message: z.string(),
  })
  .meta({ id: 'ConditionExplanation' });
export type ConditionExplanation = z.infer<typeof ConditionExplanationSchema>;

const at = { policy: z.string(), policyVersion: z.number().int(), rule: z.string() };

export const PolicyReasonSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('rule_matched'), ...at, effect: EffectSchema }),
  z.object({ code: z.literal('default_applied'), ...at, effect: EffectSchema }),
  z.object({
    code: z.enum(['condition_failed', 'condition_indeterminate']),
    policy: z.string(),
    rule: z.string(),
    condition: ConditionExplanationSchema,
    message: z.string(),
  }),
  /** A Deny rule that could not be evaluated: it denies (fail closed). */
  z.object({
    code: z.literal('indeterminate'),
    ...at,
    effect: z.literal('Deny'),
    condition: ConditionExplanationSchema,
    message: z.string(),
  }),
  z.object({ code: z.literal('budget_exceeded'), message: z.string() }),
  z.object({ code: z.literal('no_policy'), message: z.string() }),
]);
export type PolicyReason = z.infer<typeof PolicyReasonSchema>;

/** Why no policy was asked: a refused token, an error, or a gateway refusal. */
export const RefusalReasonSchema = z.object({
  code: z.enum([...TOKEN_REASONS, ...ERROR_CODES, ...GATEWAY_REFUSALS]),
  message: z.string(),
});
export type RefusalReason = z.infer<typeof RefusalReasonSchema>;

export const ReasonSchema = z.union([PolicyReasonSchema, RefusalReasonSchema]).meta({ id: 'Reason' });
export type Reason = z.infer<typeof ReasonSchema>;

export const DecisionSchema = z
  .object({
    allowed: z.boolean(),
    decision: EffectSchema,
    decisionId: z.string(),
    policy: z.string().nullable(),
    policyVersion: z.number().int().nullable(),
    ruleId: z.string().nullable(),
    reasons: z.array(ReasonSchema),
    subject: z.string().nullable(),
  })
  .meta({ id: 'Decision' });
export type Decision = z.infer<typeof DecisionSchema>;
