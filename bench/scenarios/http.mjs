// The HTTP rows (section 1): every contender gets the same requests in alternating rounds,
// with the server's CPU per request and, on audit-on instances, the producer's counters;
// medians over the rounds land in results.http.
import { join } from 'node:path';
import { cpuSeconds, listenerPid, quiet } from '../lib/cpu.mjs';
import {
  CONNECTIONS,
  FLOOR_QUEUE_RATE,
  fmt,
  log,
  median,
  ONLY,
  OUT,
  PROFILE,
  ROUNDS,
  SECONDS,
} from '../lib/options.mjs';
import { saveProfile, startProfile, summarize } from '../lib/profile.mjs';
import { load } from '../runners/autocannon.mjs';
import { api, ROOT_KEY } from '../runners/workerd.mjs';
import { cerbosBody, verdictBody } from './bodies.mjs';

/** The scenarios of section 1 (and the adversarial rows), before --only narrows them. */
function httpScenarios(ctx, adversarial, results) {
  const { hello, jsonFloor, jsonFloorQueue, verdict, verdictNoAudit, verdictNoConsumer, peers } = ctx;
  const { cached, rsTokens, esTokens, amounts } = ctx;
  const post = { 'content-type': 'application/json' };
  // Every contender gets the same requests: the cached token, the RS256 and ES256 pools,
  // and the peer workload mixing 2,000 of each (amounts alternate Allow and Deny).
  const mixed = (body) =>
    rsTokens
      .slice(0, 2000)
      .flatMap((t, i) => [body(t, amounts[i % 2], i), body(esTokens[i], amounts[(i + 1) % 2], i)]);
  const bodies = {
    cached: amounts.map((a) => verdictBody(cached, a)),
    rs: rsTokens.map((t, i) => verdictBody(t, amounts[i % 2])),
    es: esTokens.map((t, i) => verdictBody(t, amounts[i % 2])),
    mixed: mixed(verdictBody),
  };
  const scenario = (name, url, requestBodies) => ({
    name,
    url,
    method: 'POST',
    headers: post,
    bodies: requestBodies,
  });
  const authorizeAt = (instance) => `${instance.direct}/v1/workspaces/bench/authorize`;
  const scenarios = [
    // The floor receives the same POST bodies as Verdict (a body costs the transport too).
    scenario('hello', hello.direct, bodies.cached),
    { name: 'hello-get', url: hello.direct, method: 'GET' },
    scenario('json-floor', jsonFloor.direct, bodies.cached),
    // Miniflare's local broker keeps a timer per message and refuses sends past 10,000 of
    // them, which a floor this fast outruns: offered a fixed rate, read for its CPU per request.
    { ...scenario('json-floor-queue', jsonFloorQueue.direct, bodies.cached), rate: FLOOR_QUEUE_RATE },
    scenario('verdict-cached', authorizeAt(verdict), bodies.cached),
    { ...scenario('verdict-cached-fixed', authorizeAt(verdict), bodies.cached), rate: FLOOR_QUEUE_RATE },
    scenario('verdict-cached-audit-off', authorizeAt(verdictNoAudit), bodies.cached),
    scenario('verdict-cached-no-consumer', authorizeAt(verdictNoConsumer), bodies.cached),
    scenario('verdict-rs256-pool', authorizeAt(verdict), bodies.rs),
    scenario('verdict-rs256-pool-audit-off', authorizeAt(verdictNoAudit), bodies.rs),
    scenario('verdict-es256-pool', authorizeAt(verdict), bodies.es),
    scenario('verdict-mixed-pool', authorizeAt(verdict), bodies.mixed),
    scenario('verdict-mixed-pool-audit-off', authorizeAt(verdictNoAudit), bodies.mixed),
  ];
  if (peers.express) {
    scenarios.push(
      scenario('express-mixed-pool', `${peers.express.url}/authorize`, bodies.mixed),
      scenario('express-cached', `${peers.express.url}/authorize`, bodies.cached),
    );
  }
  if (peers.cerbos) {
    const url = `${peers.cerbos.url}/api/check/resources`;
    scenarios.push(
      scenario('cerbos-mixed-pool', url, mixed(cerbosBody)),
      scenario(
        'cerbos-cached',
        url,
        amounts.map((a, i) => cerbosBody(cached, a, i)),
      ),
    );
  }
  if (peers.cerbosAudit) {
    const url = `${peers.cerbosAudit.url}/api/check/resources`;
    scenarios.push(
      scenario('cerbos-audit-mixed-pool', url, mixed(cerbosBody)),
      scenario(
        'cerbos-audit-cached',
        url,
        amounts.map((a, i) => cerbosBody(cached, a, i)),
      ),
    );
  }

  for (const a of adversarial) {
    const pre = results.adversarial.rows[a.name];
    // A row slower than ~20 ms a request sends a fixed number of requests, all answered
    // before the run ends: a request still in flight when a timed run stopped would add
    // its CPU to too few requests. At least one per connection, ~SECONDS of work.
    const slow = pre.ms > 20;
    scenarios.push({
      ...scenario(a.name, pre.url, [a.shape.body(cached)]),
      headers: { ...post, ...(a.shape.headers ?? {}) },
      ...(slow
        ? { amount: Math.max(CONNECTIONS, Math.round((SECONDS * 1000) / pre.ms)), timeoutSec: 120 }
        : {}),
    });
  }
  return scenarios;
}

/**
 * Runs the selected scenarios for ROUNDS rounds into results.http (and results.auditRows),
 * and answers what the later measurements reuse: the scenarios, the serving processes and
 * the audit-on instances' producer counters.
 */
