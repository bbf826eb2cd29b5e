/**
 * Records: policy-enforced JSON documents. A record, a page of records with its
 * metadata (which speaks only of readable rows), and the query (`where` nests and / or /
 * not over eq, ne, gt, gte, lt, lte, in, contains).
 */
import { z } from 'zod';

export const COLLECTION = /^[a-z][a-z0-9_-]{0,62}$/;
/** Letters, digits and _ . : @ + -, at most 128; not dots only ("." and ".." are URL navigation). */
export const RECORD_ID = /^(?!\.+$)[A-Za-z0-9_.:@+-]{1,128}$/;
/** Longest cursor string accepted. */
export const MAX_CURSOR_LENGTH = 2000;

export const RecordDataSchema = z.record(z.string(), z.unknown());

export const RecordSchema = z
  .object({
    id: z.string(),
    data: RecordDataSchema,
    owner: z.string(),
    version: z.number().int(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .meta({ id: 'Record' });
export type VerdictRecord = z.infer<typeof RecordSchema>;

export const ListMetaSchema = z
  .object({
    /** "sql": the policy filter ran in the database; "scan": some rule could not be translated. */
    strategy: z.enum(['sql', 'scan']),
    untranslated: z.array(z.string()),
    /** false when the page stopped at the scan bound before the end of the list. */
    complete: z.boolean(),
    reason: z.enum(['scan_budget']).optional(),
  })
  .meta({ id: 'ListMeta' });
export type ListMeta = z.infer<typeof ListMetaSchema>;

export const RecordPageSchema = z
  .object({
    data: z.array(RecordSchema),
    page: z.object({ nextCursor: z.string().nullable(), limit: z.number().int() }),
    meta: ListMetaSchema,
  })
  .meta({ id: 'RecordPage' });
export type RecordPage = z.infer<typeof RecordPageSchema>;

const Scalar = z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);
export const WhereOpsSchema = z
  .object({
    eq: Scalar,
    ne: Scalar,
    gt: Scalar,
    gte: Scalar,
    lt: Scalar,
    lte: Scalar,
    in: z.array(Scalar).max(100),
    contains: Scalar,
  })
  .partial()
  .strict();

export type Where =
  | { and: Where[] }
  | { or: Where[] }
  | { not: Where }
  | Record<string, z.infer<typeof WhereOpsSchema> | z.infer<typeof Scalar>>;

export const WhereSchema: z.ZodType<Where> = z.lazy(() =>
  z.union([
    z.object({ and: z.array(WhereSchema).max(50) }).strict(),
    z.object({ or: z.array(WhereSchema).max(50) }).strict(),
    z.object({ not: WhereSchema }).strict(),
    z.record(z.string().regex(/^[A-Za-z0-9_$.-]{1,256}$/), z.union([WhereOpsSchema, Scalar])),
  ]),
);

export const RecordQuerySchema = z
  .object({
    // Validated against the recursive WhereSchema by the route (OpenAPI cannot render z.lazy).
    where: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('and / or / not over { field: { eq | ne | gt | gte | lt | lte | in | contains: value } }')
      .meta({ example: { status: 'pending', amount: { lte: 1000 } } }),
    sort: z.string().max(200).optional(),
    page: z
      .object({
        limit: z.number().int().min(1).max(200).default(50),
        cursor: z.string().max(MAX_CURSOR_LENGTH).optional(),
      })
      .strict()
      .optional(),
    select: z.array(z.string().max(256)).max(50).optional(),
  })
  .strict()
  .meta({ id: 'RecordQuery' });
export type RecordQuery = z.input<typeof RecordQuerySchema>;

export const CreateRecordSchema = z
  .object({ id: z.string().regex(RECORD_ID).optional(), data: RecordDataSchema })
  .strict()
  .meta({ id: 'CreateRecord' });
/** Records written by an API key (records:write), e.g. the subject directory trusted-PEP calls read. */
export const ImportRecordsSchema = z
  .object({
    records: z
      .array(
        z
          .object({
            id: z.string().regex(RECORD_ID),
            data: RecordDataSchema,
            owner: z.string().min(1).max(512).optional().describe('Default: the record id'),
          })
          .strict(),
      )
      .min(1)
      .max(500),
  })
  .strict()
  .meta({ id: 'ImportRecords' });
export type ImportRecords = z.infer<typeof ImportRecordsSchema>;

export const PatchRecordSchema = z.object({ data: RecordDataSchema }).strict().meta({ id: 'PatchRecord' });
