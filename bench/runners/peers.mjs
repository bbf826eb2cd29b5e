// The peers Verdict is compared with: a Cerbos PDP (with or without decision logs) and an
// Express + jsonwebtoken server, each in its own process.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, OUT, ROOT } from '../lib/options.mjs';
import { firstOk } from './workerd.mjs';

/**
 * A Cerbos PDP. With `decisionLog`, it writes a decision log entry per check to that file
 * (the audit block of Cerbos 0.51's config: backend `file`, decision logs on, access logs
 * off), like Verdict's audit writes a row per decision.
 */
export async function startCerbos(issuer, { name = 'cerbos', decisionLog = null } = {}) {
  const peers = join(ROOT, 'bench/.peers');
  const bin = join(peers, 'node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64');
  if (!existsSync(bin)) {
    log('peers: installing the Cerbos PDP (npm package "cerbos") into bench/.peers');
    mkdirSync(peers, { recursive: true });
    execFileSync(
      'npm',
      ['install', '--prefix', peers, '--no-save', '--no-audit', '--no-fund', 'cerbos@0.51.0'],
      { stdio: 'ignore' },
    );
  }
  const dir = join(OUT, name);
  mkdirSync(join(dir, 'policies'), { recursive: true });
  if (decisionLog) writeFileSync(decisionLog, '');
  writeFileSync(
    join(dir, 'policies/orders.yaml'),
    `apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: orders
  rules:
    - actions: ['approve']
      effect: EFFECT_ALLOW
      roles: ['*']
      condition:
        match:
          any:
            of:
              - expr: request.aux_data.jwt.role == "manager"
              - expr: int(request.resource.attr.amount) <= int(request.aux_data.jwt.approval_limit)
`,
  );
  const port = 30000 + Math.floor(Math.random() * 20000);
  writeFileSync(
    join(dir, 'config.yaml'),
    `server:
  httpListenAddr: "127.0.0.1:${port}"
  grpcListenAddr: "127.0.0.1:${port + 1}"
storage:
  driver: disk
  disk:
    directory: ${join(dir, 'policies')}
auxData:
  jwt:
    keySets:
      - id: default
        remote:
          url: ${issuer}/jwks
${
  decisionLog
    ? `audit:
  enabled: true
  accessLogsEnabled: false
  decisionLogsEnabled: true
  backend: file
  file:
    path: ${decisionLog}
`
    : `audit:
  enabled: false
`
}`,
  );
  const child = spawn(bin, ['server', `--config=${join(dir, 'config.yaml')}`, '--log-level=error'], {
    env: { ...process.env, GOMAXPROCS: '1' },
    stdio: 'ignore',
  });
  child.on('error', (err) => log(`peers: cerbos: ${err.message}`));
  const url = `http://127.0.0.1:${port}`;
  await firstOk(`${url}/_cerbos/health`);
  return { child, url, decisionLog };
}

export async function startExpress(issuer) {
  const port = 30000 + Math.floor(Math.random() * 20000);
  const child = spawn('node', [join(ROOT, 'bench/peers/express-server.mjs')], {
    env: { ...process.env, JWKS_URL: `${issuer}/jwks`, ISSUER: issuer, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => child.stdout.once('data', r));
  return { child, url: `http://127.0.0.1:${port}` };
}
