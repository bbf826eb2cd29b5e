/** The audit trail's shapes: a stored event, its filters, a page, and the aggregates. */
import { z } from 'zod';
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
    /** The attributes and context the policy saw, redacted and bounded ($redacted / $truncated markers). */
    input: z.object({
      attributes: z.record(z.string(), z.unknown()),
      context: z.record(z.string(), z.unknown()),
    }),
    latencyMs: z.number(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

/** An instant as a query parameter: ISO 8601 or epoch milliseconds. */
export const InstantSchema = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const n = /^[0-9]+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: 'an ISO 8601 instant or epoch milliseconds' });
      return z.NEVER;
    }
    return n;
  });

export const AuditFiltersSchema = z.object({
  subject: z.string().max(256).optional(),
  resource: z.string().max(128).optional(),
  action: z.string().max(128).optional(),
  decision: EffectSchema.optional(),
  from: InstantSchema,
  to: InstantSchema,
});

export const AuditPageSchema = z
  .object({ data: z.array(AuditEventSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'AuditPage' });
