// Static assets the Worker serves (wrangler.toml [assets] → public/): the API reference's
// JavaScript and CSS from the pinned swagger-ui-dist package, so /docs works offline and
// under a strict Content-Security-Policy (no CDN). Runs on install (prepare), before dev
// and before tests; public/ is generated, not committed.
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
