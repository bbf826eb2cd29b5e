/// <reference types="node" />
// Verdict in workerd for the gateway tests, the way bench/runners/workerd.mjs starts it: Miniflare's API
// directly, with local (in-memory) D1, KV and Queues and the migrations applied statement by
// statement. The Worker is bundled with esbuild's JS API (about 0.1 s, in memory) rather than
// `wrangler deploy --dry-run` (a child process, ~1.2 s here, writing to disk); the options mirror what
// wrangler passes for a Workers target: ESM, the workerd/worker/browser export conditions, and
// `cloudflare:*` / `node:*` left to the runtime.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { registerTeardown } from '../helpers/teardown';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type RunningVerdict = {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  port: number;
  /** The Miniflare instance (storage access, restarts). */
  mf: Miniflare;
  /** Restarts workerd with the same options (storage kept): every isolate starts again. */
  restart: () => Promise<void>;
  close: () => Promise<void>;
};

export type StartOptions = {
  /** The module to run instead of src/index.ts (a test harness wrapping it), relative to the repo. */
  entry?: string;
  /** Overrides for the audit queue consumer. */
  consumer?: { maxBatchSize?: number; maxBatchTimeout?: number; maxRetries?: number };
};

/** The compatibility date wrangler.toml deploys with, so the test runs the same runtime. */
function compatibilityDate(): string {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([0-9-]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return date;
}

/** src/index.ts (or a harness around it) as one ES module (in memory). */
async function bundle(entry = 'src/index.ts'): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    write: false,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error('esbuild produced no output for src/index.ts');
  return out.contents;
}

/** Bundles src/index.ts and starts it in workerd with fresh local storage and the migrations applied. */
export async function startVerdict(
  bindings: Record<string, string>,
  options: StartOptions = {},
): Promise<RunningVerdict> {
  const code = await bundle(options.entry);
  const dir = mkdtempSync(join(tmpdir(), 'verdict-gateway-worker-'));
  const scriptPath = join(dir, 'verdict.mjs');
  writeFileSync(scriptPath, code);
  const mfOptions = {
    // Storage on disk, so a restart (setOptions) keeps D1, KV and the queue broker's state.
    defaultPersistRoot: join(dir, 'state'),
    scriptPath,
    modules: true,
    modulesRoot: dir,
    compatibilityDate: compatibilityDate(),
    host: '127.0.0.1',
    port: 0,
    d1Databases: { DB: 'gateway-test-db' },
    kvNamespaces: ['CACHE'],
    r2Buckets: ['ARCHIVE'],
    queueProducers: { AUDIT_QUEUE: 'verdict-audit' },
    queueConsumers: {
      'verdict-audit': {
        maxBatchSize: 100,
        maxBatchTimeout: 1,
        maxRetries: 5,
        deadLetterQueue: 'verdict-audit-dlq',
        ...options.consumer,
      },
      'verdict-audit-dlq': { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
    },
    bindings,
  };
  const mf = new Miniflare(mfOptions);
  // workerd exists from here on: registered before anything is awaited (../helpers/teardown.ts).
  const close = registerTeardown('workerd (Miniflare)', async () => {
    await mf.dispose().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    const url = (await mf.ready).toString().replace(/\/$/, '');
    const db = await mf.getD1Database('DB');
    const migrations = readdirSync(join(ROOT, 'migrations'))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    for (const f of migrations) {
      for (const stmt of readFileSync(join(ROOT, 'migrations', f), 'utf8').split(
        '--> statement-breakpoint',
      )) {
        if (stmt.trim()) await db.prepare(stmt).run();
      }
    }
    const health = await fetch(`${url}/healthz`);
    if (health.status !== 200) throw new Error(`Verdict in workerd: /healthz answered ${health.status}`);
    return {
      url,
      port: Number(new URL(url).port),
      mf,
      restart: async () => {
        await mf.setOptions(mfOptions);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
