// The SDK as a user gets it: build, `npm pack`, lint the package (publint, Are The Types
// Wrong), install the tarball into a scratch project, import it from plain Node and make
// a real call, and typecheck a consumer under NodeNext and Bundler resolution with
// exactOptionalPropertyTypes and without Workers types. CI runs this (npm run check -w
// @verdict-authz/sdk); it exits non-zero on the first failure. Last, the example app
// (examples/order-approval) runs from a scratch copy with the tarball installed, as its own
// Worker against a local Verdict.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startDevServer } from '../../scripts/walkthrough.mjs';

const sdk = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(sdk, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, cwd) => {
  console.log(`$ ${[cmd, ...args].join(' ')}${cwd === sdk ? '' : `   (in ${cwd})`}`);
  return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
};

run('npm', ['run', 'build'], sdk);
const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmpdir()], sdk))[0];
const tarball = join(tmpdir(), packed.filename);
const files = packed.files.map((f) => f.path).sort();
console.log(`packed ${packed.filename}: ${files.length} files, ${packed.size} bytes`);
const stray = files.filter((f) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(f));
if (stray.length > 0)
  throw new Error(`the package ships more than dist, README and LICENSE: ${stray.join(', ')}`);

run(bin('publint'), ['--strict', sdk], sdk);
// On the tarball itself (attw's own --pack reads npm pack's JSON, whose shape npm 11 changed).
run(bin('attw'), [tarball, '--profile', 'esm-only'], sdk);

