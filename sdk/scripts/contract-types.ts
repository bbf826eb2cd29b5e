// The contract types the SDK exposes, as z.infer of the contract (src/contract). Not
// shipped: sdk/scripts/generate-types.mjs expands each into plain TypeScript in
// sdk/src/contract.ts, so the published declarations need neither zod nor the contract.
import type { z } from 'zod';
import type {
  ApiKeySchema,
  AttributesSchema,
  AuditEventSchema,
  AuditPageSchema,
  AuditQuerySchema,
  AuditStatsSchema,
  AuthorizeRequestSchema,
  BatchRequestSchema,
  BindingSchema,
  CheckSchema,
  ConfigSchema,
  CreatedKeySchema,
  CreatedWorkspaceSchema,
  CreateKeySchema,
  CreateWorkspaceSchema,
  DecisionSchema,
  EvaluationResultSchema,
  EvaluationSchema,
  ImpactCountsSchema,
  ImpactJobSchema,
  ImpactRequestSchema,
  ImpactResultSchema,
  ImportRecordsSchema,
  LambdaResponseSchema,
  ListMetaSchema,
  PepSubjectsSchema,
  PermissionSchema,
  PolicyCheckResultSchema,
  PolicySchema,
  PolicySummarySchema,
  PolicyVersionSchema,
  PolicyWriteResultSchema,
  PrincipalCheckRequestSchema,
  PrincipalCheckSchema,
  ProblemSchema,
  PromoteShadowSchema,
  ProviderInputSchema,
  ProviderSchema,
  ReasonSchema,
  RecordPageSchema,
  RecordQuerySchema,
  RecordSchema,
  RevocationSchema,
  RevokeSchema,
  ShadowSchema,
  SimulateRequestSchema,
  TestFileSchema,
  UpdateWorkspaceSchema,
  ValidateRequestSchema,
  WhoAmISchema,
  WorkspaceSchema,
} from '../../src/contract';

export type Decision = z.infer<typeof DecisionSchema>;
export type Reason = z.infer<typeof ReasonSchema>;
export type Check = z.input<typeof CheckSchema>;
export type AuthorizeRequest = z.input<typeof AuthorizeRequestSchema>;
export type BatchRequest = z.input<typeof BatchRequestSchema>;
export type Problem = z.infer<typeof ProblemSchema>;
export type VerdictRecord = z.infer<typeof RecordSchema>;
export type RecordPage = z.infer<typeof RecordPageSchema>;
export type ListMeta = z.infer<typeof ListMetaSchema>;
export type RecordQuery = z.input<typeof RecordQuerySchema>;
export type PolicyDocument = z.input<typeof PolicySchema>;
export type PolicySummary = z.infer<typeof PolicySummarySchema>;
export type PolicyVersion = z.infer<typeof PolicyVersionSchema>;
export type PolicyWriteResult = z.infer<typeof PolicyWriteResultSchema>;
export type Permission = z.input<typeof PermissionSchema>;
export type Binding = z.infer<typeof BindingSchema>;
export type ProviderInput = z.input<typeof ProviderInputSchema>;
export type Provider = z.infer<typeof ProviderSchema>;
export type PrincipalCheckRequest = z.input<typeof PrincipalCheckRequestSchema>;
export type PrincipalCheck = z.infer<typeof PrincipalCheckSchema>;
export type Attributes = z.infer<typeof AttributesSchema>;
export type SimulateRequest = z.input<typeof SimulateRequestSchema>;
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type AuditPage = z.infer<typeof AuditPageSchema>;
export type Workspace = z.infer<typeof WorkspaceSchema>;
export type CreateWorkspace = z.input<typeof CreateWorkspaceSchema>;
export type CreatedWorkspace = z.infer<typeof CreatedWorkspaceSchema>;
export type UpdateWorkspace = z.input<typeof UpdateWorkspaceSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type CreateKey = z.input<typeof CreateKeySchema>;
export type CreatedKey = z.infer<typeof CreatedKeySchema>;
export type Revoke = z.input<typeof RevokeSchema>;
export type Revocation = z.infer<typeof RevocationSchema>;
export type AuthZenEvaluation = z.input<typeof EvaluationSchema>;
export type AuthZenResult = z.infer<typeof EvaluationResultSchema>;
export type LambdaResponse = z.infer<typeof LambdaResponseSchema>;
export type PolicyTestFile = z.input<typeof TestFileSchema>;
export type VerdictConfig = z.input<typeof ConfigSchema>;
export type PolicyCheckResult = z.infer<typeof PolicyCheckResultSchema>;
export type ValidateRequest = z.input<typeof ValidateRequestSchema>;
export type AuditStats = z.infer<typeof AuditStatsSchema>;
/** GET …/audit's query; instants as ISO 8601 or epoch ms. */
export type AuditQuery = Omit<z.input<typeof AuditQuerySchema>, 'limit' | 'from' | 'to'> & {
  limit?: number;
  from?: string | number;
  to?: string | number;
};
export type WhoAmI = z.infer<typeof WhoAmISchema>;
export type ImpactRequest = z.input<typeof ImpactRequestSchema>;
export type ImpactResult = z.infer<typeof ImpactResultSchema>;
export type ImpactJob = z.infer<typeof ImpactJobSchema>;
export type ImpactCounts = z.infer<typeof ImpactCountsSchema>;
export type Shadow = z.infer<typeof ShadowSchema>;
export type PromoteShadow = z.input<typeof PromoteShadowSchema>;
export type ImportRecords = z.input<typeof ImportRecordsSchema>;
export type PepSubjects = z.input<typeof PepSubjectsSchema>;
