/**
 * The JSON Schemas Verdict publishes at /schemas/<name>.json, generated from the
 * contract (z.toJSONSchema). Their `$id`s are stable: a file can name one in `$schema`
 * and an editor completes function names and fields.
 */
import { z } from 'zod';
import { ConfigSchema, PermissionsFileSchema, RoutesFileSchema, TestFileSchema } from './cli';
import { PolicySchema } from './policy';
import { ProviderInputSchema } from './provider';

export const SCHEMA_BASE = 'https://verdict.dev/schemas';

export const PUBLISHED_SCHEMAS = {
  policy: PolicySchema,
  provider: ProviderInputSchema,
  test: TestFileSchema,
  config: ConfigSchema,
  permissions: PermissionsFileSchema,
  routes: RoutesFileSchema,
} as const;
export type PublishedSchemaName = keyof typeof PUBLISHED_SCHEMAS;

/** The JSON Schema document of one published schema (inputs: what a file may contain). */
export function jsonSchemaOf(name: PublishedSchemaName): Record<string, unknown> {
  const schema = z.toJSONSchema(PUBLISHED_SCHEMAS[name], {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { ...schema, $id: `${SCHEMA_BASE}/${name}.json` };
}
