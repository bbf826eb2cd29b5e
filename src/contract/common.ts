/**
 * Shapes every part of the wire shares: names, the problem document (RFC 9457) and its
 * closed set of error codes. The contract modules import zod and nothing else, so the
 * Worker, the OpenAPI document, the published JSON Schemas, the SDK, the CLI and the
 * console all take their shapes from here (the SDK only its types).
 */
import { z } from 'zod';

/** Policy, rule and binding names: letters, digits, _ . : -, at most 128. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** A workspace id: lowercase letters, digits and dashes, 2–63 characters (a DNS label). */
export const WORKSPACE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * Whether a client-chosen id can be named in a URL once accepted. URL parsers (WHATWG,
 * RFC 3986) read a path segment of only "." or ".." (or their %2e spellings) as
 * navigation, so no route could reach it; a lone UTF-16 surrogate has no UTF-8 form, so
 * it has no percent-encoding (encodeURIComponent throws, URLSearchParams writes U+FFFD).
 * Every id that a route names in its path is refused (400) unless `addressableSegment`;
 * every name a route takes in its query, unless `wellFormed`.
 */
export const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);
export const addressableSegment = (s: string): boolean => !/^\.*$/.test(s) && wellFormed(s);
export const NOT_ADDRESSABLE = 'not addressable in a URL: only dots, or a lone UTF-16 surrogate';

export const WorkspaceIdSchema = z
  .string()
  .regex(WORKSPACE_ID, 'lowercase letters, digits and dashes, 2–63 characters');
/** A resource or action name in a check. */
export const CHECK_NAME_MAX = 128;
export const CheckNameSchema = z.string().min(1).max(CHECK_NAME_MAX);

export const ERROR_CODES = [
  'bad_request',
  'malformed_json',
  'validation_failed',
  'unauthorized',
  'invalid_token',
  'forbidden',
  'not_found',
  'conflict',
  'precondition_failed',
  'payload_too_large',
  'unsupported_media_type',
  'invalid_policy',
  'invalid_provider',
  'window_too_large',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const FieldErrorSchema = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

/** An error answer: application/problem+json. Extension members depend on the error. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(ERROR_CODES),
    instance: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional(),
    /** For a refused token: why (a TokenReason). */
    reason: z.string().optional(),
    /** For an audited refusal or denial: its decision id. */
    decisionId: z.string().optional(),
    /** For a denial by policy (records): the decision's reasons. */
    reasons: z.array(z.unknown()).optional(),
    /** For a 409 on a version check (shadow promote): the version named, and the live one (null: deleted). */
    expectedVersion: z.number().int().optional(),
    currentVersion: z.number().int().nullable().optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof ProblemSchema>;

/** `{ data }`: every success body. */
export const dataOf = <T extends z.ZodType>(schema: T) => z.object({ data: schema });
