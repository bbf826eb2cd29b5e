/** /healthz, the published JSON Schemas, /openapi.json and the interactive reference at /docs. */
import { createRoute, z } from '@hono/zod-openapi';
import { jsonSchemaOf, PUBLISHED_SCHEMAS, type PublishedSchemaName } from '../../contract';
import { notFound } from '../../lib/errors';
import { router } from '../openapi';

export const metaRoutes = router();

metaRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    tags: ['Meta'],
    summary: 'Liveness',
    responses: {
      200: {
        description: 'The Worker is up',
        content: {
          'application/json': { schema: z.object({ status: z.literal('ok'), version: z.string() }) },
        },
      },
    },
  }),
  (c) => c.json({ status: 'ok' as const, version: '1' }, 200),
);

const SchemaName = z.enum(Object.keys(PUBLISHED_SCHEMAS) as [PublishedSchemaName, ...PublishedSchemaName[]]);

metaRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/schemas/{file}',
    operationId: 'getJsonSchema',
    tags: ['Meta'],
    summary:
      'A published JSON Schema (policy, provider, test, config, permissions, routes) for editors: name it in "$schema"',
    request: {
      params: z.object({
        file: z.string().openapi({ param: { name: 'file', in: 'path' }, example: 'policy.json' }),
      }),
    },
    responses: {
      200: {
        description: 'The JSON Schema (draft 2020-12), with a stable $id',
        content: { 'application/schema+json': { schema: z.record(z.string(), z.unknown()) } },
      },
      404: { description: 'No such schema' },
    },
  }),
  (c) => {
    const name = SchemaName.safeParse(c.req.valid('param').file.replace(/\.json$/, ''));
    if (!name.success) throw notFound('Schema');
    return c.body(JSON.stringify(jsonSchemaOf(name.data)), 200, {
      'content-type': 'application/schema+json',
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
    });
  },
);

// The reference's script and styles are static assets of this deployment (public/docs, copied
// from the pinned swagger-ui-dist by scripts/build-assets.mjs): no CDN, nothing inline, so
// the page works offline and under a CSP that allows only this origin.
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Verdict API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css" />
</head>
<body>
  <noscript>The interactive reference needs JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <div id="reference"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

metaRoutes.get('/docs', (c) =>
  c.html(DOCS_HTML, 200, {
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  }),
);
