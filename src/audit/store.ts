/**
 * Writing audit events to D1: multi-row INSERT … ON CONFLICT(decision_id) DO NOTHING,
 * chunked so no statement binds more than D1's 100 parameters, all chunks in one D1
 * batch (one transaction). Replaying the same events inserts nothing twice.
 */
import type { AuditEvent } from './event';

const COLUMNS = [
  'decision_id',
  'workspace_id',
  'time',
  'subject',
  'provider',
  'resource',
  'action',
  'decision',
  'policy',
  'policy_version',
  'rule_id',
  'reasons',
  'input',
  'latency_ms',
  'ip',
  'user_agent',
] as const;
const MAX_PARAMS = 100;
export const ROWS_PER_STATEMENT = Math.floor(MAX_PARAMS / COLUMNS.length);

function row(e: AuditEvent): unknown[] {
  return [
    e.decisionId,
    e.workspaceId,
    e.time,
    e.subject,
    e.provider,
    e.resource,
    e.action,
    e.decision,
    e.policy,
    e.policyVersion,
    e.ruleId,
    JSON.stringify(e.reasons),
    JSON.stringify(e.input),
    e.latencyMs,
    e.ip,
    e.userAgent,
  ];
}

export function insertStatements(db: D1Database, events: readonly AuditEvent[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  const placeholders = `(${COLUMNS.map(() => '?').join(',')})`;
  for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
    const chunk = events.slice(i, i + ROWS_PER_STATEMENT);
    const sql = `INSERT INTO audit_events (${COLUMNS.join(',')}) VALUES ${chunk.map(() => placeholders).join(',')} ON CONFLICT(decision_id) DO NOTHING`;
    statements.push(db.prepare(sql).bind(...chunk.flatMap(row)));
  }
  return statements;
}

export async function insertEvents(db: D1Database, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.batch(insertStatements(db, events));
}
