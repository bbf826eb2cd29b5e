// The audit archive's write path, measured locally: src/audit/archive.ts's archiveEvents
// (NDJSON, gzip with CompressionStream, one R2 put per message and partition) into a
// Miniflare R2 bucket (workerd's local R2, on disk), with events as the audit stores
// them (serializeEvent of the seed policy's decisions), in messages of 60 events (what
// the outbox packs at ~1 KB an event). Reports events/s and bytes per event, raw and gzip.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { archiveEvents } from '../src/audit/archive';
import { serializeEvent } from '../src/audit/event';
import { insertEvents } from '../src/audit/store';
import { fmt } from './lib/measure';

const EVENTS = 30_000;
const PER_MESSAGE = 60;

/** Random hex, as decision ids and other opaque ids are (the compression ratio depends on it). */
const hex = (n: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
const SUBJECTS = Array.from({ length: 5000 }, () => `user_${hex(12)}`);
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64)',
  'okhttp/4.12.0',
  'Go-http-client/2.0',
  'python-requests/2.32.3',
];

function seedEvent(i: number): string {
  const amount = Math.floor(Math.random() * 8000);
  const subject = SUBJECTS[Math.floor(Math.random() * SUBJECTS.length)] as string;
  const allowed = amount <= 1000;
  return serializeEvent(
    {
      decisionId: `dec_${(Date.UTC(2026, 10, 24, 10) + i * 50).toString(36)}${hex(8)}`,
      workspaceId: 'bench',
      time: Date.UTC(2026, 10, 24, 10) + i * 50,
      subject,
      provider: 'clerk',
      resource: 'orders',
      action: 'approve',
      decision: allowed ? 'Allow' : 'Deny',
      policy: 'order_approval',
      policyVersion: 3,
      ruleId: allowed ? 'within-limit' : 'deny',
      reasons: allowed
        ? [
            {
              code: 'rule_matched',
              policy: 'order_approval',
              policyVersion: 3,
              rule: 'within-limit',
              effect: 'Allow',
            },
          ]
        : [
            {
              code: 'default_applied',
              policy: 'order_approval',
              policyVersion: 3,
              rule: 'deny',
              effect: 'Deny',
            },
            {
              code: 'condition_failed',
              policy: 'order_approval',
              rule: 'within-limit',
              message: `rule "within-limit": request_metadata.amount (${amount}) does not satisfy: ≤ ext_approval_limit (1000)`,
            },
          ],
      attributes: {
        sub: subject,
        issuer: 'https://clerk.example.com',
        provider: 'clerk',
        ext_role: 'employee',
        ext_approval_limit: 1000,
      },
      context: { amount, order_id: `ord_${hex(10)}` },
      latencyMs: 0,
      ip: `198.51.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`,
      userAgent: AGENTS[i % AGENTS.length] as string,
      replay: { timezone: 'UTC', policiesJson: '{"order_approval":3}' },
    },
    [],
  ).json;
}

