// The SDK's build: ESM and declarations, no runtime dependencies bundled or required
// (hono is only imported as types by the middleware).
import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: { index: 'src/index.ts', hono: 'src/hono.ts' },
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  dts: true,
  clean: true,
  outDir: 'dist',
  sourcemap: false,
  external: ['hono'],
});
