// Copies .dev.vars.example to .dev.vars on a fresh clone so `npm run dev`, the tests and
// `wrangler types` see the same local-only variables. Never overwrites an existing file.
import { copyFileSync, existsSync } from 'node:fs';

if (!existsSync('.dev.vars')) copyFileSync('.dev.vars.example', '.dev.vars');
