import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  return {
    test: {
      projects: [
        {
          test: {
            name: 'unit',
            include: ['test/unit/**/*.test.ts'],
            environment: 'node',
          },
        },
        {
          plugins: [
            cloudflareTest({
              main: './src/index.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ROOT_API_KEY: 'test-root-key',
                  DEV_IDP: 'true',
                  ALLOW_HTTP_ISSUERS: 'true',
                  DEMO_ADMIN_KEY: 'vk_demo_admin_key_for_local_use_only',
                  POLICY_REVALIDATE_MS: '200',
                  // Small enough that test/integration/impact.test.ts crosses both limits.
                  IMPACT_INLINE_MAX: '100',
                  IMPACT_CHUNK: '40',
                },
                serviceBindings: { GATEWAY: 'gateway', FLAKY: 'flaky' },
                workers: [
                  {
                    // A gateway Worker calling Verdict over a service binding (RPC), as in the README.
                    name: 'gateway',
                    modules: true,
                    compatibilityDate: '2026-04-20',
                    serviceBindings: {
                      VERDICT: { name: 'vitest-pool-workers-runner-workers', entrypoint: 'VerdictRpc' },
                    },
                    script: `export default {
                      async fetch(request, env) {
                        const ws = request.headers.get('x-workspace');
                        const token = (request.headers.get('authorization') || '').replace(/^Bearer /, '') || undefined;
                        const body = await request.json();
                        if (new URL(request.url).pathname === '/route') {
                          // The request it is about to forward: { method, url, ip } (url kept as raw text).
                          const answer = await env.VERDICT.authorizeRequest(ws, { token, ...body });
                          return Response.json(answer);
                        }
                        const decision = await env.VERDICT.authorize(ws, { token, ...body });
                        return Response.json(decision, { status: decision.allowed ? 200 : 403 });
                      },
                    };`,
                  },
                  {
                    // Answers 503 to odd-numbered requests, then 200: for the SDK's retry tests.
                    name: 'flaky',
                    modules: true,
                    compatibilityDate: '2026-04-20',
                    script: `let n = 0;
                    export default {
                      async fetch(request) {
                        n++;
                        const url = new URL(request.url);
                        if (url.pathname.endsWith('/reset')) { n = 0; return new Response('ok'); }
                        if (url.pathname.includes('/always500')) {
                          return new Response(JSON.stringify({ status: 500, code: 'internal', detail: 'boom' }), { status: 500, headers: { 'content-type': 'application/problem+json' } });
                        }
                        if (url.pathname.includes('/slow')) { await new Promise((r) => setTimeout(r, 2000)); }
                        if (n % 2 === 1) {
                          return new Response(JSON.stringify({ status: 503, code: 'unavailable', detail: 'try later' }), { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '0' } });
                        }
                        return Response.json({ data: { allowed: true, decision: 'Allow', decisionId: 'dec_flaky_' + n, policy: 'p', policyVersion: 1, ruleId: 'r', reasons: [], subject: 'u' } });
                      },
                    };`,
                  },
                ],
              },
            }),
          ],
          test: {
            name: 'workers',
            include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
            setupFiles: ['./test/setup/apply-migrations.ts', './test/setup/seed-demo.ts'],
            globalSetup: ['./test/setup/idp-server.ts'],
          },
        },
        {
          test: {
            // Whole systems, driven from Node: real nginx running examples/gateways/nginx.conf in
            // front of Verdict in workerd, and the audit fault soak (Verdict behind a harness
            // injecting platform faults). Workerd is started through Miniflare's API.
            name: 'system',
            include: ['test/gateway/**/*.test.ts', 'test/soak/**/*.test.ts', 'test/system/**/*.test.ts'],
            environment: 'node',
            // Drains test/helpers/teardown.ts after every suite: no process outlives its suite.
            setupFiles: ['./test/setup/teardown.ts'],
            hookTimeout: 60_000,
            testTimeout: 60_000,
          },
        },
      ],
    },
  };
});
