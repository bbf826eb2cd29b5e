// The demo workspace the e2e tests use (what `npm run dev` seeds through POST /dev-idp/demo),
// created before each test file; idempotent.
import { env } from 'cloudflare:workers';
import { seedDemo } from '../../src/admin/demo';

await seedDemo(env);
