/**
 * Writing audit events to D1: one INSERT … SELECT FROM json_each(?) per chunk of
 * events, ON CONFLICT(decision_id) DO NOTHING, all chunks in one D1 batch (one
 * transaction). One bound parameter per statement, whatever the number of events (D1
 * binds at most 100), and chunks of at most MAX_STATEMENT_BYTES of JSON. Replaying the
 * same events inserts nothing twice.
 */
import type { AuditEvent } from './event';

/** JSON bytes bound to one statement (D1 limits a statement to 100 KB). */
export const MAX_STATEMENT_BYTES = 90 * 1024;

const COLUMNS: [column: string, field: keyof AuditEvent | 'shadow.diverged'][] = [
  ['decision_id', 'decisionId'],
  ['workspace_id', 'workspaceId'],
  ['time', 'time'],
  ['subject', 'subject'],
  ['provider', 'provider'],
  ['resource', 'resource'],
  ['action', 'action'],
  ['decision', 'decision'],
  ['policy', 'policy'],
  ['policy_version', 'policyVersion'],
  ['rule_id', 'ruleId'],
  ['reasons', 'reasons'],
  ['input', 'input'],
  ['latency_ms', 'latencyMs'],
  ['ip', 'ip'],
  ['user_agent', 'userAgent'],
  ['shadow', 'shadow'],
  ['shadow_diverged', 'shadow.diverged'],
];

// json_extract returns JSON text for the reasons array and the input object. `archived`
// says whether the archive already holds the events (archive.ts); a row written before
// its archive object is marked when a later write of the same event is.
const insertSql = (
  archived: 0 | 1,
) => `INSERT INTO audit_events (${COLUMNS.map(([c]) => c).join(', ')}, archived)
  SELECT ${COLUMNS.map(([, f]) => `json_extract(value, '$.${f}')`).join(', ')}, ${archived} FROM json_each(?) WHERE true
  ON CONFLICT(decision_id) DO UPDATE SET archived = excluded.archived WHERE excluded.archived > audit_events.archived`;
const INSERT = { 0: insertSql(0), 1: insertSql(1) } as const;

/** Statements inserting `events` (each given as its JSON text), chunked by size. */
export function insertStatements(
  db: D1Database,
  events: readonly string[],
  archived: boolean = false,
): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  let chunk: string[] = [];
  let bytes = 2;
  const close = () => {
    if (chunk.length > 0) statements.push(db.prepare(INSERT[archived ? 1 : 0]).bind(`[${chunk.join(',')}]`));
    chunk = [];
    bytes = 2;
  };
  for (const e of events) {
    if (bytes + e.length + 1 > MAX_STATEMENT_BYTES) close();
    chunk.push(e);
    bytes += e.length + 1;
  }
  close();
  return statements;
}

/**
 * Inserts events given as objects or as their JSON text; idempotent by decision id.
 * `archived`: the archive already holds them (retention may delete them from D1 later).
 */
export async function insertEvents(
  db: D1Database,
  events: readonly (AuditEvent | string)[],
  archived = false,
): Promise<void> {
  if (events.length === 0) return;
  await db.batch(
    insertStatements(
      db,
      events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
      archived,
    ),
  );
}
