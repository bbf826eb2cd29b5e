// The report: BENCHMARKS.md from bench/report/benchmarks.md (and section 1c from
// bench/report/adversarial.md), templates whose `${…}` placeholders are filled from this
// run's results and the figures derived from them here.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  ADVERSARIAL,
  CONNECTIONS,
  FLOOR_QUEUE_RATE,
  fmt,
  npx,
  QUICK,
  ROOT,
  ROUNDS,
  SECONDS,
  started,
} from './lib/options.mjs';
import { render } from './lib/template.mjs';
import { AUDIT_CONSUMER } from './runners/workerd.mjs';

const template = (name) => readFileSync(join(ROOT, 'bench/report', name), 'utf8');

/** The engine's budget constants as the source states them (for the report). */
function budgetConstants() {
  const text = readFileSync(join(ROOT, 'src/policy/attributes.ts'), 'utf8');
  const read = (name) => new RegExp(`export const ${name} = ([^;]+);`).exec(text)?.[1]?.trim();
  const number = (name) =>
    /^[0-9_]+$/.test(read(name) ?? '') ? Number(read(name).replaceAll('_', '')) : undefined;
  return {
    budget: number('DECISION_BUDGET'),
    conditionCost: number('CONDITION_COST'),
    requestBudget: read('REQUEST_BUDGET'),
  };
}

/** The audit outbox's bounds as the source states them (for the report). */
function outboxConstants() {
  const text = readFileSync(join(ROOT, 'src/audit/outbox.ts'), 'utf8');
  const producer = readFileSync(join(ROOT, 'src/audit/producer.ts'), 'utf8');
  const messageBytes = Number(
    /export const MESSAGE_BYTES = ([0-9_]+)/.exec(producer)?.[1]?.replaceAll('_', ''),
  );
  const body = (/export const OUTBOX = \{([^}]*)\}/.exec(text)?.[1] ?? '').replace(
    'MESSAGE_BYTES',
    String(messageBytes),
  );
  // Each value is a number, a product (`96 * 1024`) or a difference (`63000 - 32`).
  const value = (key) => {
    const expr = new RegExp(`${key}:\\s*([0-9_ *-]+)`).exec(body)?.[1];
    if (!expr) return Number.NaN;
    const [head, ...minus] = expr.split('-');
    const product = head.split('*').reduce((n, f) => n * Number(f.trim().replaceAll('_', '')), 1);
    return minus.reduce((n, f) => n - Number(f.trim().replaceAll('_', '')), product);
  };
  return { events: value('events'), bytes: value('bytes'), delayMs: value('delayMs'), messageBytes };
}

const TARGET_RATIO = 10;

/** The adversarial section of BENCHMARKS.md, and the worst ratio for the targets table. */
export function adversarialReport(results) {
  const h = results.http;
  const seed = h['verdict-cached-audit-off']?.cpuUs;
  const seedAudit = h['verdict-cached']?.cpuUs;
  const { budget, conditionCost, requestBudget } = budgetConstants();
  const units = results.adversarial.units ?? {};
  let worst = { ratio: Number.NaN, name: null };
  const rows = ADVERSARIAL.filter((a) => h[a.name]).map((a) => {
    const r = h[a.name];
    const pre = results.adversarial.rows[a.name] ?? {};
    const base = a.audit ? seedAudit : seed;
    const perDecision = r.cpuUs / (a.shape.decisions ?? 1);
    const ratio = perDecision / base;
    if (!(ratio <= worst.ratio)) worst = { ratio, name: a.name };
    const u = units[a.shape.name];
    const outcome = `${pre.outcome ?? '–'}${pre.decisions > 1 ? ` (${pre.budgetExceeded}/${pre.decisions} budget_exceeded)` : ''}`;
    const cpu = a.shape.decisions ? `${fmt(r.cpuUs)} (${fmt(perDecision)} per decision)` : fmt(r.cpuUs);
    return `| \`${a.name}\` ${a.shape.label}${a.audit ? ', audit on' : ''} | ${fmt(r.rps, r.rps < 100 ? 1 : 0)} | ${r.p50} | ${r.p99} | ${cpu} | ${fmt(ratio, 1)}× | ${outcome} | ${fmt(pre.responseBytes)} B | ${u ? fmt(u.units) : '–'} | ${u?.nsPerUnit == null || u.units < 10_000 ? '–' : fmt(u.nsPerUnit, 1)} | ${ratio <= TARGET_RATIO ? 'met' : '**missed**'} |`;
  });
  if (rows.length === 0) {
    return {
      md: '## 1c. Adversarial: the worst accepted policy against the worst request\n\nNot run (`--skip-adversarial`).\n',
      worst,
    };
  }
  const described = ADVERSARIAL.filter((a) => h[a.name] && !a.audit).map(
    (a) => `- \`${a.name}\`: ${a.shape.what}.`,
  );
  const audited = ADVERSARIAL.filter((a) => h[a.name] && a.audit).map((a) => `\`${a.name}\``);
  const md = render(template('adversarial.md'), {
    TARGET_RATIO,
    fmt,
    seed,
    seedAudit,
    budget,
    conditionCost,
    requestBudget,
    rows,
    described,
    audited,
  });
  return { md, worst };
}

