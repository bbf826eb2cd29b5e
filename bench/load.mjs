// Load generator, run as its own process so it never shares a core's event loop with
// the server under test. Reads a JSON job from argv[2], prints a JSON result.
// Job: { url, method, headers, bodies?: string[], connections, durationSec, rate?, amount?, timeoutSec? }
// Requests cycle through `bodies` (one per request) so token pools stay distinct.
// With `amount`, exactly that many requests are sent and all are answered before it
// ends (no request left in flight, for scenarios slow enough that one would matter).
// BENCH_LOAD_SERIES=1 adds `series`: responses per 250 ms (to see a stall within a run).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let i = 0;
const bodies = job.bodies ?? null;
const instance = autocannon({
  url: job.url,
  method: job.method ?? 'GET',
  headers: job.headers ?? {},
  connections: job.connections ?? 32,
  ...(job.amount ? { amount: job.amount } : { duration: job.durationSec ?? 5 }),
  ...(job.rate ? { overallRate: job.rate } : {}),
  ...(job.timeoutSec ? { timeout: job.timeoutSec } : {}),
  requests: [
    {
      setupRequest: (req) => {
        if (bodies) req.body = bodies[i++ % bodies.length];
        return req;
      },
    },
  ],
});
const series = process.env.BENCH_LOAD_SERIES ? [] : null;
const t0 = Date.now();
if (series) {
  instance.on('response', () => {
    const k = Math.floor((Date.now() - t0) / 250);
    series[k] = (series[k] ?? 0) + 1;
  });
}
instance.on('done', (r) => {
  process.stdout.write(
    JSON.stringify({
      rps: r.requests.average,
      total: r.requests.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      p999: r.latency.p99_9,
      max: r.latency.max,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      ...(series ? { series: Array.from(series, (x) => x ?? 0) } : {}),
    }),
  );
});
