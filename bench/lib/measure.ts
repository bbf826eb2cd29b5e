// Timing helpers for in-process micro benchmarks: several rounds, median throughput.
export type Result = { opsPerSec: number; usPerOp: number; rounds: number[] };

export async function measure(
  fn: () => unknown | Promise<unknown>,
  opts: { rounds?: number; roundMs?: number; batch?: number } = {},
): Promise<Result> {
  const rounds = opts.rounds ?? 5;
  const roundMs = opts.roundMs ?? 300;
  const batch = opts.batch ?? 1;
  // Warm-up (JIT, caches) for one round.
  const warmUntil = performance.now() + roundMs;
  while (performance.now() < warmUntil) for (let i = 0; i < batch; i++) await fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < roundMs) {
      for (let i = 0; i < batch; i++) await fn();
      ops += batch;
      now = performance.now();
    }
    rates.push((ops * 1000) / (now - start));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return { opsPerSec: median, usPerOp: 1e6 / median, rounds: rates };
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
