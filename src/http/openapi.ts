/**
 * Helpers for declaring routes once: the contract's zod schema validates the request,
 * documents it in /openapi.json and types the handler. A contract schema with a
 * `meta({ id })` becomes a named component of the OpenAPI document.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ProblemSchema } from '../contract';
import { VerdictError } from '../lib/errors';
import type { AppEnv } from './types';

/**
 * The schema, named in the OpenAPI document after its contract id (when it has one).
 * The contract builds its schemas with plain zod, possibly before @hono/zod-openapi adds
 * `.openapi()` to zod's prototype (zod 4 copies methods onto each schema when it is
 * built), so the method is taken from the prototype, not from the schema.
 */
export function named<T extends z.ZodType>(schema: T): T {
  const id = (schema.meta() as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') return schema;
  const openapi = (z.ZodType.prototype as unknown as { openapi: (this: T, refId: string) => T }).openapi;
  return openapi.call(schema, id);
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: named(ProblemSchema) } },
});

/** The error responses every route can give, and those of admin routes. */
export const errors = {
  badRequest: problem('Malformed input (field paths in `errors`)'),
  unauthorized: problem('Missing or invalid token or key'),
  forbidden: problem('Denied, or the key lacks the scope'),
  notFound: problem('Not found (including other workspaces)'),
  conflict: problem('Conflict'),
  precondition: problem('If-Match does not match the stored version'),
  tooLarge: problem('Body over 64 KB (or a record over 32 KB)'),
  unsupported: problem('Not application/json'),
  invalid: problem('Invalid policy or provider (field paths in `errors`)'),
  unavailable: problem('A dependency is down and no safe answer exists'),
} as const;

export const adminErrors = {
  400: errors.badRequest,
  401: errors.unauthorized,
  403: errors.forbidden,
  404: errors.notFound,
  413: errors.tooLarge,
  415: errors.unsupported,
} as const;

export const dataOf = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema: z.object({ data: named(schema) }) } },
});

export const jsonOf = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema: named(schema) } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema: named(schema) } },
});

export const WorkspaceParam = z.object({
  ws: z.string().openapi({ param: { name: 'ws', in: 'path' }, example: 'acme' }),
});

/** A router whose validation failures become 400 problem+json with field paths. */
export function router(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((issue) => ({
          path: issue.path.join('.') || '(root)',
          message: issue.message,
        }));
        throw new VerdictError('validation_failed', 400, 'The request does not match the schema', { errors });
      }
    },
  });
}
