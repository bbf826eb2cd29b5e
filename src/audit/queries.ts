/**
 * Reading the audit trail: newest first with a keyset cursor on (time, decision_id),
 * so pages stay consistent while new rows arrive (new rows are newer than any cursor
 * and never shift a later page). Every query is scoped to one workspace and served by
 * the audit_ws_* indexes.
 */
import type { AuditStats } from '../contract';
import { ARCHIVE_HOUR_MS, archivedDates, archivedHour, archivedHours, DAY_MS } from './archive';
import { type AuditEvent, redactStored } from './event';

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

/**
 * How many stored events match. With `onlyHotFrom`, rows older than it count only when the
 * archive does not hold them yet (the older ones are counted from the archive instead).
 */
export async function countAudit(
  db: D1Database,
  ws: string,
  filter: AuditFilter,
  onlyHotFrom?: number,
): Promise<number> {
  const w = where(ws, filter);
  const hot = onlyHotFrom === undefined ? '' : ' AND (time >= ? OR archived = 0)';
  const row = await db
    .prepare(`SELECT COUNT(*) AS n FROM audit_events WHERE ${w.sql}${hot}`)
    .bind(...w.params, ...(onlyHotFrom === undefined ? [] : [onlyHotFrom]))
    .first<{ n: number }>();
  return row?.n ?? 0;
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

/** The stored events of these decision ids (any order). */
export async function eventsById(db: D1Database, ids: readonly string[]): Promise<AuditEvent[]> {
  const rows = await db
    .prepare('SELECT * FROM audit_events WHERE decision_id IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(ids))
    .all<Row>();
  return rows.results.map(fromRow);
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

/** Does `e` pass the filter's equality and time clauses (for events read from the archive)? */
function matches(e: AuditEvent, f: AuditFilter): boolean {
  return (
    (f.subject === undefined || e.subject === f.subject) &&
    (f.resource === undefined || e.resource === f.resource) &&
    (f.action === undefined || e.action === f.action) &&
    (f.decision === undefined || e.decision === f.decision) &&
    (f.from === undefined || e.time >= f.from) &&
    (f.to === undefined || e.time < f.to)
  );
}

/** Where a read of the trail resumes: in D1's hot window (after a cursor), or at an archived hour. */
export type ReadPosition =
  | { phase: 'hot'; cursor?: { time: number; decisionId: string } }
  | { phase: 'archive'; hour: number };

/**
 * Every matching event of a workspace, newest first, in pages, each with the position
 * the next page starts at (so a background job can stop and resume): D1 for the hot window
 * (time ≥ hotStart), then the archive hour by hour below it, each archived hour merged with
 * the D1 rows of that hour the archive does not hold yet (archived = 0), each decision
 * once. Without an archive, D1 alone. An archived hour is read whole into memory.
 */
export async function* eventsNewestFirst(
  db: D1Database,
  ws: string,
  filter: AuditFilter,
  archive?: { bucket: R2Bucket; hotStart: number },
  start: ReadPosition = { phase: 'hot' },
  pageSize = 500,
): AsyncGenerator<{ events: AuditEvent[]; next: ReadPosition | null }> {
  const hot: AuditFilter = archive
    ? { ...filter, from: Math.max(filter.from ?? 0, archive.hotStart) }
    : filter;
  if (start.phase === 'hot' && (hot.to === undefined || hot.from === undefined || hot.from < hot.to)) {
    let cursor = start.cursor;
    for (;;) {
      const page = await queryAudit(db, ws, hot, pageSize, cursor);
      const last = page.events.at(-1);
      cursor = page.nextCursor && last ? { time: last.time, decisionId: last.decisionId } : undefined;
      if (cursor) yield { events: page.events, next: { phase: 'hot', cursor } };
      else {
        if (page.events.length > 0 || !archive)
          yield { events: page.events, next: archive ? { phase: 'archive', hour: Number.NaN } : null };
        break;
      }
    }
  }
  if (!archive) return;
  const upper = Math.min(filter.to ?? Number.POSITIVE_INFINITY, archive.hotStart);
  const lower = filter.from ?? 0;
  // The hours worth visiting, newest first: those with archive objects (one list per date
  // in range) and those with rows the archive does not hold yet. Empty hours cost nothing.
  const hours = new Set<number>();
  for (const date of await archivedDates(archive.bucket, ws)) {
    const day = Date.parse(`${date}T00:00:00Z`);
    if (day + DAY_MS <= lower || day >= upper) continue;
    for (const h of await archivedHours(archive.bucket, ws, date)) hours.add(h);
  }
  const unarchivedHours = new Set(
    (
      await db
        .prepare(
          'SELECT DISTINCT (time / 3600000) * 3600000 AS h FROM audit_events WHERE workspace_id = ? AND archived = 0 AND time >= ? AND time < ?',
        )
        .bind(ws, lower, Number.isFinite(upper) ? upper : Number.MAX_SAFE_INTEGER)
        .all<{ h: number }>()
    ).results.map((r) => r.h),
  );
  for (const h of unarchivedHours) hours.add(h);
  const resumeAt =
    start.phase === 'archive' && Number.isFinite(start.hour) ? start.hour : Number.POSITIVE_INFINITY;
  const visit = [...hours]
    .filter((h) => h + ARCHIVE_HOUR_MS > lower && h < upper && h <= resumeAt)
    .sort((a, b) => b - a);
  if (visit.length === 0) yield { events: [], next: null };
  for (const [i, h] of visit.entries()) {
    const byId = await archivedHour(archive.bucket, ws, h);
    if (unarchivedHours.has(h)) {
      const rows = await db
        .prepare(
          'SELECT * FROM audit_events WHERE workspace_id = ? AND archived = 0 AND time >= ? AND time < ?',
        )
        .bind(ws, h, h + ARCHIVE_HOUR_MS)
        .all<Row>();
      for (const r of rows.results) byId.set(r.decision_id, fromRow(r));
    }
    const events = [...byId.values()]
      .filter((e) => e.time < upper && matches(e, filter))
      .sort((a, b) => (a.time !== b.time ? b.time - a.time : a.decisionId < b.decisionId ? 1 : -1));
    const after = visit[i + 1];
    yield { events, next: after === undefined ? null : { phase: 'archive', hour: after } };
  }
}

/** Streams every matching event, newest first, as NDJSON or CSV, a page at a time (reasons redacted with `redact`). */
export function exportAudit(
  db: D1Database,
  ws: string,
  filter: AuditFilter,
  format: 'ndjson' | 'csv',
  archive?: { bucket: R2Bucket; hotStart: number },
  redact: ReadonlySet<string> = new Set(),
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pages = eventsNewestFirst(db, ws, filter, archive);
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      let out = '';
      if (!started && format === 'csv') out += `${CSV_COLUMNS.join(',')}\n`;
      started = true;
      const next = await pages.next();
      for (const stored of next.done ? [] : next.value.events) {
        const e = redactStored(stored, redact);
        out +=
          format === 'ndjson'
            ? `${JSON.stringify(e)}\n`
            : `${CSV_COLUMNS.map((c) => csvCell(c === 'time' ? new Date(e.time).toISOString() : e[c])).join(',')}\n`;
      }
      if (out) controller.enqueue(encoder.encode(out));
      if (next.done) controller.close();
    },
  });
}
