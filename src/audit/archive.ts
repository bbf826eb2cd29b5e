/**
 * The audit archive in R2: every stored event is also written, before its D1 row, as
 * gzip NDJSON under
 *
 *   audit/ws=<workspace>/date=<YYYY-MM-DD>/hour=<HH>/<batch id>.ndjson.gz   (UTC)
 *
 * - One object per batch and partition. The batch id of a queue message is its message
 *   id, so a redelivered message overwrites the same objects (idempotent); direct writes
 *   and sweeps derive theirs from the events they hold.
 * - D1 is the hot window: a row is inserted with `archived = 1` only after its archive
 *   object was written, and retention deletes only such rows (consumer.ts), so nothing
 *   leaves D1 that the archive does not hold. Rows that could not be archived
 *   (`archived = 0`) stay until the hourly sweep writes them.
 * - Keys are derived from the workspace id (WORKSPACE_ID: no "/" or "="), and every read
 *   below takes the workspace as an argument: no request names a prefix.
 */
import { WORKSPACE_ID } from '../contract/common';
import type { AuditEvent } from './event';

/** An event to archive: its workspace and time (the partition) and its stored JSON. */
export type ArchivedEvent = { workspaceId: string; time: number; json: string };

const HOUR = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Where D1's hot window of audit events begins for a retention of `days`: older events are
 * in the archive only (and the retention sweep removes them from D1).
 */
export const hotWindowStart = (days: number, now: number): number => now - days * DAY_MS;

