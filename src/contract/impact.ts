/**
 * Impact analysis and shadow policies: what a policy change would do, measured on the
 * stored decisions (replay) and on live traffic (shadow), before it ships.
 */
import { z } from 'zod';
import { NAME } from './common';
import { BodyInstantSchema } from './instant';
import { EffectSchema, PermissionSchema, PolicySchema } from './policy';

export const ImpactRequestSchema = z
  .object({
    // Checked as a policy write checks it (errors point at `policies.<name>.specification…`),
    // so a draft is not refused by the wire shape before the compiler can explain it.
    policies: z
      .record(z.string().regex(NAME), z.unknown().meta({ description: 'A Policy document' }))
      .optional()
      .describe('Draft policies by name (Policy documents): each replaces (or adds) the policy of that name'),
    permissions: z
      .array(PermissionSchema)
      .max(1000)
      .optional()
      .describe('Draft bindings: when given, they replace all of the workspace’s bindings'),
    since: BodyInstantSchema.default('7d'),
    until: BodyInstantSchema.optional().describe('Default: now'),
    resource: z.string().max(128).optional(),
    action: z.string().max(128).optional(),
    subject: z.string().max(512).optional(),
    top: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe('Rows in the by-resource and by-subject lists'),
    samples: z.number().int().min(0).max(50).default(10).describe('Flipped decisions shown in full'),
    mode: z
      .enum(['auto', 'inline', 'job'])
      .default('auto')
      .describe('auto: inline up to the inline limit, else a background job'),
  })
  .strict()
  .meta({ id: 'ImpactRequest' });
export type ImpactRequest = z.infer<typeof ImpactRequestSchema>;

const Outcome = z.object({
  decision: EffectSchema,
  policy: z.string().nullable(),
  ruleId: z.string().nullable(),
  reasons: z.array(z.unknown()),
});

const Counts = {
  considered: z.number().int(),
  unchanged: z.number().int(),
  allowToDeny: z.number().int(),
  denyToAllow: z.number().int(),
  indeterminate: z.number().int(),
};
/** The counts of a replay: its totals, and each by-resource/action and by-subject row. */
export const ImpactCountsSchema = z.object(Counts);
export type ImpactCounts = z.infer<typeof ImpactCountsSchema>;

export const ImpactResultSchema = z
  .object({
    exhaustive: z
      .literal(true)
      .describe('Every stored decision in the window was replayed; nothing is sampled'),
    window: z.object({ since: z.number().int(), until: z.number().int() }),
    ...Counts,
    excluded: z
      .number()
      .int()
      .describe(
        'Stored refusals in the window (bad tokens, unrouted gateway requests): no attributes to replay',
      ),
    ruleChanged: z.number().int().describe('Unchanged effect, but another rule decides'),
    drift: z
      .number()
      .int()
      .describe('Decisions the live policies would already answer differently from the stored answer'),
    byResourceAction: z.array(z.object({ resource: z.string(), action: z.string(), ...Counts })),
    bySubject: z.array(z.object({ subject: z.string(), ...Counts })),
    subjectsLeftOut: z
      .number()
      .int()
      .describe('Changed decisions of subjects past the first 10,000 seen (not in bySubject)'),
    rules: z.array(
      z.object({ policy: z.string(), rule: z.string(), before: z.number().int(), after: z.number().int() }),
    ),
    samples: z.array(
      z.object({
        decisionId: z.string(),
        time: z.number().int(),
        subject: z.string(),
        resource: z.string(),
        action: z.string(),
        before: Outcome,
        after: Outcome,
      }),
    ),
  })
  .meta({ id: 'ImpactResult' });
export type ImpactResult = z.infer<typeof ImpactResultSchema>;

export const ImpactJobSchema = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    chunks: z.number().int().describe('Chunks replayed so far'),
    total: z.number().int().describe('Stored decisions in the window when the job started'),
    processed: z.number().int(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    error: z.string().nullable(),
    result: ImpactResultSchema.nullable(),
  })
  .meta({ id: 'ImpactJob' });
export type ImpactJob = z.infer<typeof ImpactJobSchema>;

/** POST …/shadow/promote (optional body). */
export const PromoteShadowSchema = z
  .object({
    expectedVersion: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Promote only while this version is live (default: the live version the shadow was attached beside)',
      ),
  })
  .strict()
  .meta({ id: 'PromoteShadow' });
export type PromoteShadow = z.infer<typeof PromoteShadowSchema>;

export const ShadowSchema = z
  .object({
    policy: z.string(),
    /** The live version the draft was attached beside. */
    liveVersion: z.number().int(),
    draft: PolicySchema,
    attachedAt: z.number().int(),
    evaluated: z
      .number()
      .int()
      .describe('Audited decisions that evaluated the draft (audit lags by its batch)'),
    diverged: z.number().int(),
    examples: z.array(
      z.object({
        decisionId: z.string(),
        time: z.number().int(),
        subject: z.string().nullable(),
        resource: z.string(),
        action: z.string(),
        live: z.object({ decision: EffectSchema, ruleId: z.string().nullable() }),
        shadow: z.object({ decision: EffectSchema, ruleId: z.string().nullable() }),
      }),
    ),
  })
  .meta({ id: 'Shadow' });
export type Shadow = z.infer<typeof ShadowSchema>;