export async function runArchiveBench(): Promise<{
  markdown: string;
  eventsPerSec: number;
  rawPerEvent: number;
  gzPerEvent: number;
}> {
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null); } }',
    r2Buckets: ['ARCHIVE'],
    d1Databases: ['DB'],
  });
  try {
    const bucket = (await mf.getR2Bucket('ARCHIVE')) as unknown as R2Bucket;
    const db = (await mf.getD1Database('DB')) as unknown as D1Database;
    for (const f of readdirSync('migrations')
      .filter((n) => n.endsWith('.sql'))
      .sort())
      for (const stmt of readFileSync(join('migrations', f), 'utf8').split('--> statement-breakpoint'))
        if (stmt.trim()) await db.prepare(stmt).run();
    const events = Array.from({ length: EVENTS }, (_, i) => seedEvent(i));
    const messages: string[][] = [];
    for (let i = 0; i < events.length; i += PER_MESSAGE) messages.push(events.slice(i, i + PER_MESSAGE));
    // Warm-up: one message.
    await archiveEvents(
      bucket,
      'warm',
      (messages[0] ?? []).map((json) => ({ workspaceId: 'bench', time: 0, json })),
    );
    let raw = 0;
    let stored = 0;
    let objects = 0;
    const started = performance.now();
    // Sequential, as one consumer invocation writes its messages' objects (in parallel per
    // message, sequential across consumer batches).
    for (let m = 0; m < messages.length; m += 10) {
      const results = await Promise.all(
        messages.slice(m, m + 10).map((msg, k) =>
          archiveEvents(
            bucket,
            `msg-${m + k}`,
            msg.map((json) => {
              const e = JSON.parse(json) as { time: number };
              return { workspaceId: 'bench', time: e.time, json };
            }),
          ),
        ),
      );
      for (const r of results) {
        raw += r.rawBytes;
        stored += r.storedBytes;
        objects += r.objects;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const eventsPerSec = EVENTS / seconds;
    const rawPerEvent = raw / EVENTS;
    const gzPerEvent = stored / EVENTS;
    // D1 bytes per stored row, indexes included: the database's size (D1's meta.size_after) before and after.
    const size = async () =>
      ((await db.prepare('SELECT 1').run()).meta as { size_after?: number }).size_after ?? 0;
    const before = await size();
    for (let i = 0; i < events.length; i += 500) await insertEvents(db, events.slice(i, i + 500), true);
    const d1PerRow = ((await size()) - before) / EVENTS;
    console.log(
      `archive: ${fmt(eventsPerSec)} events/s into local R2, ${fmt(rawPerEvent)} B raw / ${fmt(gzPerEvent)} B gzip per event, ${objects} objects`,
    );
    const markdown = [
      ...capacity(d1PerRow, gzPerEvent),
      '',
      '| archive write (local R2 through Miniflare, one consumer) | measured |',
      '|---|---:|',
      `| events archived per second (${fmt(EVENTS)} events, messages of ${PER_MESSAGE}, 10 messages per consumer batch) | **${fmt(eventsPerSec)}** |`,
      `| bytes per event, NDJSON | ${fmt(rawPerEvent)} |`,
      `| bytes per event, gzip | ${fmt(gzPerEvent)} (${fmt(rawPerEvent / gzPerEvent, 1)}× smaller) |`,
      `| objects written | ${fmt(objects)} (one per message and partition hour) |`,
      `| D1 bytes per stored row, indexes included (database size before and after the same ${fmt(EVENTS)} rows) | ${fmt(d1PerRow)} |`,
    ].join('\n');
    return { markdown, eventsPerSec, rawPerEvent, gzPerEvent };
  } finally {
    await mf.dispose();
  }
}

// Published prices (checked 2026-11-24): https://developers.cloudflare.com/d1/platform/pricing/
// (storage $0.75/GB-month beyond 5 GB, rows written $1.00/M beyond 50M a month; 10 GB per
// database) and https://developers.cloudflare.com/r2/pricing/ (Standard storage
// $0.015/GB-month, Class A operations $4.50/M). Free tiers are left out of the costs.
const D1_GB_MONTH = 0.75;
const D1_WRITE_PER_M = 1.0;
const R2_GB_MONTH = 0.015;
const R2_CLASS_A_PER_M = 4.5;
const HOT_DAYS = 90;
const ARCHIVE_DAYS = 400;
/** D1 counts a write per row and per index entry: insert (row + 4 indexes) and retention's delete again. */
const ROWS_WRITTEN_PER_EVENT = 10;
const EVENTS_PER_OBJECT = PER_MESSAGE;

function capacity(d1PerRow: number, gzPerEvent: number): string[] {
  const month = 30 * 86_400;
  const rows = [1, 10, 100, 1_000, 10_000].map((rate) => {
    // One database holds 10 GB: past it the hot window shrinks (the next column) and D1 stays at 10 GB.
    const d1Full = (rate * 86_400 * HOT_DAYS * d1PerRow) / 1e9;
    const d1Gb = Math.min(d1Full, 10);
    const r2Gb = (rate * 86_400 * ARCHIVE_DAYS * gzPerEvent) / 1e9;
    const d1Cost =
      Math.max(0, d1Gb - 5) * D1_GB_MONTH +
      (Math.max(0, rate * month * ROWS_WRITTEN_PER_EVENT - 50e6) / 1e6) * D1_WRITE_PER_M;
    const r2Cost = r2Gb * R2_GB_MONTH + ((rate * month) / EVENTS_PER_OBJECT / 1e6) * R2_CLASS_A_PER_M;
    const maxHot = (10e9 / (rate * 86_400 * d1PerRow)).toFixed(rate >= 100 ? 1 : 0);
    return `| ${fmt(rate)} | ${fmt(d1Gb, 1)}${d1Full > 10 ? ` (90 days would be ${fmt(d1Full, 0)})` : ''} | ${maxHot} | ${fmt(r2Gb, 1)} | $${fmt(d1Cost, 2)} | $${fmt(r2Cost, 2)} |`;
  });
  return [
    `Capacity, from the sizes measured below (D1 ${fmt(d1PerRow)} bytes per row with its indexes, archive ${fmt(gzPerEvent)} bytes per event gzip), a ${HOT_DAYS}-day hot window in D1 and ${ARCHIVE_DAYS} days in the archive, at steady state. Costs per month at published prices (D1: $${D1_GB_MONTH}/GB-month over 5 GB and $${D1_WRITE_PER_M}/M rows written over 50M, counting ~${ROWS_WRITTEN_PER_EVENT} rows written per event for the insert and retention's delete with four indexes; R2 Standard: $${R2_GB_MONTH}/GB-month and $${R2_CLASS_A_PER_M}/M Class A, one put per ~${EVENTS_PER_OBJECT} events), free tiers left out:`,
    '',
    '| decisions/s (sustained) | D1 GB (90 d, at most 10) | longest hot window in one 10 GB D1 (days) | R2 GB (400 d) | D1 $/month | R2 $/month |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'One D1 database holds 10 GB: past about 1 decision per second sustained per 90 days, the hot window has to shrink (the column above), while the archive grows without a cap. The consumer writes the archive before D1, so the archive write rate bounds the audit path; beyond what one queue consumer sustains, more consumers (max_concurrency) write disjoint objects. Analytics at larger scale is planned, not built: R2 SQL or DuckDB over the partitions (their Hive-style `ws=/date=/hour=` layout is what those readers expect), or Pipelines into Iceberg tables.',
  ];
}