const scratch = mkdtempSync(join(tmpdir(), 'verdict-sdk-consumer-'));
try {
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], scratch);
  // hono, for the middleware's types only (an optional peer): the workspace's copy.
  symlinkSync(join(root, 'node_modules', 'hono'), join(scratch, 'node_modules', 'hono'), 'dir');

  // Plain Node: import, and one real call to a loopback server answering as Verdict does.
  writeFileSync(
    join(scratch, 'run.mjs'),
    `import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import { VerdictClient, VerdictError } from '@verdict-authz/sdk';
const decision = { allowed: true, decision: 'Allow', decisionId: 'dec_1', policy: 'p', policyVersion: 1, ruleId: 'r', reasons: [], subject: 'u' };
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    assert.equal(req.url, '/v1/workspaces/acme/authorize');
    assert.equal(req.headers.authorization, 'Bearer t0k3n');
    assert.deepEqual(JSON.parse(body), { resource: 'orders', action: 'approve', context: { amount: 5 } });
    res.writeHead(body.includes('"amount":5') ? 200 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: decision }));
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const client = new VerdictClient({ baseUrl: 'http://127.0.0.1:' + server.address().port, workspaceId: 'acme', token: 't0k3n' });
const { data } = await client.checkAuthorization({ resource: 'orders', action: 'approve', context: { amount: 5 } });
assert.deepEqual(data, decision);
assert.equal(typeof VerdictError, 'function');
server.close();
console.log('plain Node: import and call ok');
`,
  );
  run(process.execPath, ['run.mjs'], scratch);

  // Types as a consumer sees them.
  mkdirSync(join(scratch, 'src'));
  writeFileSync(
    join(scratch, 'src', 'use.ts'),
    `import { VerdictClient, VerdictError, type Decision, type PolicyDocument, type RecordPage } from '@verdict-authz/sdk';
import { verdictAuthorize } from '@verdict-authz/sdk/hono';
const client = new VerdictClient({ baseUrl: 'https://v.example', workspaceId: 'acme', apiKey: 'vk_x' });
export async function use(): Promise<boolean> {
  const d: Decision = (await client.checkAuthorization({ resource: 'orders', action: 'approve' })).data;
  const page: RecordPage = await client.queryRecords('orders', { where: { status: 'pending' }, page: { limit: 10 } });
  const policy: PolicyDocument = { name: 'p', specification: { rules: [], default: { rule_id: 'd', effect: 'Deny' } } };
  await client.putPolicy('p', policy);
  verdictAuthorize({ client, resource: 'orders', action: 'approve' });
  return d.allowed && page.data.length >= 0 && !(d instanceof VerdictError);
}
`,
  );
  for (const [module, moduleResolution] of [
    ['NodeNext', 'NodeNext'],
    ['ESNext', 'Bundler'],
  ]) {
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module,
          moduleResolution,
          lib: ['ES2022', 'DOM'],
          types: [],
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
          skipLibCheck: false,
        },
        include: ['src'],
      }),
    );
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], scratch);
    console.log(`types: ok under ${moduleResolution}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

try {
  await checkExample();
} finally {
  rmSync(tarball, { force: true });
}
console.log('SDK package: ok');

/**
 * examples/order-approval as a user runs it: copied out of the repository, the tarball
 * installed in place of the registry's version, its own wrangler.toml, and a local Verdict
 * (`wrangler dev` with the demo workspace). The employee approves order-1; order-2 is a 403
 * that names no rule, limit or value.
 */
async function checkExample() {
  const app = mkdtempSync(join(tmpdir(), 'verdict-example-app-'));
  const stops = [];
  try {
    cpSync(join(root, 'examples', 'order-approval'), app, { recursive: true });
    // The SDK from the tarball; hono from the npm cache when it is there (npm ci filled it).
    run(
      'npm',
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', tarball],
      app,
    );
    const installed = JSON.parse(
      readFileSync(join(app, 'node_modules', '@verdict-authz', 'sdk', 'package.json'), 'utf8'),
    );
    if (installed.version !== packed.version) throw new Error('the example did not install the packed SDK');

    const verdict = await startDevServer();
    stops.push(verdict.stop);
    const port = await freePort();
    const inspector = await freePort();
    // The example's own config, from its own folder: none of Verdict's bindings.
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
        'dev',
        '--port',
        String(port),
        '--inspector-port',
        String(inspector),
        '--var',
        `VERDICT_URL:http://localhost:${verdict.port}`,
      ],
      {
        cwd: app,
        env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
        stdio: 'ignore',
        detached: true,
      },
    );
    const exited = new Promise((r) => child.once('exit', r));
    stops.push(async () => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGTERM');
      } catch {}
      await exited;
    });
    const base = `http://localhost:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/api/orders`)).ok) break;
      } catch {}
      if (i > 240) throw new Error('the example app did not start');
      await new Promise((r) => setTimeout(r, 250));
    }

    const mint = await fetch(`http://localhost:${verdict.port}/dev-idp/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'employee' }),
    });
    const { access_token: token } = await mint.json();
    const approve = (id, auth = `Bearer ${token}`) =>
      fetch(`${base}/api/orders/${id}/approve`, { method: 'POST', headers: { authorization: auth } });

    const allowed = await approve('order-1');
    const allowedBody = await allowed.json();
    if (allowed.status !== 200 || allowedBody.order?.status !== 'approved' || !allowedBody.decisionId) {
      throw new Error(`order-1: expected 200 approved, got ${allowed.status} ${JSON.stringify(allowedBody)}`);
    }
    const denied = await approve('order-2');
    const deniedText = await denied.text();
    if (
      denied.status !== 403 ||
      !denied.headers.get('content-type')?.startsWith('application/problem+json')
    ) {
      throw new Error(`order-2: expected a 403 problem, got ${denied.status} ${deniedText}`);
    }
    const denial = JSON.parse(deniedText);
    const said = Object.keys(denial).filter(
      (k) => !['type', 'title', 'status', 'detail', 'decisionId'].includes(k),
    );
    if (!denial.decisionId || said.length > 0 || /within-limit|approval_limit/.test(deniedText)) {
      throw new Error(`order-2: the 403 must carry a decision id and no policy reasons: ${deniedText}`);
    }
    const anonymous = await approve('order-1', '');
    if (anonymous.status !== 401) throw new Error(`no token: expected 401, got ${anonymous.status}`);
    console.log('example app: the packed SDK approves order-1 (200) and denies order-2 (403, no reasons)');
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(app, { recursive: true, force: true });
  }
}
