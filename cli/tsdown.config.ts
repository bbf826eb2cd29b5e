// One ESM file with everything inside (zod, citty, picocolors, diff, the SDK and the
// engine from src/policy): the CLI starts by reading one module and installs with no
// dependencies. Measured start: see README (verdict --version).
import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsdown';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  entry: { verdict: 'src/main.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  outExtensions: () => ({ js: '.mjs' }),
  dts: false,
  clean: true,
  noExternal: [/.*/],
  minify: true,
  define: { __VERSION__: JSON.stringify(version) },
  // The SDK from source: the CLI builds without building the SDK first.
  alias: { '@verdict-authz/sdk': new URL('../sdk/src/index.ts', import.meta.url).pathname },
});
