// The console's build: Preact + CodeMirror 6 + Chart.js bundled by Vite into the Worker's
// static assets (public/console), served from this deployment only. No inline script or
// style in the output (the page runs under script-src/style-src 'self'), hashed file names
// (immutable caching), and the SDK from source, so the console's data layer is exactly the
// SDK package's code and builds without building the SDK first.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const markdownLite = fileURLToPath(new URL('./src/markdown-lite.ts', import.meta.url));

export default defineConfig({
  plugins: [
    {
      // Bundle size: codemirror-json-schema pulls in a markdown renderer (markdown-it +
      // Shiki) and YAML and JSON5 parsers for modes we never use. We edit JSON only: the
      // renderer becomes src/markdown-lite.ts and the parser table the JSON parser alone.
      // Measured (minified): the editor chunk 894 KB + 226 KB of Shiki chunks without
      // this, 532 KB with it (README, "The console").
      name: 'verdict:codemirror-json-schema-json-only',
      enforce: 'pre',
      resolveId(source, importer) {
        if (!importer?.includes('codemirror-json-schema')) return null;
        if (/\/utils\/markdown(\.js)?$/.test(source)) return markdownLite;
        if (/^\.\.\/parsers(\/index(\.js)?)?$/.test(source))
          return `\0json-only-parser:${join(dirname(importer), '..', 'parsers', 'json-parser.js')}`;
        return null;
      },
      load(id) {
        if (!id.startsWith('\0json-only-parser:')) return null;
        const jsonParser = JSON.stringify(id.slice('\0json-only-parser:'.length));
        return `import { parseJSONDocumentState } from ${jsonParser};\nexport const getDefaultParser = () => parseJSONDocumentState;\n`;
      },
    },
  ],
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  resolve: {
    alias: { '@verdict-authz/sdk': fileURLToPath(new URL('../sdk/src/index.ts', import.meta.url)) },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../public/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: true,
    rollupOptions: {
      output: {
        // Named chunks for the two heavy libraries, shared by the pages that use them.
        manualChunks(id: string) {
          if (
            /node_modules\/(@codemirror|@lezer|codemirror|codemirror-json-schema|json-schema-library|@sagold|crelt|style-mod|w3c-keyname)\//.test(
              id,
            )
          )
            return 'editor';
          if (/node_modules\/(chart\.js|@kurkle)\//.test(id)) return 'charts';
          return undefined;
        },
      },
    },
  },
  logLevel: 'warn',
});
