// Builds and in-process companions: the Worker bundles (wrangler deploy --dry-run), the
// micro benchmarks and the adversarial units (esbuild, then node), each read back as JSON.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { log, npx, OUT, ROOT } from '../lib/options.mjs';

/** Bundles `entry` for Node with esbuild, runs it with `argv`, echoes its log and returns its result. */
function bundleAndRun(entry, name, argv = [], external = []) {
  npx([
    'esbuild',
    entry,
    '--bundle',
    '--platform=node',
    '--format=esm',
    `--outfile=${OUT}/${name}.mjs`,
    ...external.map((e) => `--external:${e}`),
    '--log-level=warning',
  ]);
  const out = execFileSync('node', [`${OUT}/${name}.mjs`, ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1e7,
  });
  process.stdout.write(out.split('@@RESULT@@')[0]);
  return JSON.parse(out.split('@@RESULT@@')[1]);
}

/** The engine, JWT, impact and archive micro benchmarks (bench/micro.ts). */
export function micro() {
  log('micro: bundling and running the engine, JWT, impact and archive benchmarks');
  return bundleAndRun(
    'bench/micro.ts',
    'micro',
    [],
    ['@cedar-policy/cedar-wasm', 'json-rules-engine', 'miniflare'],
  );
}

/** Verdict (audit on and off) and hello-world as wrangler would deploy them: files and sizes. */
export function bundles() {
  log('bundle: wrangler deploy --dry-run for Verdict and the hello-world Worker');
  npx(['wrangler', 'deploy', '--dry-run', '--outdir', `${OUT}/verdict`]);
  // Audit off: the same Worker and build settings, its queue binding dropping messages.
  npx([
    'wrangler',
    'deploy',
    '--dry-run',
    '--outdir',
    `${OUT}/verdict-audit-off`,
    'bench/audit-off-worker.ts',
  ]);
  npx(
    [
      'wrangler',
      'deploy',
      '--dry-run',
      '--outdir',
      `${OUT}/hello`,
      'bench/hello-worker.js',
      '--name',
      'hello',
      '--compatibility-date',
      '2026-04-20',
    ],
    {
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const size = (dir) => {
    const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
    const raw = js.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    const gz = js.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f))).length, 0);
    return { raw, gz, file: join(dir, js[0]) };
  };
  return {
    verdict: size(`${OUT}/verdict`),
    verdictAuditOff: size(`${OUT}/verdict-audit-off`),
    hello: size(`${OUT}/hello`),
  };
}

/** The in-process companion (bench/adversarial-units.ts): units spent and ns per unit per shape. */
export function adversarialUnits(names) {
  const rows = bundleAndRun('bench/adversarial-units.ts', 'adversarial-units', [names.join(',')]);
  return Object.fromEntries(rows.map((r) => [r.name, r]));
}
