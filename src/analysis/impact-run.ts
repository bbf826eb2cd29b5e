/**
 * Impact analysis over the audit trail: POST …/impact replays every stored decision in
 * a window against draft policies (impact.ts beside this does the replaying). Small
 * windows answer inline; larger ones run as a job, one bounded chunk per queue message
 * (IMPACT_QUEUE), with progress and the result stored in impact_jobs.
 *
 * A job pins what it compares against when it starts — the live policy versions (rows
 * of policy_versions are immutable), the bindings and the timezone — so a policy write
 * during the job does not change its answer, and chunks of any size add up to the
 * inline answer.
 */
import { archivedCount, DAY_MS, hotWindowStart } from '../audit/archive';
import { type AuditFilter, countAudit, eventsNewestFirst, type ReadPosition } from '../audit/queries';
import {
  durationMs,
  type FieldError,
  type ImpactJob,
  type ImpactRequest,
  type ImpactResult,
  INSTANT_MESSAGE,
  instantMs,
  isInstant,
  type Permission,
  SPAN,
} from '../contract';
import { checkPolicy, invalidPolicy, policySet } from '../decision/policy-check';
import { loadSnapshot, type SnapshotDeps } from '../decision/snapshot';
import { badRequest, notFound, unavailable, VerdictError } from '../lib/errors';
import { randomId } from '../lib/ids';
import { compilePolicy } from '../policy/compile-policy';
import { bindingKey, type CompiledPolicy, type CompiledPolicySet } from '../policy/compiled';
import { buildEngine, type Engine } from '../policy/evaluate';
import { database } from '../storage/db';
import { getPolicyVersion } from '../storage/policies';
import { listProviders } from '../storage/providers';
import { getWorkspace } from '../storage/workspaces';
import { finishTally, type ImpactTally, newTally, redactImpact, replayInto } from './impact';

export type ImpactEnv = SnapshotDeps & {
  IMPACT_QUEUE: Queue;
  /** The audit archive: windows older than the hot window are replayed from it. */
  ARCHIVE?: R2Bucket;
  /** Stored decisions answered inline at most (default 5,000); more runs as a job. */
  IMPACT_INLINE_MAX?: string;
  /** Stored decisions replayed per job chunk (default 2,000). */
  IMPACT_CHUNK?: string;
};

export const IMPACT_QUEUE = 'verdict-impact';
const MAX_WINDOW_DAYS = 400;

const setting = (v: string | undefined, fallback: number) => {
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
};

const windowTooLarge = (detail: string) => new VerdictError('window_too_large', 422, detail);

/**
 * An instant from the body (BodyInstantSchema checked it): epoch ms, ISO 8601, or a span back
 * from `now` ("7d", "12h", "30m"); always a valid date.
 */
function resolveInstant(v: number | string, now: number, field: string): number {
  // A span back from now ("7d"), with the one duration parser the CLI's --since uses too.
  const span = typeof v === 'string' && SPAN.test(v) ? durationMs(v) : undefined;
  const t = span !== undefined ? now - span : instantMs(v);
  if (t === undefined || !isInstant(t)) throw badRequest(`${field}: ${INSTANT_MESSAGE}, or a span like "7d"`);
  return t;
}

/** What a job pins at its start, and what inline runs read from the snapshot. */
type Baseline = { versions: Record<string, number>; permissions: Permission[]; timezone: string };
/** The request with its window resolved, and where D1's hot window started when it was made. */
type Pinned = Omit<ImpactRequest, 'since' | 'until'> & { since: number; until: number; hotStart: number };

function baselineOf(set: CompiledPolicySet): Baseline {
  const permissions: Permission[] = Object.entries(set.bindings).map(([k, policies]) => {
    const [resource = '', action = ''] = k.split('\u0000');
    return { resource, action, policies };
  });
  const versions = Object.fromEntries(Object.values(set.policies).map((p) => [p.name, p.version]));
  return { versions, permissions, timezone: set.timezone };
}

