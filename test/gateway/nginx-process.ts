/// <reference types="node" />
// Real nginx for the gateway tests: the documented config (examples/gateways/nginx.conf) with
// only its three placeholders substituted, inside a minimal server block, run in the
// foreground from a throwaway prefix directory (pid, logs and temp paths all inside it) on a
// free loopback port.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerTeardown } from '../helpers/teardown';

export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../examples/gateways/nginx.conf', import.meta.url));

export type RunningNginx = { port: number; dir: string; errorLog: () => string; close: () => Promise<void> };

/** The nginx binary: $NGINX_BIN if set (and only it), else `nginx` on PATH, else Debian's /usr/sbin/nginx. */
export function findNginx(): string {
  const candidates = process.env.NGINX_BIN
    ? [process.env.NGINX_BIN]
    : [...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'nginx')), '/usr/sbin/nginx'];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {}
  }
  throw new Error(
    `nginx not found (looked at ${candidates.join(', ')}). The gateway test runs the ` +
      "README's config in real nginx and does not skip: install it (apt-get install -y nginx; .ci/run does).",
  );
}

/** The example config with its placeholders replaced; each must occur exactly once. */
export function renderExample(verdictUrl: string, workspace: string, upstream: string): string {
  let text = readFileSync(EXAMPLE_CONFIG, 'utf8');
  for (const [placeholder, value] of [
    ['https://verdict.example.com', verdictUrl],
    ['/workspaces/acme/', `/workspaces/${workspace}/`],
    ['http://app;', `${upstream};`],
  ] as const) {
    const parts = text.split(placeholder);
    if (parts.length !== 2) throw new Error(`${EXAMPLE_CONFIG}: expected "${placeholder}" exactly once`);
    text = parts.join(value);
  }
  return text;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Starts nginx with `locations` (the rendered example) in a server block that 404s everything else. */
export async function startNginx(locations: string): Promise<RunningNginx> {
  const bin = findNginx();
  // The free port is found before nginx binds it; another process may take it in between.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, locations);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('Address already in use')) throw err;
    }
  }
}

async function startOnce(bin: string, locations: string): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-gateway-nginx-'));
  // nginx started as root runs its workers as `nobody`, who must reach the temp paths.
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'verdict.conf'), locations);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
    include ${dir}/verdict.conf;
    location / { return 404; }
  }
}
`,
  );
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(null));
  });
  // nginx exists from here on: registered before its port is awaited (../helpers/teardown.ts).
  const close = registerTeardown(
    'nginx',
    async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
    { pid: child.pid },
  );
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const started = Date.now();
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() - started > 10_000) {
      child.kill('SIGKILL');
      const log = errorLog();
      await close();
      throw new Error(`nginx did not start (exit ${child.exitCode}): ${stderr}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    dir,
    errorLog,
    close,
  };
}
