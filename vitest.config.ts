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
                },
              },
            }),
          ],
          test: {
            name: 'workers',
            include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
            setupFiles: ['./test/setup/apply-migrations.ts'],
            globalSetup: ['./test/setup/idp-server.ts'],
          },
        },
      ],
    },
  };
});
