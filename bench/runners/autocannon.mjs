// Load: autocannon in a child process (bench/load.mjs), one job at a time.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECTIONS, log, OUT, ROOT, SECONDS } from '../lib/options.mjs';

// autocannon runs in a child process that this one awaits without blocking its own event
// loop: this process owns the Miniflare instances, and Miniflare's local queue broker
// calls back into it (a loopback fetch it awaits after every consumer batch). Blocked (as
// with execFileSync until 2026-11-24), an audit-on Worker stopped answering within a
// second of load (~3,000 responses, then none for the rest of the run), so audit-on
// figures measured that stall; moving the IdP to another process did not change it.
export function load(job) {
  const file = join(
    OUT,
    `job-${createHash('sha1')
      .update(JSON.stringify(job.url) + Math.random())
      .digest('hex')
      .slice(0, 8)}.json`,
  );
  writeFileSync(file, JSON.stringify({ connections: CONNECTIONS, durationSec: SECONDS, ...job }));
  return new Promise((resolve, reject) => {
    const child = spawn('node', [join(ROOT, 'bench/load.mjs'), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load ${job.name}: exit ${code}`));
      const r = JSON.parse(out);
      if (r.non2xx > 0 || r.errors > 0)
        log(`  warning: ${job.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      resolve(r);
    });
  });
}