/**
 * BENCHMARKS.md for this run. `peers` says which peers ran (for their versions); RS_POOL and
 * ES_POOL are the token pools' sizes.
 */
export function benchmarksMarkdown(results, { peers, RS_POOL, ES_POOL }, adversarialSection) {
  const h = results.http;
  const ratio = (a, b) => (a && b ? a / b : Number.NaN);
  const versions = {
    node: process.version,
    workerd: npx(['workerd', '--version']).trim(),
    wrangler: JSON.parse(readFileSync(join(ROOT, 'node_modules/wrangler/package.json'), 'utf8')).version,
    cerbos: peers.cerbos ? '0.51.0' : 'not run',
    cedar: JSON.parse(readFileSync(join(ROOT, 'node_modules/@cedar-policy/cedar-wasm/package.json'), 'utf8'))
      .version,
  };
  const row = (name, label) =>
    h[name]
      ? `| ${label} | ${fmt(h[name].rps)} | ${h[name].p50} | ${h[name].p99} | ${fmt(h[name].cpuUs)} | ${fmt(h[name].requests)} |`
      : `| ${label} | not run | | | | |`;
  const cpu = (name) => fmt(h[name]?.cpuUs);
  const target = (label, value, goal, ok) =>
    `| ${label} | ${value} | ${goal} | ${ok ? 'met' : '**missed**'} |`;
  const cachedRatio = ratio(h['verdict-cached']?.rps, h.hello?.rps);
  const rsRatio = ratio(h['verdict-rs256-pool']?.rps, h.hello?.rps);
  const cachedRatioNoAudit = ratio(h['verdict-cached-audit-off']?.rps, h.hello?.rps);
  const rsRatioNoAudit = ratio(h['verdict-rs256-pool-audit-off']?.rps, h.hello?.rps);
  const cerbosRatio = ratio(h['verdict-mixed-pool']?.rps, h['cerbos-mixed-pool']?.rps);
  const expressRatio = ratio(h['verdict-mixed-pool']?.rps, h['express-mixed-pool']?.rps);
  const cerbosRatioNoAudit = ratio(h['verdict-mixed-pool-audit-off']?.rps, h['cerbos-mixed-pool']?.rps);
  const expressRatioNoAudit = ratio(h['verdict-mixed-pool-audit-off']?.rps, h['express-mixed-pool']?.rps);
  const p99Delta = results.halfLoad.verdictP99 - results.halfLoad.helloP99;
  const p99DeltaNoAudit = results.halfLoad.verdictNoAuditP99 - results.halfLoad.helloP99;
  // Offered more than its own peak, a contender queues (or autocannon sends less): no valid p99.
  const halfTarget = (label, delta, name) =>
    (h[name]?.rps ?? 0) < results.halfLoad.rate
      ? `| ${label} | ${fmt(delta, 1)} ms (offered rate above this contender's peak of ${fmt(h[name]?.rps)} req/s: not a valid measurement) | ≤ 1 ms | **missed** |`
      : target(label, `${fmt(delta, 1)} ms`, '≤ 1 ms', delta <= 1);
  const gzKb = results.bundles.verdict.gz / 1024;
  const producer = results.auditRows?.producer;
  const auditOverflow = producer?.sendFailures
    ? ` Saturated, the local broker refused ${fmt(producer.sendFailures)} sends (Miniflare's broker keeps a timer per message and refuses new ones past 10,000 pending, which a busy workerd thread reaches); the producer retried them with backoff and wrote ${fmt(producer.directWrites)} events straight to D1 with the consumer's idempotent insert, ${fmt(producer.lost)} lost. Those retries and direct writes are part of the audit-on figures above.`
    : '';
  const at = results.auditTargets;
  const aHalf = results.auditHalf;
  // Audit-on cannot hold the offered rate: its p99 is then a queue's, not a latency.
  const halfShort = aHalf ? aHalf.on.rps < 0.97 * aHalf.rate : false;
  const load_ = results.auditLoad;
  const outbox = outboxConstants();
  // Queues pricing (https://developers.cloudflare.com/queues/pricing/, checked 2026-11-24):
  // $0.40 per million operations beyond 1,000,000 a month; one operation per 64 KB (of
  // 1,000 bytes, with ~100 bytes of metadata per message) written, read or deleted, so a
  // message delivered once costs 3 operations per 64 KB chunk.
  const QUEUE_OP_USD = 0.4 / 1e6;
  const eventsPerMessage = load_ ? load_.sent / load_.messages : Number.NaN;
  // The average message body: `{"v":1,"events":[…]}` around the events, comma-separated.
  // Estimated from the average event size, and never over the outbox's bound (MESSAGE_BYTES).
  const messageBytes = load_
    ? Math.min(eventsPerMessage * (load_.eventBytes + 1) + 20, outbox.messageBytes)
    : Number.NaN;
  const chunksPerMessage = Math.ceil((messageBytes + 100) / 64_000);
  const opsBefore = 3; // one message (< 64 KB) per decision
  const opsAfter = 3 * chunksPerMessage * at.messagesPerDecision;
  const perMillion = (ops) => ops * 1e6 * QUEUE_OP_USD;
  // The same events in messages kept within one 64 KB chunk (~63,000 bytes of body).
  const eventsIn63k = load_ ? Math.floor((63_000 - 20) / (load_.eventBytes + 1)) : Number.NaN;
  const roundK = (n) => fmt(Math.round(n / 1000) * 1000);
  const QUEUE_MESSAGES_PER_SEC = 5000;
  const floorRatio = ratio(h['json-floor']?.rps, h.hello?.rps);
  const overFloor = ratio(h['verdict-cached-audit-off']?.rps, h['json-floor']?.rps);
  const cpuDelta = (a, b) => fmt((h[a]?.cpuUs ?? Number.NaN) - (h[b]?.cpuUs ?? Number.NaN));
  const t = results.tiers;
  const tier = (key, label) =>
    t?.[key]
      ? `| ${label} | ${fmt(t[key].p50, 2)} | ${fmt(t[key].p99, 2)} | ${fmt(t[key].p50 - t.hello.p50, 2)} | ${t[key].n} |`
      : `| ${label} | – | – | – | – |`;

  return render(template('benchmarks.md'), {
    results,
    QUICK,
    CONNECTIONS,
    SECONDS,
    ROUNDS,
    RS_POOL,
    ES_POOL,
    FLOOR_QUEUE_RATE,
    TARGET_RATIO,
    AUDIT_CONSUMER,
    started,
    cpus,
    totalmem,
    fmt,
    adversarialSection,
    h,
    ratio,
    versions,
    row,
    cpu,
    target,
    cachedRatio,
    rsRatio,
    cachedRatioNoAudit,
    rsRatioNoAudit,
    cerbosRatio,
    expressRatio,
    cerbosRatioNoAudit,
    expressRatioNoAudit,
    p99Delta,
    p99DeltaNoAudit,
    halfTarget,
    gzKb,
    producer,
    auditOverflow,
    at,
    aHalf,
    halfShort,
    load_,
    outbox,
    QUEUE_OP_USD,
    eventsPerMessage,
    messageBytes,
    chunksPerMessage,
    opsBefore,
    opsAfter,
    perMillion,
    eventsIn63k,
    roundK,
    QUEUE_MESSAGES_PER_SEC,
    floorRatio,
    overFloor,
    cpuDelta,
    t,
    tier,
  });
}