export async function runHttp(results, ctx, adversarial, checkedRequests) {
  const { verdict, verdictKey, verdictNoConsumer, noConsumerKey, workers, peers } = ctx;
  const scenarios = httpScenarios(ctx, adversarial, results);
  const allScenarios = [...scenarios];
  if (ONLY) scenarios.splice(0, scenarios.length, ...scenarios.filter((x) => ONLY.includes(x.name)));
  // The audit-on instance's producer counters (one isolate: the bench's Verdict is one
  // workerd process with one isolate), read around each audit-on run for its messages
  // per decision.
  const auditedInstances = [
    [verdict, verdictKey],
    [verdictNoConsumer, noConsumerKey],
  ];
  const auditedBy = (s) => auditedInstances.find(([v]) => s.url.startsWith(`${v.direct}/`));
  // The isolate's producer counters are the root key's (they count every workspace).
  const producerStats = async ([instance]) =>
    (await api(instance.url, 'GET', '/v1/operations/audit-producer', ROOT_KEY)).data;
  const producerDelta = (after, before) =>
    Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));
  const isAudited = (s) => auditedBy(s) !== undefined;
  // The process that serves each URL, for its CPU time per request.
  const servers = [
    ...workers.map((m) => [m.direct, listenerPid(Number(new URL(m.direct).port))]),
    ...Object.values(peers).map((p) => [p.url, p.child.pid]),
  ];
  const serverPid = (url) => servers.find(([prefix]) => url.startsWith(prefix))?.[1] ?? null;
  const runs = Object.fromEntries(scenarios.map((s) => [s.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of round % 2 ? scenarios : [...scenarios].reverse()) {
      const instance = workers.find((v) => s.url.startsWith(v.direct));
      const waited = await quiet(servers.map(([, p]) => p).filter(Boolean));
      if (waited > 1000) log(`  waited ${fmt(waited / 1000, 1)} s for the servers to go idle`);
      const stop = PROFILE && round === 1 && instance ? await startProfile(instance.inspectorPort) : null;
      const pid = serverPid(s.url);
      const countersBefore = isAudited(s) ? await producerStats(auditedBy(s)) : null;
      const cpuBefore = pid ? cpuSeconds(pid) : null;
      const r = await load(s);
      // Work deferred past the responses (the audit queue's backlog) belongs to these requests.
      if (pid) await quiet([pid]);
      const cpuAfter = pid ? cpuSeconds(pid) : null;
      r.cpuUs =
        cpuBefore === null || cpuAfter === null ? undefined : ((cpuAfter - cpuBefore) * 1e6) / r.total;
      if (countersBefore) r.producer = producerDelta(await producerStats(auditedBy(s)), countersBefore);
      runs[s.name].push(r);
      if (stop) {
        const profile = await stop();
        saveProfile(join(OUT, `${s.name}.cpuprofile`), profile);
        const { samples, self, inclusive } = summarize(profile);
        log(`profile ${s.name} (${samples} samples, bench/.out/${s.name}.cpuprofile)`);
        console.log(`self time:\n${self}\ninclusive:\n${inclusive}`);
      }
      log(
        `round ${round} ${s.name}: ${fmt(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, p99.9 ${r.p999} ms, max ${r.max} ms, server CPU ${fmt(r.cpuUs)} µs/req${r.producer ? `; ${fmt(r.producer.sent)} events in ${fmt(r.producer.messages)} messages (${fmt(r.producer.messages / r.producer.sent, 4)} per event, ${fmt(r.producer.sent / r.total, 3)} events per answered decision)` : ''}`,
      );
    }
  }
  // Audit under load: every decision the audit-on instance answered has its row (the
  // check's requests included); a few more may exist for requests still in flight when
  // autocannon stopped, which it does not count.
  if (!ONLY) {
    await quiet([serverPid(verdict.direct)]);
    const audited = scenarios.filter((s) => s.url.startsWith(verdict.direct));
    const answered = audited.reduce(
      (n, s) => n + runs[s.name].reduce((m, r) => m + r.total, 0),
      checkedRequests,
    );
    const db = await verdict.mf.getD1Database('DB');
    const { n } = await db
      .prepare("SELECT COUNT(*) AS n FROM audit_events WHERE workspace_id = 'bench'")
      .first();
    // This isolate's producer counters: sends the local broker refused, and what became of them.
    const { producer } = (await api(verdict.url, 'GET', '/v1/workspaces/bench/audit/stats', verdictKey)).data;
    results.auditRows = { answered, rows: n, runs: audited.length * ROUNDS, producer };
    log(
      `audit rows: ${fmt(n)} for ${fmt(answered)} answered decisions; producer ${JSON.stringify(producer)}`,
    );
  }

  for (const [name, rs] of Object.entries(runs)) {
    results.http[name] = {
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      cpuUs: median(rs.map((r) => r.cpuUs ?? Number.NaN)),
      requests: rs.reduce((n, r) => n + r.total, 0),
    };
    // Producer counters summed over the rounds (audit-on instance only).
    if (rs.some((r) => r.producer)) {
      const sum = (k) => rs.reduce((n, r) => n + (r.producer?.[k] ?? 0), 0);
      results.http[name].producer = {
        sent: sum('sent'),
        messages: sum('messages'),
        sendFailures: sum('sendFailures'),
        directWrites: sum('directWrites'),
        lost: sum('lost'),
        answered: results.http[name].requests,
      };
    }
  }
  return { scenarios, allScenarios, servers, serverPid, auditedBy, producerStats, producerDelta };
}
