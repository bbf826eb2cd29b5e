/**
 * The files of a policies-as-code workspace, read by the `verdict` CLI: the workspace
 * config (verdict.json) and policy test files. Their JSON Schemas are published at
 * /schemas/config.json and /schemas/test.json, so an editor completes them.
 */
import { z } from 'zod';
import { CheckNameSchema, NAME, WorkspaceIdSchema } from './common';
import { ContextSchema } from './decision';
import { EffectSchema } from './policy';

export const ConfigSchema = z
  .object({
    $schema: z.string().max(500).optional(),
    workspace: WorkspaceIdSchema.describe('The workspace these files describe'),
    url: z.string().url().optional().describe('Verdict’s base URL (else VERDICT_URL or the login profile)'),
    timezone: z
      .string()
      .max(64)
      .optional()
      .describe('The workspace timezone tests evaluate time in (default UTC)'),
    policies: z.string().default('policies').describe('Folder of policy files (*.json)'),
    providers: z.string().default('providers').describe('Folder of auth provider files (*.json)'),
    permissions: z
      .string()
      .default('permissions.json')
      .describe('The bindings: [{ resource, action, policies }]'),
    routes: z.string().optional().describe('The gateway route map: [{ method, path, resource, action }]'),
    tests: z.string().default('tests').describe('Folder of test files (*.test.json)'),
  })
  .strict()
  .meta({ id: 'VerdictConfig', description: 'verdict.json: a workspace’s policies as code' });
export type VerdictConfig = z.infer<typeof ConfigSchema>;

export const PrincipalSchema = z
  .object({
    /** The JWT claims, run through the workspace's claim mappings as a real token would be. */
    claims: z.record(z.string(), z.unknown()),
    /** Which provider's claim mappings apply (default: the only one). */
    provider: z.string().optional(),
  })
  .strict();

export const TestCaseSchema = z
  .object({
    name: z.string().min(1).max(200),
    principal: z.string().describe('A key of `principals`'),
    resource: CheckNameSchema,
    action: CheckNameSchema,
    context: ContextSchema.optional(),
    record: z.record(z.string(), z.unknown()).optional().describe('record.<field> for records policies'),
    ip: z.string().optional(),
    now: z.iso.datetime({ offset: true }).optional().describe('Overrides the file’s `now`'),
    expect: z
      .object({
        decision: EffectSchema,
        policy: z.string().regex(NAME).optional().describe('The policy that decided'),
        rule: z.string().regex(NAME).optional().describe('The rule that decided (or the default’s rule_id)'),
        reason: z.string().optional().describe('The first reason code, e.g. indeterminate'),
      })
      .strict(),
  })
  .strict();

export const TestFileSchema = z
  .object({
    $schema: z.string().max(500).optional(),
    name: z.string().min(1).max(200),
    /** Evaluation time for every case without its own (ISO 8601 with a zone). */
    now: z.iso.datetime({ offset: true }).optional(),
    principals: z.record(z.string(), PrincipalSchema),
    tests: z.array(TestCaseSchema).min(1),
  })
  .strict()
  .meta({
    id: 'PolicyTests',
    description: 'Policy tests: principals by JWT claims, checks, expected decisions',
  });
export type TestFile = z.infer<typeof TestFileSchema>;
