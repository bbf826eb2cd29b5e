/**
 * The files of a policies-as-code workspace, read by the `verdict` CLI: the workspace
 * config (verdict.json) and policy test files. Their JSON Schemas are published at
 * /schemas/config.json and /schemas/test.json, so an editor completes them.
 */
import { z } from 'zod';
import { RouteMapEntrySchema } from './admin';
import { CheckNameSchema, NAME, WorkspaceIdSchema } from './common';
import { ContextSchema } from './decision';
import { EffectSchema, PermissionSchema } from './policy';

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
    claims: z
      .record(z.string(), z.unknown())
      .describe('The JWT claims (sub, role, …) as the IdP would sign them'),
    /** Which provider's claim mappings apply (default: the only one). */
    provider: z
      .string()
      .optional()
      .describe('The provider (by name) whose claim mappings apply; default: the only one'),
  })
  .strict();

/** What a case is expected to decide: "Allow" / "Deny", or which policy, rule or reason decided. */
export const ExpectationSchema = z.union([
  EffectSchema,
  z
    .object({
      decision: EffectSchema,
      policy: z.string().regex(NAME).optional().describe('The policy that decided'),
      rule: z.string().regex(NAME).optional().describe('The rule that decided (or the default’s rule_id)'),
      reason: z.string().optional().describe('The first reason code, e.g. indeterminate'),
    })
    .strict(),
]);
export type Expectation = z.infer<typeof ExpectationSchema>;

/** What a check carries besides resource and action; a fixture holds the same, shared. */
const checkInput = {
  fixture: z
    .string()
    .optional()
    .describe('A key of `fixtures`: its context, record and ip, under this case’s own'),
  context: ContextSchema.optional(),
  record: z.record(z.string(), z.unknown()).optional().describe('record.<field> for records policies'),
  ip: z.string().optional(),
  now: z.iso.datetime({ offset: true }).optional().describe('Overrides the file’s `now`'),
};

export const FixtureSchema = z
  .object({
    context: ContextSchema.optional(),
    record: z.record(z.string(), z.unknown()).optional(),
    ip: z.string().optional(),
  })
  .strict();

export const TestCaseSchema = z
  .object({
    name: z.string().min(1).max(200),
    principal: z.string().describe('A key of `principals`'),
    resource: CheckNameSchema,
    action: CheckNameSchema,
    ...checkInput,
    expect: ExpectationSchema,
  })
  .strict();

/** Principals × cases: every case runs for every principal, each with its own expectation. */
export const MatrixSchema = z
  .object({
    name: z.string().min(1).max(200),
    principals: z.array(z.string()).min(1).describe('Keys of `principals`'),
    resource: CheckNameSchema.optional().describe('For every case that does not name its own'),
    action: CheckNameSchema.optional().describe('For every case that does not name its own'),
    cases: z
      .array(
        z
          .object({
            name: z.string().min(1).max(200),
            resource: CheckNameSchema.optional(),
            action: CheckNameSchema.optional(),
            ...checkInput,
            expect: z
              .record(z.string(), ExpectationSchema)
              .describe('principal → expectation, for each principal'),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export const TestFileSchema = z
  .object({
    $schema: z.string().max(500).optional(),
    name: z.string().min(1).max(200),
    /** Evaluation time for every case without its own (ISO 8601 with a zone). */
    now: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('The clock for every case (default: the real time)'),
    timezone: z
      .string()
      .max(64)
      .optional()
      .describe('For current_time and day_of_week (default: verdict.json’s, else UTC)'),
    principals: z.record(z.string(), PrincipalSchema),
    fixtures: z
      .record(z.string(), FixtureSchema)
      .optional()
      .describe('Shared context, record and ip, by name'),
    tests: z.array(TestCaseSchema).optional(),
    matrix: z.array(MatrixSchema).optional(),
  })
  .strict()
  .meta({
    id: 'PolicyTests',
    description: 'Policy tests: principals by JWT claims, checks, expected decisions (cases or a matrix)',
  });
export type TestFile = z.infer<typeof TestFileSchema>;

/** permissions.json: the bindings, (resource, action) → policies. */
export const PermissionsFileSchema = z
  .array(PermissionSchema)
  .max(1000)
  .meta({ id: 'PermissionsFile', description: 'Bindings: which policies decide each (resource, action)' });

/** The gateway route map file: (method, path pattern) → (resource, action). */
export const RoutesFileSchema = z.array(RouteMapEntrySchema).max(500).meta({
  id: 'RoutesFile',
  description: 'The gateway route map: method and path pattern → resource and action',
});