/** The drafts, checked as writes are (errors name `policies.<name>.…`), compiled. */
async function compileDrafts(deps: SnapshotDeps, ws: string, req: Pinned): Promise<CompiledPolicy[]> {
  const drafts = Object.entries(req.policies ?? {});
  if (drafts.length === 0) return [];
  const providers = await listProviders(database(deps.DB), ws);
  const errors: FieldError[] = [];
  const compiled: CompiledPolicy[] = [];
  for (const [name, doc] of drafts) {
    if ((doc as { name?: unknown } | null)?.name !== name) {
      errors.push({ path: `policies.${name}.name`, message: `must equal its key "${name}"` });
      continue;
    }
    const checked = checkPolicy(doc, 0, providers);
    if (checked.ok) compiled.push(checked.policy);
    else errors.push(...checked.errors.map((e) => ({ ...e, path: `policies.${name}.${e.path}` })));
  }
  if (errors.length > 0) throw invalidPolicy(errors);
  return compiled;
}

/** The live engine and the draft engine (live with the drafts substituted) for a baseline set. */
function engines(
  live: CompiledPolicySet,
  drafts: readonly CompiledPolicy[],
  draftPermissions: readonly Permission[] | undefined,
): { live: Engine; draft: Engine } {
  const policies = { ...live.policies };
  for (const d of drafts) policies[d.name] = d;
  if (draftPermissions) {
    const missing = draftPermissions.flatMap((b) => b.policies.filter((p) => !policies[p]));
    if (missing.length > 0)
      throw invalidPolicy(missing.map((m) => ({ path: 'permissions', message: `no policy named "${m}"` })));
  }
  const bindings = draftPermissions
    ? Object.fromEntries(draftPermissions.map((b) => [bindingKey(b.resource, b.action), [...b.policies]]))
    : live.bindings;
  return {
    live: buildEngine(live),
    draft: buildEngine({ ...live, policies, bindings }),
  };
}

/** The live set a job pinned, read back from the immutable version rows. */
async function pinnedSet(deps: SnapshotDeps, ws: string, b: Baseline): Promise<CompiledPolicySet> {
  const db = database(deps.DB);
  const rows = await Promise.all(
    Object.entries(b.versions).map(([name, version]) => getPolicyVersion(db, ws, name, version)),
  );
  // A policy deleted since the job started is left out: its bindings then match nothing.
  const compiled = rows.flatMap((r) => {
    const c = r ? compilePolicy(r.source, r.version) : undefined;
    return c?.ok ? [c.policy] : [];
  });
  return policySet(compiled, b.permissions, b.timezone);
}

const filterOf = (req: Pinned): AuditFilter => ({
  resource: req.resource,
  action: req.action,
  subject: req.subject,
  from: req.since,
  to: req.until,
});

/** Stored decisions in the window: D1's (hot window and rows not archived yet) plus the archive's (from object metadata). */
async function countWindow(env: ImpactEnv, ws: string, req: Pinned): Promise<number> {
  const inD1 = await countAudit(env.DB, ws, filterOf(req), env.ARCHIVE ? req.hotStart : undefined);
  const archived =
    env.ARCHIVE && req.since < req.hotStart
      ? await archivedCount(env.ARCHIVE, ws, req.since, Math.min(req.until, req.hotStart))
      : 0;
  return inD1 + archived;
}

/**
 * Replays at least `limit` events (whole pages: an archived hour at once) from `position`
 * into `tally`; the position to resume at, or null when the window is done.
 */
async function replayChunk(
  env: ImpactEnv,
  ws: string,
  req: Pinned,
  e: { live: Engine; draft: Engine },
  tally: ImpactTally,
  limit: number,
  position: ReadPosition,
): Promise<{ next: ReadPosition | null; seen: number }> {
  const archive = env.ARCHIVE ? { bucket: env.ARCHIVE, hotStart: req.hotStart } : undefined;
  let seen = 0;
  let next: ReadPosition | null = null;
  const pages = eventsNewestFirst(env.DB, ws, filterOf(req), archive, position, Math.min(limit, 500));
  for await (const page of pages) {
    replayInto(tally, page.events, e.live, e.draft, { samples: req.samples });
    seen += page.events.length;
    next = page.next;
    if (seen >= limit) break;
  }
  return { next, seen };
}

