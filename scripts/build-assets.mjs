// Static assets the Worker serves (wrangler.toml [assets] → public/), so /docs and /console
// work offline and under a strict Content-Security-Policy (no CDN):
// - public/docs: the API reference's JavaScript and CSS from the pinned swagger-ui-dist;
// - public/console: the console (console/, Preact + CodeMirror + Chart.js) built by Vite;
// - public/_headers: the console's security headers (Workers static assets apply them to
//   the files they serve; the Worker never runs for those requests).
// Runs on install (prepare), before dev and before tests; public/ is generated, not committed.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const swagger = dirname(require.resolve('swagger-ui-dist/package.json'));
const docs = join(root, 'public', 'docs');
mkdirSync(docs, { recursive: true });
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css'])
  copyFileSync(join(swagger, file), join(docs, file));
// The page's one script, as a file: the CSP allows scripts from 'self' only.
writeFileSync(
  join(docs, 'init.js'),
  `window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true, tryItOutEnabled: true });
});
`,
);

const { build } = await import('vite');
await build({ configFile: join(root, 'console', 'vite.config.ts') });

// Only this origin, nothing inline, no framing, no form posts, no referrer: the API key
// lives in this page's sessionStorage, so nothing else may run in or embed it.
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
const consoleHeaders = [
  `  Content-Security-Policy: ${CONSOLE_CSP}`,
  '  X-Content-Type-Options: nosniff',
  '  Referrer-Policy: no-referrer',
  '  X-Frame-Options: DENY',
  '  Cross-Origin-Opener-Policy: same-origin',
].join('\n');
writeFileSync(
  join(root, 'public', '_headers'),
  `/console
${consoleHeaders}
/console/*
${consoleHeaders}
/console/assets/*
  Cache-Control: public, max-age=31536000, immutable
`,
);
