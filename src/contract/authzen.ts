/** OpenID AuthZEN Authorization API 1.0: evaluation requests and results. */
import { z } from 'zod';

const Properties = z.record(z.string(), z.unknown());
/**
 * A subject or resource. Fields beside type, id and properties (drafts before 1.0-01
 * sent e.g. `resource.ownerID` and `subject.identity` there) are kept and read as
 * properties; `properties` wins on a clash.
 */
export const EntitySchema = z
  .object({
    type: z.string().min(1).max(128),
    id: z.string().min(1).max(512),
    properties: Properties.optional(),
  })
  .catchall(z.unknown());
/** Verdict's options on an evaluation: `explain` adds a context (decision id, reason) to each result. */
const VerdictOptions = z.object({ explain: z.boolean().optional() }).passthrough();
export const ActionSchema = z.object({ name: z.string().min(1).max(128), properties: Properties.optional() });

export const EvaluationSchema = z
  .object({
    subject: EntitySchema,
    action: ActionSchema,
    resource: EntitySchema,
    context: Properties.optional(),
    options: VerdictOptions.optional(),
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
      explain: z.boolean().optional(),
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

/** PDP metadata (AuthZEN 1.0 → Policy Decision Point Metadata), at /.well-known/authzen-configuration. */
export const PdpMetadataSchema = z
  .object({
    policy_decision_point: z.string(),
    access_evaluation_endpoint: z.string(),
    access_evaluations_endpoint: z.string(),
  })
  .meta({ id: 'AuthZENMetadata' });
