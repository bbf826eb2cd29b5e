// Audit at scale (section 5): audit on and off at the same offered rate, queue messages per
// decision under load, the on ÷ off targets, and batched against single D1 inserts.
import { existsSync, readFileSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { cpuSeconds, quiet } from '../lib/cpu.mjs';
import { fmt, log, median, npx, ONLY, OUT, ROUNDS, sleep } from '../lib/options.mjs';
import { load } from '../runners/autocannon.mjs';
import { AUDIT_CONSUMER, migrate } from '../runners/workerd.mjs';

/** p99 with audit on and off, both offered the same rate: half of audit-off's peak (results.auditHalf). */
export async function auditAtHalfLoad(
  results,
  { allScenarios, servers, serverPid, auditedBy, producerStats, producerDelta },
) {
  if ((!ONLY || ONLY.includes('audit-half')) && results.http['verdict-cached-audit-off']) {
    const rate = Math.floor(results.http['verdict-cached-audit-off'].rps / 2);
    log(`audit half load: audit on and off offered ${fmt(rate)} req/s (half of audit-off's peak)`);
    const byName = (name) => allScenarios.find((x) => x.name === name);
    const at = { on: [], off: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const side of round % 2 ? ['off', 'on'] : ['on', 'off']) {
        const s = byName(side === 'on' ? 'verdict-cached' : 'verdict-cached-audit-off');
        await quiet(servers.map(([, p]) => p).filter(Boolean));
        const pid = serverPid(s.url);
        const countersBefore = side === 'on' ? await producerStats(auditedBy(s)) : null;
        const cpuBefore = cpuSeconds(pid);
        const r = await load({ ...s, rate });
        await quiet([pid]);
        r.cpuUs = ((cpuSeconds(pid) - cpuBefore) * 1e6) / r.total;
        if (countersBefore) r.producer = producerDelta(await producerStats(auditedBy(s)), countersBefore);
        at[side].push(r);
        log(
          `  round ${round} audit ${side}: ${fmt(r.rps)} req/s answered, p50 ${r.p50} ms, p99 ${r.p99} ms, p99.9 ${r.p999} ms, server CPU ${fmt(r.cpuUs)} µs/req${r.producer ? `, ${fmt(r.producer.messages / r.producer.sent, 4)} messages per event` : ''}`,
        );
      }
    }
    const summary = (rs) => ({
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      cpuUs: median(rs.map((r) => r.cpuUs)),
    });
    const sumOf = (k) => at.on.reduce((n, r) => n + (r.producer?.[k] ?? 0), 0);
    results.auditHalf = {
      rate,
      on: summary(at.on),
      off: summary(at.off),
      messagesPerEvent: sumOf('messages') / sumOf('sent'),
    };
  }
}

