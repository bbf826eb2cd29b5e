/**
 * Reading the audit trail: newest first with a keyset cursor on (time, decision_id),
 * so pages stay consistent while new rows arrive (new rows are newer than any cursor
 * and never shift a later page). Every query is scoped to one workspace and served by
 * the audit_ws_* indexes.
 */
import type { AuditStats } from '../contract';
import type { AuditEvent } from './event';

export type AuditFilter = {
  subject?: string | undefined;
  resource?: string | undefined;
  action?: string | undefined;
  decision?: 'Allow' | 'Deny' | undefined;
  from?: number | undefined;
  to?: number | undefined;
};

type Row = {
  decision_id: string;
  workspace_id: string;
  time: number;
  subject: string | null;
  provider: string | null;
  resource: string;
  action: string;
  decision: 'Allow' | 'Deny';
  policy: string | null;
  policy_version: number | null;
  rule_id: string | null;
  reasons: string;
  input: string;
  latency_ms: number | null;
  ip: string | null;
  user_agent: string | null;
  shadow?: string | null;
};

export function fromRow(r: Row): AuditEvent {
  return {
    decisionId: r.decision_id,
    workspaceId: r.workspace_id,
    time: r.time,
    subject: r.subject,
    provider: r.provider,
    resource: r.resource,
    action: r.action,
    decision: r.decision,
    policy: r.policy,
    policyVersion: r.policy_version,
    ruleId: r.rule_id,
    reasons: JSON.parse(r.reasons),
    input: JSON.parse(r.input),
    latencyMs: r.latency_ms ?? 0,
    ip: r.ip,
    userAgent: r.user_agent,
    ...(r.shadow ? { shadow: JSON.parse(r.shadow) } : {}),
  };
}

export function encodeCursor(e: { time: number; decisionId: string }): string {
  return btoa(`${e.time}:${e.decisionId}`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

export function decodeCursor(cursor: string): { time: number; decisionId: string } | undefined {
  try {
    const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const i = text.indexOf(':');
    const time = Number(text.slice(0, i));
    const decisionId = text.slice(i + 1);
    return i > 0 && Number.isSafeInteger(time) && decisionId.length > 0 ? { time, decisionId } : undefined;
  } catch {
    return undefined;
  }
}

function where(
  ws: string,
  f: AuditFilter,
  cursor?: { time: number; decisionId: string },
): { sql: string; params: unknown[] } {
  const clauses = ['workspace_id = ?'];
  const params: unknown[] = [ws];
  const eq = (col: string, v: unknown) => {
    if (v !== undefined) {
      clauses.push(`${col} = ?`);
      params.push(v);
    }
  };
  eq('subject', f.subject);
  eq('resource', f.resource);
  eq('action', f.action);
  eq('decision', f.decision);
  if (f.from !== undefined) {
    clauses.push('time >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    clauses.push('time < ?');
    params.push(f.to);
  }
  if (cursor) {
    clauses.push('(time < ? OR (time = ? AND decision_id < ?))');
    params.push(cursor.time, cursor.time, cursor.decisionId);
  }
  return { sql: clauses.join(' AND '), params };
}

export async function queryAudit(
  db: D1Database,
  ws: string,
  filter: AuditFilter,
  limit: number,
  cursor?: { time: number; decisionId: string },
): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
  const w = where(ws, filter, cursor);
  const rows = await db
    .prepare(`SELECT * FROM audit_events WHERE ${w.sql} ORDER BY time DESC, decision_id DESC LIMIT ?`)
    .bind(...w.params, limit + 1)
    .all<Row>();
  const events = rows.results.slice(0, limit).map(fromRow);
  const last = events.at(-1);
  return { events, nextCursor: rows.results.length > limit && last ? encodeCursor(last) : null };
}

/** One decision's event, or undefined (not written yet: the trail lags by the queue's batch). */
export async function getAuditEvent(
  db: D1Database,
  ws: string,
  decisionId: string,
): Promise<AuditEvent | undefined> {
  const row = await db
    .prepare('SELECT * FROM audit_events WHERE workspace_id = ? AND decision_id = ?')
    .bind(ws, decisionId)
    .first<Row>();
  return row ? fromRow(row) : undefined;
}

export async function auditStats(
  db: D1Database,
  ws: string,
  from: number,
  to: number,
): Promise<Pick<AuditStats, 'hourly' | 'topDeniedSubjects' | 'topResources'>> {
  const [hourly, top, resources] = await db.batch([
    db
      .prepare(
        `SELECT (time / 3600000) * 3600000 AS bucket,
                SUM(CASE WHEN decision = 'Allow' THEN 1 ELSE 0 END) AS allow,
                SUM(CASE WHEN decision = 'Deny' THEN 1 ELSE 0 END) AS deny
         FROM audit_events WHERE workspace_id = ? AND time >= ? AND time < ?
         GROUP BY bucket ORDER BY bucket`,
      )
      .bind(ws, from, to),
    db
      .prepare(
        `SELECT subject, COUNT(*) AS denials FROM audit_events
         WHERE workspace_id = ? AND decision = 'Deny' AND time >= ? AND time < ? AND subject IS NOT NULL
         GROUP BY subject ORDER BY denials DESC LIMIT 10`,
      )
      .bind(ws, from, to),
    db
      .prepare(
        `SELECT resource, action,
                SUM(CASE WHEN decision = 'Allow' THEN 1 ELSE 0 END) AS allow,
                SUM(CASE WHEN decision = 'Deny' THEN 1 ELSE 0 END) AS deny
         FROM audit_events WHERE workspace_id = ? AND time >= ? AND time < ?
         GROUP BY resource, action ORDER BY COUNT(*) DESC LIMIT 10`,
      )
      .bind(ws, from, to),
  ]);
  return {
    hourly: ((hourly?.results ?? []) as { bucket: number; allow: number; deny: number }[]).map((r) => ({
      hour: new Date(r.bucket).toISOString(),
      allow: r.allow,
      deny: r.deny,
    })),
    topDeniedSubjects: (top?.results ?? []) as AuditStats['topDeniedSubjects'],
    topResources: (resources?.results ?? []) as AuditStats['topResources'],
  };
}

const CSV_COLUMNS = [
  'decisionId',
  'time',
  'subject',
  'provider',
  'resource',
  'action',
  'decision',
  'policy',
  'policyVersion',
  'ruleId',
  'latencyMs',
  'ip',
] as const;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote always; neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Streams every matching event, newest first, as NDJSON or CSV, a page at a time. */
export function exportAudit(
  db: D1Database,
  ws: string,
  filter: AuditFilter,
  format: 'ndjson' | 'csv',
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: { time: number; decisionId: string } | undefined;
  let started = false;
  let done = false;
  return new ReadableStream({
    async pull(controller) {
      if (done) return controller.close();
      let out = '';
      if (!started && format === 'csv') out += `${CSV_COLUMNS.join(',')}\n`;
      started = true;
      const page = await queryAudit(db, ws, filter, 500, cursor);
      for (const e of page.events) {
        out +=
          format === 'ndjson'
            ? `${JSON.stringify(e)}\n`
            : `${CSV_COLUMNS.map((c) => csvCell(c === 'time' ? new Date(e.time).toISOString() : e[c])).join(',')}\n`;
      }
      if (out) controller.enqueue(encoder.encode(out));
      const last = page.events.at(-1);
      if (!page.nextCursor || !last) done = true;
      else cursor = { time: last.time, decisionId: last.decisionId };
    },
  });
}
