// `npm run dev`: `wrangler dev` (arguments passed through), then, once it answers, the demo
// workspace is seeded with one call (POST /dev-idp/demo, idempotent) — off the request path
// of everything else. Exits with wrangler's status.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const portArg = args.findIndex((a) => a === '--port' || a === '-p');
const port = Number(
  portArg >= 0
    ? args[portArg + 1]
    : (/^--port=(\d+)$/.exec(args.find((a) => a.startsWith('--port=')) ?? '')?.[1] ?? 8787),
);

const wrangler = spawn(
  process.execPath,
  [join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'dev', ...args],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
let running = true;
wrangler.on('exit', (code, signal) => {
  running = false;
  process.exitCode = code ?? (signal ? 1 : 0);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => wrangler.kill(signal));

const base = `http://localhost:${port}`;

/** The demo admin key .dev.vars sets (DEMO_ADMIN_KEY), for the banner; it is for local use only. */
function demoKey() {
  try {
    const vars = readFileSync(join(root, '.dev.vars'), 'utf8');
    return /^DEMO_ADMIN_KEY=(.*)$/m.exec(vars)?.[1]?.trim() || '(DEMO_ADMIN_KEY in .dev.vars)';
  } catch {
    return '(DEMO_ADMIN_KEY in .dev.vars)';
  }
}
for (let waited = 0; running && waited < 120_000; waited += 250) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) {
      const res = await fetch(`${base}/dev-idp/demo`, { method: 'POST' });
      if (res.ok) {
        const { created } = await res.json();
        console.log(
          [
            '',
            `[verdict] demo workspace ${created ? 'created' : 'ready'}: ${base}/v1/workspaces/demo`,
            `[verdict] console: ${base}/console (workspace "demo", key ${demoKey()})`,
            `[verdict] API reference: ${base}/docs`,
            '',
          ].join('\n'),
        );
      } else {
        console.warn(
          `\n[verdict] the demo workspace was not seeded (${res.status}): is DEV_IDP=true in .dev.vars?\n`,
        );
      }
      break;
    }
  } catch {}
  await new Promise((r) => setTimeout(r, 250));
}
