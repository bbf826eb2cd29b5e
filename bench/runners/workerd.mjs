// Servers in workerd through Miniflare's API (never behind wrangler dev's Node proxy):
// Verdict with its bindings and migrations, the hello-world and floor Workers, and the
// admin calls that seed a bench workspace.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { PROFILE, ROOT, sleep } from '../lib/options.mjs';

export const ROOT_KEY = 'bench-root-key';
/**
 * The audit queue's consumer settings as wrangler.toml states them (Miniflare's API does
 * not read wrangler.toml), so the local consumer batches as a deployment would: with
 * packed messages, one consumer batch of max_batch_size messages is up to that many
 * times OUTBOX.events rows in one D1 batch.
 */
function auditConsumer() {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const block =
    toml
      .split('[[queues.consumers]]')
      .slice(1)
      .find((b) => /^\s*queue\s*=\s*"verdict-audit"\s*$/m.test(b)) ?? '';
  const int = (key, fallback) => {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*(\\d+)`, 'm').exec(block.split('[')[0]);
    return m ? Number(m[1]) : fallback;
  };
  return {
    maxBatchSize: int('max_batch_size', 100),
    maxBatchTimeout: int('max_batch_timeout', 5),
    maxRetries: int('max_retries', 5),
  };
}
export const AUDIT_CONSUMER = auditConsumer();

/** Applies the D1 migrations (migrations/*.sql, in order) to `db`. */
export async function migrate(db) {
  for (const f of readdirSync(join(ROOT, 'migrations'))
    .filter((x) => x.endsWith('.sql'))
    .sort()) {
    for (const stmt of readFileSync(join(ROOT, 'migrations', f), 'utf8').split('--> statement-breakpoint')) {
      if (stmt.trim()) await db.prepare(stmt).run();
    }
  }
}

export async function startVerdict(
  scriptPath,
  extraBindings = {},
  inspectorPort = undefined,
  { consumer = true } = {},
) {
  const t0 = performance.now();
  const options = {
    scriptPath,
    modules: true,
    compatibilityDate: '2026-04-20',
    port: 0,
    // A socket straight into the Worker, bypassing Miniflare's entry worker (a JS proxy
    // that would otherwise cost every request more than hello-world's whole handler).
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    ...(PROFILE ? { inspectorPort } : {}),
    d1Databases: { DB: 'bench-db' },
    kvNamespaces: ['CACHE'],
    queueProducers: { AUDIT_QUEUE: 'verdict-audit' },
    // Without a consumer the broker only keeps the messages: the request path's share of
    // audit (events built, packed, sent) without the consumer and D1 work that run
    // elsewhere on Cloudflare but in this process locally.
    queueConsumers: consumer
      ? { 'verdict-audit': { ...AUDIT_CONSUMER, deadLetterQueue: 'verdict-audit-dlq' } }
      : {},
    bindings: {
      ROOT_API_KEY: ROOT_KEY,
      DEV_IDP: 'false',
      ALLOW_HTTP_ISSUERS: 'true',
      POLICY_REVALIDATE_MS: '5000',
      ...extraBindings,
    },
  };
  const mf = new Miniflare(options);
  const url = (await mf.ready).toString().replace(/\/$/, '');
  await migrate(await mf.getD1Database('DB'));
  await firstOk(`${url}/healthz`);
  const direct = (await mf.unsafeGetDirectURL()).toString().replace(/\/$/, '');
  return { mf, options, url, direct, inspectorPort, startupMs: performance.now() - t0 };
}

export async function startHello(scriptPath, inspectorPort = undefined, extraOptions = {}) {
  const t0 = performance.now();
  const mf = new Miniflare({
    scriptPath,
    modules: true,
    compatibilityDate: '2026-04-20',
    port: 0,
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    ...(PROFILE ? { inspectorPort } : {}),
    ...extraOptions,
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  await firstOk(url);
  const direct = (await mf.unsafeGetDirectURL()).toString().replace(/\/$/, '');
  return { mf, url, direct, inspectorPort, startupMs: performance.now() - t0 };
}

export async function firstOk(url) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {}
    await sleep(25);
  }
  throw new Error(`${url} never answered 200`);
}

export async function api(url, method, path, key, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// The seed policy has one source, src/contract/seed-policy.ts; this example file is held
// byte-equal to it (test/unit/seed-policy.test.ts) and is what a plain-Node script can read.
const ORDER_POLICY = JSON.parse(readFileSync(join(ROOT, 'examples/policies/order_approval.json'), 'utf8'));

/** The seed's identity provider, as every bench workspace registers it. */
export const benchProvider = (issuer) => ({
  name: 'bench-idp',
  type: 'oidc',
  issuer,
  audiences: ['verdict'],
  algorithms: ['RS256', 'ES256'],
  claimMappings: [
    { jwtPath: 'role', attribute: 'role', required: false, defaultValue: 'employee' },
    { jwtPath: 'approval_limit', attribute: 'approval_limit', required: false, defaultValue: 0 },
  ],
});

/** Creates the "bench" workspace (seed provider, policy and binding); resolves to its admin key. */
export async function seedVerdict(url, issuer) {
  const created = await api(url, 'POST', '/v1/workspaces', ROOT_KEY, { id: 'bench', name: 'Bench' });
  const key = created.data.apiKey.key;
  await api(url, 'POST', '/v1/workspaces/bench/auth-providers', key, benchProvider(issuer));
  await api(url, 'PUT', '/v1/workspaces/bench/policies/order_approval', key, ORDER_POLICY);
  await api(url, 'PUT', '/v1/workspaces/bench/permissions', key, {
    resource: 'orders',
    action: 'approve',
    policies: ['order_approval'],
  });
  return key;
}
