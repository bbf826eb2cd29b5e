/**
 * Helpers for declaring routes once: the zod schema validates the request, documents
 * it in /openapi.json and types the handler.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { VerdictError } from '../lib/errors';
import type { AppEnv } from './types';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The error responses every admin route can give. */
export const adminErrors = {
  400: problem('Malformed input'),
  401: problem('Missing or invalid API key'),
  403: problem('The key lacks the scope'),
  404: problem('Not found (including other workspaces)'),
  413: problem('Body over 64 KB'),
} as const;

export const dataOf = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema: z.object({ data: schema }) } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
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