/** Queue messages per decision under load and the audit targets (results.auditLoad, results.auditTargets). */
export async function auditUnderLoad(results, { verdict, peers }) {
  // Queue messages per decision under load: the audit-on runs' producer counters, summed.
  {
    const rows = Object.entries(results.http).filter(([, r]) => r.producer);
    if (rows.length > 0) {
      const sum = (k) => rows.reduce((n, [, r]) => n + r.producer[k], 0);
      results.auditLoad = {
        scenarios: rows.map(([name]) => name),
        sent: sum('sent'),
        messages: sum('messages'),
        answered: sum('answered'),
        sendFailures: sum('sendFailures'),
        directWrites: sum('directWrites'),
        lost: sum('lost'),
      };
      // Average audit event, as the producer serializes it, rebuilt from this run's rows
      // (for the message size, hence the queue operations per message).
      const db = await verdict.mf.getD1Database('DB');
      const eventSizes = () =>
        db
          .prepare(
            `SELECT avg(length(json_object('decisionId', decision_id, 'workspaceId', workspace_id, 'time', time,
            'subject', subject, 'provider', provider, 'resource', resource, 'action', action, 'decision', decision,
            'policy', policy, 'policyVersion', policy_version, 'ruleId', rule_id, 'reasons', json(reasons),
            'input', json(input), 'latencyMs', latency_ms, 'ip', ip, 'userAgent', user_agent))) AS bytes,
            COUNT(*) AS n FROM (SELECT * FROM audit_events WHERE workspace_id = 'bench' ORDER BY time DESC LIMIT 5000)`,
          )
          .first();
      let sizes = await eventSizes();
      // No row yet: the consumer's batch timeout has not passed since the last run.
      if (!sizes?.n) {
        await sleep((AUDIT_CONSUMER.maxBatchTimeout + 1) * 1000);
        sizes = await eventSizes();
      }
      results.auditLoad.eventBytes = sizes?.bytes ?? Number.NaN;
    }
    for (const cerbos of [peers.cerbosAudit].filter(Boolean)) {
      const text = existsSync(cerbos.decisionLog) ? readFileSync(cerbos.decisionLog, 'utf8') : '';
      const lines = text.split('\n').filter(Boolean);
      results.cerbosDecisionLog = {
        entries: lines.length,
        bytes: Buffer.byteLength(text),
        requests: ['cerbos-audit-mixed-pool', 'cerbos-audit-cached'].reduce(
          (n, name) => n + (results.http[name]?.requests ?? 0),
          0,
        ),
      };
    }
  }
  const onOffRatio = (on, off) => {
    const a = results.http[on]?.rps;
    const b = results.http[off]?.rps;
    return a && b ? a / b : Number.NaN;
  };
  results.auditTargets = {
    cached: onOffRatio('verdict-cached', 'verdict-cached-audit-off'),
    requestPath: onOffRatio('verdict-cached-no-consumer', 'verdict-cached-audit-off'),
    rs256: onOffRatio('verdict-rs256-pool', 'verdict-rs256-pool-audit-off'),
    mixed: onOffRatio('verdict-mixed-pool', 'verdict-mixed-pool-audit-off'),
    p99: results.auditHalf ? results.auditHalf.on.p99 / results.auditHalf.off.p99 : Number.NaN,
    messagesPerDecision: results.auditLoad ? results.auditLoad.messages / results.auditLoad.sent : Number.NaN,
    cerbos: onOffRatio('verdict-mixed-pool', 'cerbos-audit-mixed-pool'),
    cerbosCached: onOffRatio('verdict-cached', 'cerbos-audit-cached'),
  };
  log(
    `audit at scale: on ÷ off cached ${fmt(results.auditTargets.cached, 2)}× (request path only, no local consumer: ${fmt(results.auditTargets.requestPath, 2)}×), RS256 pool ${fmt(results.auditTargets.rs256, 2)}×, mixed pool ${fmt(results.auditTargets.mixed, 2)}×; ` +
      `p99 on ÷ off at half of audit-off's peak ${fmt(results.auditTargets.p99, 2)}×${results.auditHalf ? ` (${results.auditHalf.on.p99} vs ${results.auditHalf.off.p99} ms at ${fmt(results.auditHalf.rate)} req/s)` : ''}; ` +
      `messages per decision ${fmt(results.auditTargets.messagesPerDecision, 4)}${results.auditLoad ? ` (${fmt(results.auditLoad.messages)} messages for ${fmt(results.auditLoad.sent)} events, ${fmt(results.auditLoad.answered)} decisions answered, events ~${fmt(results.auditLoad.eventBytes)} B)` : ''}; ` +
      `Verdict (audit on) ÷ Cerbos with decision logs: mixed ${fmt(results.auditTargets.cerbos, 2)}×, cached ${fmt(results.auditTargets.cerbosCached, 2)}×` +
      (results.cerbosDecisionLog
        ? `; Cerbos decision log: ${fmt(results.cerbosDecisionLog.entries)} entries, ${fmt(results.cerbosDecisionLog.bytes / 1e6, 1)} MB`
        : ''),
  );
}

/** Rows per second into local D1: one batch per 100 events against one INSERT per event (results.audit). */
export async function auditInserts(results) {
  log('audit: batched inserts vs one insert per event, in workerd with local D1');
  npx([
    'esbuild',
    'bench/audit-insert.worker.ts',
    '--bundle',
    '--format=esm',
    `--outfile=${OUT}/audit-insert.mjs`,
    '--log-level=warning',
  ]);
  const auditMf = new Miniflare({
    scriptPath: `${OUT}/audit-insert.mjs`,
    modules: true,
    compatibilityDate: '2026-04-20',
    port: 0,
    d1Databases: { DB: 'audit-bench' },
  });
  const auditUrl = (await auditMf.ready).toString().replace(/\/$/, '');
  await migrate(await auditMf.getD1Database('DB'));
  const batched = [];
  const single = [];
  for (let round = 1; round <= ROUNDS; round++) {
    batched.push((await (await fetch(`${auditUrl}/batched?n=5000`)).json()).rowsPerSec);
    single.push((await (await fetch(`${auditUrl}/single?n=1000`)).json()).rowsPerSec);
  }
  results.audit = { batched: median(batched), single: median(single) };
  await auditMf.dispose();
}
