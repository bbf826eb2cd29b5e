// CPU time of the server process under load, from Linux /proc: the load generator
// shares this 2-core machine, so throughput alone mixes the server's cost with the
// client's. CPU per request is the server's own cost (all its threads, and for
// Miniflare everything in that workerd process: the Worker, and the local KV, D1 and
// queue simulators it talks to). Elsewhere than Linux these return null.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

let hz = 100;
try {
  hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {}

/** The pid of the process listening on TCP `port`, or null. */
export function listenerPid(port) {
  try {
    const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    const inodes = new Set();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[1]?.endsWith(hexPort) && cols[3] === '0A') inodes.add(`socket:[${cols[9]}]`);
      }
    }
    if (inodes.size === 0) return null;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let fds;
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
        } catch {}
      }
    }
  } catch {}
  return null;
}

/** User + system CPU seconds the process has used so far, or null. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / hz;
  } catch {
    return null;
  }
}

/**
 * Waits until none of `pids` uses more than `idleShare` of a core (an audit-on Worker
 * drains its queue backlog after a run, which would take CPU from the next contender).
 * Resolves to the milliseconds waited (at most `maxMs`).
 */
export async function quiet(pids, { maxMs = 20_000, stepMs = 250, idleShare = 0.05 } = {}) {
  const started = Date.now();
  const live = pids.filter((pid) => cpuSeconds(pid) !== null);
  let before = live.map(cpuSeconds);
  while (Date.now() - started < maxMs) {
    await new Promise((r) => setTimeout(r, stepMs));
    const now = live.map(cpuSeconds);
    const busiest = Math.max(0, ...now.map((c, i) => (c - before[i]) / (stepMs / 1000)));
    if (busiest <= idleShare) break;
    before = now;
  }
  return Date.now() - started;
}
