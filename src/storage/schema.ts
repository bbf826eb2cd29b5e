/**
 * The D1 schema, in one place. D1 is the source of truth; KV only caches what the
 * hot path reads. `npm run db:generate` turns this file into SQL under migrations/.
 *
 * Conventions: times are epoch milliseconds (integer); JSON columns are text holding
 * JSON; every tenant-owned table leads with workspace_id so every index is scoped to
 * one workspace and no query can cross tenants by accident.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const workspaces = sqliteTable('workspaces', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  timezone: text('timezone').notNull().default('UTC'),
  /** Days of audit events kept in D1 (the hot window); older events live in the R2 archive. */
  auditRetentionDays: integer('audit_retention_days').notNull().default(90),
  /** Days of audit events kept in the R2 archive. */
  archiveRetentionDays: integer('archive_retention_days').notNull().default(400),
  /** JSON array of keys removed from every value in audit events (context, attributes, reasons). */
  redactKeys: text('redact_keys').notNull().default('[]'),
  /** JSON array of gateway routes: { method, path, resource, action }. */
  routeMap: text('route_map').notNull().default('[]'),
  createdAt: integer('created_at').notNull(),
  /**
   * Hex of 32 random bytes: the AES-GCM key that seals this workspace's record-list
   * cursors (opaque and tamper-evident). Set at creation; migration 0001 fills old rows.
   */
  cursorKey: text('cursor_key').notNull().default(''),
  /** JSON PepSubjects (AuthZEN trusted-PEP subject attributes), or null. */
  pepSubjects: text('pep_subjects'),
});

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The visible, non-secret start of the key (`vk_<id>`), used to find the row. */
    prefix: text('prefix').notNull(),
    /** Hex SHA-256 of the whole key. The key itself is never stored. */
    hash: text('hash').notNull(),
    /** JSON array of scopes. */
    scopes: text('scopes').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_prefix_uq').on(t.prefix), index('api_keys_ws_idx').on(t.workspaceId)],
);

export const authProviders = sqliteTable(
  'auth_providers',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type').notNull(),
    issuer: text('issuer').notNull(),
    /** The whole validated provider document (audiences, claim mappings, algorithms, preset options). */
    config: text('config').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('auth_providers_ws_issuer_uq').on(t.workspaceId, t.issuer),
    uniqueIndex('auth_providers_ws_name_uq').on(t.workspaceId, t.name),
  ],
);

export const policies = sqliteTable(
  'policies',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    currentVersion: integer('current_version').notNull(),
    latestVersion: integer('latest_version').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.name] })],
);

export const policyVersions = sqliteTable(
  'policy_versions',
  {
    workspaceId: text('workspace_id').notNull(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    /** The policy exactly as written (seed format). Immutable. */
    source: text('source').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.name, t.version] })],
);

export const permissions = sqliteTable(
  'permissions',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    resource: text('resource').notNull(),
    action: text('action').notNull(),
    /** JSON array of policy names. */
    policies: text('policies').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.resource, t.action] })],
);

export const auditEvents = sqliteTable(
  'audit_events',
  {
    decisionId: text('decision_id').primaryKey(),
    workspaceId: text('workspace_id').notNull(),
    time: integer('time').notNull(),
    subject: text('subject'),
    provider: text('provider'),
    resource: text('resource').notNull(),
    action: text('action').notNull(),
    decision: text('decision').notNull(),
    policy: text('policy'),
    policyVersion: integer('policy_version'),
    ruleId: text('rule_id'),
    reasons: text('reasons').notNull().default('[]'),
    /** Normalized input after redaction: { attributes, context }. Never the raw token. */
    input: text('input').notNull().default('{}'),
    latencyMs: integer('latency_ms'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /**
     * Shadow evaluation, when a bound policy had a shadow draft: JSON
     * { policies, decision, policy, ruleId, diverged }; null otherwise.
     */
    shadow: text('shadow'),
    /** 1 when the shadow answer differs from the live one (effect or deciding rule). */
    shadowDiverged: integer('shadow_diverged'),
    /** 1 once the R2 archive holds the event (written before the row); retention deletes only these. */
    archived: integer('archived').notNull().default(0),
  },
  (t) => [
    // The sweep's work list: rows the archive does not hold yet (few, normally none).
    index('audit_unarchived_idx').on(t.time).where(sql`archived = 0`),
    // Shadow counts per workspace and time, over the rows that have a shadow only.
    index('audit_ws_shadow_time_idx').on(t.workspaceId, t.time).where(sql`shadow IS NOT NULL`),
    // Newest-first listing with a (time, decision_id) keyset cursor.
    index('audit_ws_time_idx').on(t.workspaceId, t.time, t.decisionId),
    index('audit_ws_subject_time_idx').on(t.workspaceId, t.subject, t.time),
    index('audit_ws_resource_action_time_idx').on(t.workspaceId, t.resource, t.action, t.time),
    index('audit_ws_decision_time_idx').on(t.workspaceId, t.decision, t.time),
  ],
);

export const auditDeadLetters = sqliteTable('audit_dead_letters', {
  id: text('id').primaryKey(),
  workspaceId: text('workspace_id'),
  body: text('body').notNull(),
  receivedAt: integer('received_at').notNull(),
});

export const records = sqliteTable(
  'records',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    collection: text('collection').notNull(),
    id: text('id').notNull(),
    data: text('data').notNull(),
    owner: text('owner').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.collection, t.id] }),
    index('records_ws_coll_created_idx').on(t.workspaceId, t.collection, t.createdAt, t.id),
    index('records_ws_coll_owner_idx').on(t.workspaceId, t.collection, t.owner),
  ],
);

export const revocations = sqliteTable(
  'revocations',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    value: text('value').notNull(),
    expiresAt: integer('expires_at'),
    createdAt: integer('created_at').notNull().default(sql`0`),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind, t.value] })],
);

/** A draft attached beside a live policy: evaluated on every decision that uses it, never deciding. */
export const policyShadows = sqliteTable(
  'policy_shadows',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The draft document (seed format), validated like a write. */
    source: text('source').notNull(),
    /** The live version when the draft was attached. */
    liveVersion: integer('live_version').notNull(),
    attachedAt: integer('attached_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.name] })],
);

/** Impact analyses run in the background, chunk by chunk (analysis/impact-run.ts). */
export const impactJobs = sqliteTable(
  'impact_jobs',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    /** The ImpactRequest, with the window resolved to epoch ms. */
    request: text('request').notNull(),
    /** The live policy versions, bindings and timezone pinned at creation: every chunk replays against these. */
    baseline: text('baseline').notNull(),
    total: integer('total').notNull(),
    processed: integer('processed').notNull().default(0),
    chunks: integer('chunks').notNull().default(0),
    /** The keyset cursor of the next chunk (newest first), null before the first. */
    cursor: text('cursor'),
    /** The running ImpactTally (JSON). */
    tally: text('tally').notNull(),
    result: text('result'),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('impact_jobs_ws_idx').on(t.workspaceId, t.createdAt)],
);
