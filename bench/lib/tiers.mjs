// Latency of one authorize request at a time, per cache tier: what the request finds in
// the isolate and in KV decides how much work it does. Measured sequentially on one
// keep-alive connection (no queueing), against hello-world measured the same way.
import { Agent, request } from 'node:http';

/** Sends one POST and resolves to [milliseconds, status, parsed body]. */
function post(agent, url, body) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          const text = Buffer.concat(chunks).toString();
          resolve([ms, res.statusCode, text.startsWith('{') ? JSON.parse(text) : text]);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const summary = (xs) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), n: xs.length });

/**
 * Times `bodies` one after another against `url`. `expect(body)` must hold for every
 * answer (the same decisions as elsewhere in the suite), else the run stops.
 */
async function sequential(url, bodies, expect) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  for (const body of bodies) {
    const [ms, status, answer] = await post(agent, url, body);
    if (status !== 200 || !expect(answer, body))
      throw new Error(`tiers: unexpected answer ${status} ${JSON.stringify(answer)}`);
    times.push(ms);
  }
  agent.destroy();
  return times;
}

/**
 * Runs every tier. `restart()` gives a fresh workerd (new isolates; the local KV and D1
 * keep their data) and resolves to the authorize URL; `forgetKv()` deletes the
 * workspace's snapshot and key set from KV, as if they had expired.
 */
export async function measureTiers({
  helloUrl,
  authorizeUrl,
  restart,
  forgetKv,
  bodyFor,
  expected,
  tokens,
  cold = 8,
  warm = 300,
}) {
  const ok = (answer, body) => answer?.data?.allowed === expected(body);
  const repeated = Array.from({ length: warm }, (_, i) => bodyFor(tokens.cached, i));
  const out = {};
  // Warm-up of the load generator's own code paths, then the baseline.
  await sequential(helloUrl, repeated.slice(0, 50), () => true);
  out.hello = summary(await sequential(helloUrl, repeated, () => true));

  let url = authorizeUrl;
  const firstOf = async (prepare) => {
    const times = [];
    for (let i = 0; i < cold; i++) {
      url = await prepare(i);
      times.push(...(await sequential(url, [bodyFor(tokens.cached, i)], ok)));
    }
    return summary(times);
  };
  // The first request of a new workerd process: workerd evaluated the Worker's module at
  // start-up, but nothing of the workspace is in isolate memory; the snapshot and the key
  // set come from KV and the key is imported.
  out.coldIsolate = await firstOf(() => restart());
  // As after a KV expiry: the snapshot is rebuilt from D1, the keys fetched from the IdP.
  out.coldKv = await firstOf(async () => {
    const next = await restart();
    await forgetKv();
    return next;
  });
  await sequential(url, repeated.slice(0, 50), ok);
  out.newRs256 = summary(await sequential(url, tokens.rs.slice(0, warm).map(bodyFor), ok));
  out.newEs256 = summary(await sequential(url, tokens.es.slice(0, warm).map(bodyFor), ok));
  out.cached = summary(await sequential(url, repeated, ok));
  return out;
}