/**
 * POST …/impact. Answers the result inline, or creates a job (202) when the window
 * holds more stored decisions than the inline limit and `mode` allows it.
 */
export async function startImpact(
  env: ImpactEnv,
  ws: string,
  body: ImpactRequest,
  now = Date.now(),
): Promise<{ inline: ImpactResult } | { job: ImpactJob }> {
  if (!body.policies && !body.permissions)
    throw badRequest('Give draft policies, draft permissions, or both');
  const workspace = await getWorkspace(database(env.DB), ws);
  if (!workspace) throw notFound('Workspace');
  const req: Pinned = {
    ...body,
    since: resolveInstant(body.since, now, 'since'),
    until: body.until === undefined ? now : resolveInstant(body.until, now, 'until'),
    hotStart: hotWindowStart(workspace.auditRetentionDays, now),
  };
  if (!(req.since < req.until)) throw badRequest('since must be before until');
  if (req.until - req.since > MAX_WINDOW_DAYS * DAY_MS)
    throw windowTooLarge(`A window is at most ${MAX_WINDOW_DAYS} days`);
  const snapshot = await loadSnapshot(env, ws, now, 0);
  if (!snapshot.exists) throw notFound('Workspace');
  const drafts = await compileDrafts(env, ws, req);
  const e = engines(snapshot.set, drafts, req.permissions);
  const total = await countWindow(env, ws, req);
  const inlineMax = setting(env.IMPACT_INLINE_MAX, 5000);
  if (req.mode === 'inline' && total > inlineMax)
    throw windowTooLarge(
      `The window holds ${total} stored decisions; inline answers replay at most ${inlineMax}. Use mode "job" (or "auto"), or narrow the window`,
    );
  if (req.mode !== 'job' && total <= inlineMax) {
    const tally = newTally();
    let position: ReadPosition | null = { phase: 'hot' };
    while (position) position = (await replayChunk(env, ws, req, e, tally, 1000, position)).next;
    return {
      inline: redactImpact(
        finishTally(tally, { since: req.since, until: req.until }, req.top),
        snapshot.redact,
      ),
    };
  }
  const job: JobRow = {
    id: `imp_${randomId(16)}`,
    workspace_id: ws,
    status: 'queued',
    request: JSON.stringify(req),
    baseline: JSON.stringify(baselineOf(snapshot.set)),
    total,
    processed: 0,
    chunks: 0,
    cursor: null,
    tally: JSON.stringify(newTally()),
    result: null,
    error: null,
    created_at: now,
    updated_at: now,
  };
  await env.DB.prepare(
    `INSERT INTO impact_jobs (id, workspace_id, status, request, baseline, total, processed, chunks, cursor, tally, result, error, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(...Object.values(job))
    .run();
  try {
    await env.IMPACT_QUEUE.send({ jobId: job.id, at: 0 } satisfies JobMessage);
  } catch {
    await env.DB.prepare(`UPDATE impact_jobs SET status = 'failed', error = ? WHERE id = ?`)
      .bind('the job queue refused the job', job.id)
      .run();
    throw unavailable('The impact job could not be queued; nothing was replayed');
  }
  return { job: toJob(job) };
}

type JobRow = {
  id: string;
  workspace_id: string;
  status: ImpactJob['status'];
  request: string;
  baseline: string;
  total: number;
  processed: number;
  chunks: number;
  cursor: string | null;
  tally: string;
  result: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
};

/** A job's queue message: process the chunk that starts after `at` replayed events. */
type JobMessage = { jobId: string; at: number };

const toJob = (r: JobRow): ImpactJob => ({
  id: r.id,
  status: r.status,
  total: r.total,
  processed: r.processed,
  chunks: r.chunks,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  error: r.error,
  result: r.result ? (JSON.parse(r.result) as ImpactResult) : null,
});

/** A job as its workspace reads it: samples redacted with the workspace's keys as they are now. */
export async function getImpactJob(
  db: D1Database,
  ws: { id: string; redactKeys: readonly string[] },
  id: string,
): Promise<ImpactJob> {
  const row = await db
    .prepare('SELECT * FROM impact_jobs WHERE workspace_id = ? AND id = ?')
    .bind(ws.id, id)
    .first<JobRow>();
  if (!row) throw notFound('Impact job');
  const job = toJob(row);
  return job.result ? { ...job, result: redactImpact(job.result, new Set(ws.redactKeys)) } : job;
}

/**
 * One chunk of a job (the queue consumer). Idempotent: a message whose chunk was already
 * replayed (a redelivery) only makes sure the next one is queued; the row's update is
 * conditional on the progress it read, so two deliveries cannot both count a chunk.
 */
async function runImpactChunk(env: ImpactEnv, msg: JobMessage, now = Date.now()): Promise<void> {
  const row = await env.DB.prepare('SELECT * FROM impact_jobs WHERE id = ?').bind(msg.jobId).first<JobRow>();
  if (!row || row.status === 'done' || row.status === 'failed') return;
  if (row.processed !== msg.at) {
    if (row.processed > msg.at) await env.IMPACT_QUEUE.send({ jobId: row.id, at: row.processed });
    return;
  }
  const req = JSON.parse(row.request) as Pinned;
  const tally = JSON.parse(row.tally) as ImpactTally;
  let result: string | null = null;
  let next: ReadPosition | null = null;
  let seen = 0;
  try {
    const baseline = JSON.parse(row.baseline) as Baseline;
    const set = await pinnedSet(env, row.workspace_id, baseline);
    const e = engines(set, await compileDrafts(env, row.workspace_id, req), req.permissions);
    const position: ReadPosition = row.cursor ? (JSON.parse(row.cursor) as ReadPosition) : { phase: 'hot' };
    ({ next, seen } = await replayChunk(
      env,
      row.workspace_id,
      req,
      e,
      tally,
      setting(env.IMPACT_CHUNK, 2000),
      position,
    ));
    if (!next) result = JSON.stringify(finishTally(tally, { since: req.since, until: req.until }, req.top));
  } catch (err) {
    // A draft that no longer checks (a provider changed) fails the job, not the queue.
    if (!(err instanceof VerdictError)) throw err;
    await env.DB.prepare(
      `UPDATE impact_jobs SET status = 'failed', error = ?, updated_at = ? WHERE id = ? AND processed = ?`,
    )
      .bind(err.message, now, row.id, row.processed)
      .run();
    return;
  }
  const processed = row.processed + seen;
  const updated = await env.DB.prepare(
    `UPDATE impact_jobs SET status = ?, processed = ?, chunks = chunks + 1, cursor = ?, tally = ?, result = ?,
       updated_at = ? WHERE id = ? AND processed = ?`,
  )
    .bind(
      result ? 'done' : 'running',
      processed,
      next ? JSON.stringify(next) : null,
      JSON.stringify(tally),
      result,
      now,
      row.id,
      row.processed,
    )
    .run();
  if (updated.meta.changes === 1 && !result)
    await env.IMPACT_QUEUE.send({ jobId: row.id, at: processed } satisfies JobMessage);
}

/** The impact queue's consumer: one chunk per message; a failed chunk is retried by the queue. */
export async function consumeImpact(batch: MessageBatch<unknown>, env: ImpactEnv): Promise<void> {
  for (const m of batch.messages) {
    const body = m.body as Partial<JobMessage> | null;
    if (typeof body?.jobId !== 'string' || typeof body.at !== 'number') {
      m.ack();
      continue;
    }
    await runImpactChunk(env, { jobId: body.jobId, at: body.at });
    m.ack();
  }
}
