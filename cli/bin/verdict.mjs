#!/usr/bin/env node
// The verdict CLI. The code is one bundled file (dist/verdict.mjs: fast to start, no
// dependencies to install); this launcher says how to build it when it is missing.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/verdict.mjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'verdict: the CLI is not built; run `npm run build -w @verdict-authz/cli` (npm install does it)\n',
  );
  process.exit(2);
}
await import(entry.href);
