/** /healthz, /openapi.json and the interactive reference at /docs. */
import { createRoute, z } from '@hono/zod-openapi';
import { router } from '../openapi';

export const metaRoutes = router();

metaRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/healthz',
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

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Verdict API reference</title>
</head>
<body>
  <noscript>The interactive reference needs JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <script id="api-reference" data-url="/openapi.json"></script>
  <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1"></script>
</body>
</html>`;

metaRoutes.get('/docs', (c) =>
  c.html(DOCS_HTML, 200, {
    'content-security-policy':
      "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; font-src https://fonts.gstatic.com https://cdn.jsdelivr.net data:; img-src 'self' data: https:; connect-src 'self'",
  }),
);
