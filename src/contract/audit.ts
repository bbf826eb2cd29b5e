/** The audit trail's shapes: a stored event, its filters, a page, and the aggregates. */
import { z } from 'zod';
import { InstantSchema } from './instant';
import { EffectSchema } from './policy';

export const AuditEventSchema = z
  .object({
    decisionId: z.string(),
    workspaceId: z.string(),
    /** Epoch ms. */
    time: z.number(),
    subject: z.string().nullable(),
    provider: z.string().nullable(),
    resource: z.string(),
    action: z.string(),
    decision: EffectSchema,
    policy: z.string().nullable(),
    policyVersion: z.number().int().nullable(),
    ruleId: z.string().nullable(),
    reasons: z.array(z.unknown()),
    /**
     * What the policy saw, redacted and bounded ($redacted / $truncated markers): the
     * attributes, the context, the record (records routes), the workspace timezone the
     * clock attributes used (the time is `time`) and the version of every bound policy.
     * Refusals carry no timezone or policies: they are not replayed.
     */
    input: z.object({
      attributes: z.record(z.string(), z.unknown()),
      context: z.record(z.string(), z.unknown()),
      record: z.record(z.string(), z.unknown()).optional(),
      timezone: z.string().optional(),
      policies: z.record(z.string(), z.number().int()).optional(),
      /** Set when a trusted PEP named the subject (AuthZEN, key scope authzen:pep): which key. */
      pep: z.object({ keyId: z.string() }).optional(),
    }),
    latencyMs: z.number(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    /** When a bound policy had a shadow draft: the draft set's answer on the same input (it decided nothing). */
    shadow: z
      .object({
        policies: z.array(z.string()),
        decision: EffectSchema,
        policy: z.string().nullable(),
        ruleId: z.string().nullable(),
        diverged: z.boolean(),
      })
      .nullable()
      .optional(),
  })
  .meta({ id: 'AuditEvent' });

export const AuditFiltersSchema = z.object({
  subject: z.string().max(256).optional(),
  resource: z.string().max(128).optional(),
  action: z.string().max(128).optional(),
  decision: EffectSchema.optional(),
  from: InstantSchema,
  to: InstantSchema,
});

/** GET …/audit's query: the filters, a page size and the cursor of the previous page. */
export const AuditQuerySchema = AuditFiltersSchema.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const AuditPageSchema = z
  .object({
    data: z.array(AuditEventSchema),
    nextCursor: z.string().nullable(),
    /** D1 holds the hot window; older events are in the archive (GET …/audit/export reads both). */
    hotWindowStart: z.number().int().describe('Epoch ms: D1 (this query) holds events from here on'),
    pastHotWindow: z
      .boolean()
      .describe('The range starts before the hot window: older events are only in the export (archive)'),
  })
  .meta({ id: 'AuditPage' });

/** GET …/audit/stats: decisions per hour, and who and what is denied most, over a range. */
export const AuditStatsSchema = z
  .object({
    hourly: z.array(z.object({ hour: z.string(), allow: z.number().int(), deny: z.number().int() })),
    topDeniedSubjects: z.array(z.object({ subject: z.string(), denials: z.number().int() })),
    topResources: z.array(
      z.object({ resource: z.string(), action: z.string(), allow: z.number().int(), deny: z.number().int() }),
    ),
    from: z.string(),
    to: z.string(),
  })
  .meta({ id: 'AuditStats' });

/**
 * GET /v1/operations/audit-producer (root key): this isolate's audit producer counters. They
 * count every workspace's events, so no tenant answer carries them.
 */
export const ProducerCountersSchema = z
  .object({
    sent: z.number().int().describe('Events handed to the queue'),
    messages: z.number().int().describe('Queue messages they travelled in'),
    sendFailures: z.number().int().describe('Queue sends refused (each retried)'),
    directWrites: z.number().int().describe('Events written to the archive and D1 because the queue refused'),
    lost: z.number().int().describe('Events neither the queue nor D1 took within the delivery budget'),
  })
  .meta({ id: 'ProducerCounters' });
export type AuditStats = z.infer<typeof AuditStatsSchema>;