/** The UTC date and hour partition of an instant. */
function partitionOf(time: number): { date: string; hour: string } {
  const iso = new Date(time).toISOString();
  return { date: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

function workspacePrefix(ws: string): string {
  // Never a prefix a caller could bend: the id is checked, not escaped.
  if (!WORKSPACE_ID.test(ws)) throw new Error('invalid workspace id for an archive key');
  return `audit/ws=${ws}/`;
}

export function objectKey(ws: string, time: number, batchId: string): string {
  const { date, hour } = partitionOf(time);
  return `${workspacePrefix(ws)}date=${date}/hour=${hour}/${batchId.replace(/[^A-Za-z0-9_.-]/g, '_')}.ndjson.gz`;
}

async function gzipText(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzipText(body: ReadableStream | ArrayBuffer): Promise<string> {
  const source = body instanceof ReadableStream ? body : new Blob([body]).stream();
  return new Response(source.pipeThrough(new DecompressionStream('gzip'))).text();
}

/**
 * Writes `events` as one object per (workspace, date, hour) for `batchId`. Resolves when
 * every object is stored; a failure rejects (the caller retries the whole batch).
 */
export async function archiveEvents(
  bucket: R2Bucket,
  batchId: string,
  events: readonly ArchivedEvent[],
): Promise<{ objects: number; rawBytes: number; storedBytes: number }> {
  const groups = new Map<string, ArchivedEvent[]>();
  for (const e of events) {
    const key = objectKey(e.workspaceId, e.time, batchId);
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  let rawBytes = 0;
  let storedBytes = 0;
  await Promise.all(
    [...groups].map(async ([key, group]) => {
      const text = `${group.map((e) => e.json).join('\n')}\n`;
      const body = await gzipText(text);
      rawBytes += text.length;
      storedBytes += body.byteLength;
      await bucket.put(key, body, {
        httpMetadata: { contentType: 'application/x-ndjson', contentEncoding: 'gzip' },
        customMetadata: { events: String(group.length) },
      });
    }),
  );
  return { objects: groups.size, rawBytes, storedBytes };
}

/** The events a stored event's JSON text stands for, as an archived event. */
export const archivedFrom = (json: string): ArchivedEvent => {
  const e = JSON.parse(json) as Pick<AuditEvent, 'workspaceId' | 'time'>;
  return { workspaceId: e.workspaceId, time: e.time, json };
};

/** Every page of an R2 listing (R2 lists at most 1,000 entries a call). */
async function* listPages(bucket: R2Bucket, options: R2ListOptions): AsyncGenerator<R2Objects> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ ...options, ...(cursor ? { cursor } : {}) });
    yield page;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

/** The sub-partitions (`date=` or `hour=` values) directly under a prefix. */
async function partitionsUnder(bucket: R2Bucket, prefix: string, key: 'date' | 'hour'): Promise<string[]> {
  const found: string[] = [];
  const pattern = new RegExp(`${key}=([0-9-]+)/$`);
  for await (const page of listPages(bucket, { prefix, delimiter: '/' }))
    for (const p of page.delimitedPrefixes) {
      const m = pattern.exec(p);
      if (m?.[1]) found.push(m[1]);
    }
  return found.sort();
}

/** The dates (YYYY-MM-DD) the archive holds for a workspace, oldest first. */
export function archivedDates(bucket: R2Bucket, ws: string): Promise<string[]> {
  return partitionsUnder(bucket, workspacePrefix(ws), 'date');
}

/** The hours (epoch ms at their start) of one date that hold objects for a workspace. */
export async function archivedHours(bucket: R2Bucket, ws: string, date: string): Promise<number[]> {
  const hours = await partitionsUnder(bucket, `${workspacePrefix(ws)}date=${date}/`, 'hour');
  return hours.map((h) => Date.parse(`${date}T${h}:00:00Z`));
}

/** Every object key of one partition prefix. */
async function keysUnder(bucket: R2Bucket, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of listPages(bucket, { prefix })) for (const o of page.objects) keys.push(o.key);
  return keys;
}

/** Events the archive holds for a workspace dated in [from, to), from the objects' metadata (no reads). */
export async function archivedCount(bucket: R2Bucket, ws: string, from: number, to: number): Promise<number> {
  let n = 0;
  for (const date of await archivedDates(bucket, ws)) {
    const day = Date.parse(`${date}T00:00:00Z`);
    if (day + DAY_MS <= from || day >= to) continue;
    // `include` is an R2 list option the bundled types do not declare.
    const options = { prefix: `${workspacePrefix(ws)}date=${date}/`, include: ['customMetadata'] };
    for await (const page of listPages(bucket, options as R2ListOptions))
      for (const o of page.objects) n += Number(o.customMetadata?.events ?? 0);
  }
  return n;
}

/**
 * The archived events of one workspace in one UTC hour (the hour starting at `hourStart`),
 * by decision id: a decision archived twice (e.g. by a retried direct write) counts once.
 * Unordered; the reader merges and orders.
 */
export async function archivedHour(
  bucket: R2Bucket,
  ws: string,
  hourStart: number,
): Promise<Map<string, AuditEvent>> {
  const { date, hour } = partitionOf(hourStart);
  const keys = await keysUnder(bucket, `${workspacePrefix(ws)}date=${date}/hour=${hour}/`);
  const byId = new Map<string, AuditEvent>();
  for (const key of keys) {
    const object = await bucket.get(key);
    if (!object) continue;
    for (const line of (await gunzipText(await object.arrayBuffer())).split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line) as AuditEvent;
      if (e.workspaceId === ws) byId.set(e.decisionId, e);
    }
  }
  return byId;
}

export const ARCHIVE_HOUR_MS = HOUR;

/** Deletes a workspace's archive partitions dated before `cutoff` (archive retention); returns objects deleted. */
export async function expireArchive(
  bucket: R2Bucket,
  ws: string,
  cutoff: number,
  maxObjects = 5000,
): Promise<number> {
  const cutoffDate = partitionOf(cutoff).date;
  let deleted = 0;
  for (const date of await archivedDates(bucket, ws)) {
    if (date >= cutoffDate || deleted >= maxObjects) break;
    const keys = await keysUnder(bucket, `${workspacePrefix(ws)}date=${date}/`);
    for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
    deleted += keys.length;
  }
  return deleted;
}
