/// <reference types="node" />
// Teardown for the processes the system suites start (wrangler dev, workerd through
// Miniflare, nginx, Chromium, the walkthrough script). A start function registers what it
// started the moment it exists, before it waits for readiness, so a failure anywhere after
// that (a browser that does not launch beside it in a Promise.all, a readiness timeout, a hook
// timeout) still stops it: test/setup/teardown.ts drains the registry after every system
// suite. A registration made while draining is stopped at once, and starts still in flight
// are waited for, so a process spawned after its suite already failed is stopped too. If the
// test process exits with something still registered, its process group is killed.

type Entry = { name: string; stop: () => Promise<void>; pid: number | undefined; group: boolean };

const entries = new Set<Entry>();
const starting = new Set<Promise<unknown>>();
/** Stops begun by a registration made while draining: the drain waits for them. */
const late = new Set<Promise<unknown>>();
let draining: Promise<void> | undefined;

/** Where a registered process lives, for the exit-time safety net. */
export type ProcessRef = { pid: number | undefined; group?: boolean };

/**
 * Registers `stop` for teardown and returns it wrapped: idempotent, and unregistered once it
 * ran, so a suite's own close and the drain may both call it. Call it right after the process
 * is spawned, before anything that can fail or wait.
 * @example const stop = registerTeardown('nginx', () => killIt(), { pid: child.pid });
 */
export function registerTeardown(
  name: string,
  stop: () => Promise<void> | void,
  ref?: ProcessRef,
): () => Promise<void> {
  let done: Promise<void> | undefined;
  const entry: Entry = {
    name,
    pid: ref?.pid,
    group: ref?.group ?? false,
    stop: () => {
      entries.delete(entry);
      done ??= Promise.resolve().then(stop);
      return done;
    },
  };
  entries.add(entry);
  // Started while the suite is being torn down: it is not wanted any more.
  if (draining) {
    const stopping = entry.stop().catch(() => {});
    late.add(stopping);
    stopping.then(() => late.delete(stopping));
  }
  return entry.stop;
}

/**
 * Tracks a start that has not resolved yet (it registers its processes itself as they are
 * spawned); the drain waits for it to settle so nothing it spawns later is missed.
 */
export function trackStart<T>(start: Promise<T>): Promise<T> {
  starting.add(start);
  start.then(
    () => starting.delete(start),
    () => starting.delete(start),
  );
  return start;
}

/** The pids of what is registered now (for tests of this module). */
export function registeredPids(): number[] {
  return [...entries].flatMap((e) => (e.pid === undefined ? [] : [e.pid]));
}

/**
 * Stops everything registered, newest first, waits for starts in flight (stopping what they
 * register meanwhile), and throws an AggregateError if any stop failed.
 */
export function drainTeardowns(): Promise<void> {
  draining ??= (async () => {
    const errors: unknown[] = [];
    try {
      for (;;) {
        const entry = [...entries].at(-1);
        if (entry) {
          await entry.stop().catch((err: unknown) => errors.push(new Error(`${entry.name}: ${err}`)));
          continue;
        }
        if (starting.size === 0 && late.size === 0) break;
        await Promise.allSettled([...starting, ...late]);
      }
    } finally {
      draining = undefined;
    }
    if (errors.length > 0) throw new AggregateError(errors, 'teardown failed');
  })();
  return draining;
}

// The last resort: the worker exits with processes still registered (a crash, a kill).
process.once('exit', () => {
  for (const e of entries) {
    if (e.pid === undefined) continue;
    try {
      process.kill(e.group ? -e.pid : e.pid, 'SIGKILL');
    } catch {}
  }
});
