/** OpenID AuthZEN Authorization API 1.0: evaluation requests and results. */
import { z } from 'zod';

const Properties = z.record(z.string(), z.unknown());
export const EntitySchema = z.object({
  type: z.string().min(1).max(128),
  id: z.string().min(1).max(512),
  properties: Properties.optional(),
});
export const ActionSchema = z.object({ name: z.string().min(1).max(128), properties: Properties.optional() });

export const EvaluationSchema = z
  .object({
    subject: EntitySchema,
    action: ActionSchema,
    resource: EntitySchema,
    context: Properties.optional(),
  })
  .meta({ id: 'AuthZENEvaluation' });
export type Evaluation = z.infer<typeof EvaluationSchema>;

const PartialEvaluation = z.object({
  subject: EntitySchema.optional(),
  action: ActionSchema.optional(),
  resource: EntitySchema.optional(),
  context: Properties.optional(),
});
export const EvaluationsSchema = PartialEvaluation.extend({
  evaluations: z.array(PartialEvaluation).max(100).optional(),
  options: z
    .object({
      evaluations_semantic: z
        .enum(['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'])
        .optional(),
    })
    .passthrough()
    .optional(),
}).meta({ id: 'AuthZENEvaluations' });

export const EvaluationResultSchema = z
  .object({ decision: z.boolean(), context: Properties.optional() })
  .meta({ id: 'AuthZENResult' });
export type EvaluationResult = z.infer<typeof EvaluationResultSchema>;

export const EvaluationsResultSchema = z.union([
  EvaluationResultSchema,
  z.object({ evaluations: z.array(EvaluationResultSchema) }),
]);
