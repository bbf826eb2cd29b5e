/// <reference types="node" />
// The verdict CLI as users run it: the built bin (cli/bin/verdict.mjs → dist), in scratch
// folders, offline (init, validate, test with coverage and JUnit, every kind of bad
// input) and against `wrangler dev` (push with a plan, pull, token, authorize, tail,
// explain); and the packed package installed from its tarball.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from './dev-server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'cli', 'bin', 'verdict.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'verdict-cli-test-'));
const CONFIG_DIR = join(scratch, 'config');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Run = { code: number | null; stdout: string; stderr: string };

function verdict(args: string[], cwd: string, env: Record<string, string> = {}, input?: string): Run {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VERDICT_')));
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...clean, NO_COLOR: '1', VERDICT_CONFIG_DIR: CONFIG_DIR, ...env },
    ...(input === undefined ? {} : { input }),
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh folder under the scratch root. */
let n = 0;
const folder = (name: string) => {
  const dir = join(scratch, `${++n}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const write = (dir: string, file: string, value: unknown) => {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
};

/** A one-line failure: the message, its details, and never a stack trace. */
function expectOneLineError(r: Run, code: number, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  const [first, ...rest] = r.stderr.trim().split('\n');
  expect(first).toMatch(/^verdict: /);
  expect(first).toMatch(pattern);
  for (const line of rest) expect(line).toMatch(/^ {2}\S/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('offline', () => {
  it('init --template order-approval, then test: the seed’s cases pass with full coverage', () => {
    const dir = folder('template');
    const init = verdict(['init', '--template', 'order-approval'], dir);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'policies/order_approval.json'), 'utf8')).$schema).toBe(
      '../schemas/policy.json',
    );
    expect(JSON.parse(readFileSync(join(dir, 'schemas/policy.json'), 'utf8')).$id).toBe(
      'https://verdict.dev/schemas/policy.json',
    );
    const run = verdict(['test'], dir);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('✓ an employee cannot approve order-2 ($5,000) Deny by order_approval/deny');
    expect(run.stdout).toContain('coverage 100.0% (7/7 items)');
    expect(run.stdout).toMatch(/10 passed/);
    const validate = verdict(['validate'], dir);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('1 policies, 1 providers, 1 bindings, 1 routes, 1 test files: valid');
  });

  // A small policy whose coverage is counted by hand: rule a (2 conditions), rule b (1), a default.
  const small = (dir: string, tests: unknown[]) => {
    write(dir, 'verdict.json', { workspace: 'small' });
    write(dir, 'providers/idp.json', {
      name: 'IdP',
      type: 'oidc',
      issuer: 'https://idp.example.com',
      claimMappings: [
        { jwtPath: 'role', attribute: 'role', defaultValue: 'staff' },
        { jwtPath: 'blocked', attribute: 'blocked' },
        { jwtPath: 'tier', attribute: 'tier', required: true },
      ],
    });
    write(dir, 'policies/p.json', {
      name: 'p',
      specification: {
        rules: [
          {
            rule_id: 'a',
            effect: 'Allow',
            conditions: [
              { function: 'string_equal', attribute: 'ext_role', value: 'buyer' },
              {
                function: 'integer_less_equal',
                attribute: 'request_metadata',
                metadata_key: 'amount',
                value: 10,
              },
            ],
          },
          {
            rule_id: 'b',
            effect: 'Deny',
            conditions: [{ function: 'boolean_equal', attribute: 'ext_blocked', value: true }],
          },
        ],
        default: { rule_id: 'no', effect: 'Deny' },
      },
    });
    write(dir, 'permissions.json', [{ resource: 'shop', action: 'buy', policies: ['p'] }]);
    write(dir, 'tests/p.test.json', {
      name: 'small',
      principals: {
        buyer: { claims: { sub: 'u1', role: 'buyer', tier: 'gold' } },
        guest: { claims: { sub: 'u2' } },
      },
      tests,
    });
  };

  /** A case of the small shop policy: `principal` buys for `amount`. */
  const buy = (name: string, principal: string, amount: number, expected: 'Allow' | 'Deny') => ({
    name,
    principal,
    resource: 'shop',
    action: 'buy',
    context: { amount },
    expect: expected,
  });

  it('coverage, counted by hand: rules matched, conditions seen true and false, defaults decided', () => {
    const dir = folder('coverage');
    small(dir, [buy('buyer buys 5', 'buyer', 5, 'Allow')]);
    // a matched (a[0] true, a[1] true); b: ext_blocked absent → b[0] false; the default never decided.
    // Rules 1/2, conditions 3/6 (a[0] false, a[1] false, b[0] true missing), default 0/1: 4/9 = 44.4 %.
    const run = verdict(['test', '--reporter', 'json', '--coverage-json', 'cov.json'], dir);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout).coverage;
    expect(report).toMatchObject({ covered: 4, total: 9, percent: 44.4 });
    expect(report.policies[0]).toMatchObject({
      rules: { covered: 1, total: 2 },
      conditions: { covered: 3, total: 6 },
      defaults: { covered: 0, total: 1 },
    });
    expect(JSON.parse(readFileSync(join(dir, 'cov.json'), 'utf8'))).toEqual(report);

    const gate = verdict(['test', '--min-coverage', '50'], dir);
    expectOneLineError(gate, 1, /coverage 44\.4% is below --min-coverage 50%/);
    for (const item of [
      'p: rule b never matched',
      'p: rule a condition 0 (string_equal ext_role) never false',
      'p: rule a condition 1 (integer_less_equal request_metadata.amount) never false',
      'p: rule b condition 0 (boolean_equal ext_blocked) never true',
      'p: default no never decided',
    ])
      expect(gate.stderr).toContain(item);
    expect(verdict(['test', '--min-coverage', '44'], dir).code).toBe(0);
  });

  it('a principal without a required mapped claim fails with the claim and the mapping named', () => {
    const dir = folder('claims');
    small(dir, [buy('guest buys', 'guest', 1, 'Deny')]);
    const run = verdict(['test'], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'principal "guest" lacks the claim "tier", which provider "IdP" requires (mapped to ext_tier): a real token without it is refused',
    );
  });

  it('a failing case says what differed and why, naming claims the principal lacks', () => {
    const dir = folder('failing');
    small(dir, [
      {
        name: 'buyer buys 50',
        principal: 'buyer',
        resource: 'shop',
        action: 'buy',
        context: { amount: 50 },
        expect: { decision: 'Allow', rule: 'a' },
      },
    ]);
    const run = verdict(['test'], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('expected Allow, got Deny by p/no');
    expect(run.stdout).toContain('expected rule a, got no');
    expect(run.stdout).toContain('principal "buyer" has no claim "blocked", so ext_blocked is absent');
    expect(run.stdout).toContain('request_metadata.amount (50) does not satisfy');
    expect(run.stderr).toMatch(/^verdict: 1 test\(s\) failed\n$/);
  });

  it('--reporter junit is valid XML with one testcase per case, failures explained', () => {
    const dir = folder('junit');
    small(dir, [
      buy('buyer buys 5', 'buyer', 5, 'Allow'),
      buy('buyer buys <50> & "more"', 'buyer', 50, 'Allow'),
    ]);
    write(dir, 'tests/q.test.json', {
      name: 'matrix',
      principals: {
        buyer: { claims: { role: 'buyer', tier: 't' } },
        other: { claims: { role: 'x', tier: 't' } },
      },
      matrix: [
        {
          name: 'm',
          principals: ['buyer', 'other'],
          resource: 'shop',
          action: 'buy',
          cases: [{ name: 'small', context: { amount: 1 }, expect: { buyer: 'Allow', other: 'Deny' } }],
        },
      ],
    });
    const run = verdict(['test', '--reporter', 'junit'], dir);
    expect(run.code).toBe(1);
    expect(XMLValidator.validate(run.stdout)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(run.stdout);
    const suites = doc.testsuites.testsuite as {
      '@_name': string;
      testcase: { '@_name': string; failure?: unknown }[];
    }[];
    expect(suites.map((s) => s['@_name'])).toEqual(['tests/p.test.json', 'tests/q.test.json']);
    expect(suites.flatMap((s) => s.testcase).map((t) => t['@_name'])).toEqual([
      'buyer buys 5',
      'buyer buys <50> & "more"',
      'm › small › buyer',
      'm › small › other',
    ]);
    expect(
      suites
        .flatMap((s) => s.testcase)
        .filter((t) => t.failure)
        .map((t) => t['@_name']),
    ).toEqual(['buyer buys <50> & "more"']);
    expect(doc.testsuites['@_tests']).toBe('4');
    expect(doc.testsuites['@_failures']).toBe('1');
  });

  it('--filter runs only the matching cases', () => {
    const dir = folder('filter');
    small(dir, [buy('one', 'buyer', 5, 'Allow'), buy('two', 'buyer', 50, 'Allow')]);
    expect(verdict(['test', '--filter', 'one'], dir).code).toBe(0);
    expect(verdict(['test', '--filter', '/t[w]o$/'], dir).code).toBe(1);
    expectOneLineError(verdict(['test', '--filter', 'nothing'], dir), 1, /no case matches --filter nothing/);
  });

  it('bad input: one line, the right exit code, never a stack trace', () => {
    const dir = folder('bad');
    small(dir, [{ name: 'x', principal: 'buyer', resource: 'shop', action: 'buy', expect: 'Deny' }]);
    expectOneLineError(verdict(['frobnicate'], dir), 2, /unknown command "frobnicate"/);
    expectOneLineError(verdict(['test', '--frob'], dir), 2, /unknown option --frob for "verdict test"/);
    expectOneLineError(verdict(['test', '--reporter', 'xml'], dir), 2, /--reporter/);
    expectOneLineError(verdict(['test', '--min-coverage', 'lots'], dir), 2, /--min-coverage lots/);
    expectOneLineError(verdict(['authorize', 'orders'], dir), 2, /ACTION/);
    expectOneLineError(verdict(['test'], folder('empty')), 2, /no verdict\.json here or above/);
    expectOneLineError(verdict(['push', '--url', 'http://127.0.0.1:9'], dir), 2, /no API key/);
    expectOneLineError(
      verdict(['push', '--url', 'http://127.0.0.1:9', '--api-key', 'vk_x'], dir),
      4,
      /cannot reach http:\/\/127\.0\.0\.1:9/,
    );
    expectOneLineError(
      verdict(['explain', 'not-an-id', '--url', 'http://x', '--api-key', 'k'], dir),
      2,
      /not a decision id/,
    );

    write(dir, 'tests/broken.test.json', '{ "name": "b",\n  "principals": {} ');
    expectOneLineError(verdict(['test'], dir), 3, /problem\(s\) in the files/);
    expect(verdict(['test'], dir).stderr).toContain(
      "tests/broken.test.json: line 2, column 20: not JSON (Expected ',' or '}' after property value)",
    );
    write(dir, 'tests/broken.test.json', { name: 'b', principals: {}, tests: [{ name: 'no principal' }] });
    const shape = verdict(['test'], dir);
    expectOneLineError(shape, 3, /problem\(s\) in the files/);
    expect(shape.stderr).toContain('tests/broken.test.json: tests.0.principal:');
    write(dir, 'tests/broken.test.json', {
      name: 'b',
      principals: {},
      tests: [{ name: 'who', principal: 'nobody', resource: 'r', action: 'a', expect: 'Deny' }],
    });
    expectOneLineError(verdict(['test'], dir), 3, /problem\(s\) in the test files/);
    rmSync(join(dir, 'tests/broken.test.json'));

    // An invalid policy: the rule and condition are named, as the server names them.
    const policy = JSON.parse(readFileSync(join(dir, 'policies/p.json'), 'utf8'));
    policy.specification.rules[0].conditions[0].function = 'string_equals';
    write(dir, 'policies/p.json', policy);
    const bad = verdict(['validate'], dir);
    expectOneLineError(bad, 3, /problem/);
    expect(bad.stderr).toContain('policies/p.json: specification.rules.0.conditions.0.function:');
    expect(verdict(['test'], dir).code).toBe(3);
    // A type error against the claim mappings: ext_role's default is a string.
    policy.specification.rules[0].conditions[0] = {
      function: 'integer_less_equal',
      attribute: 'ext_role',
      value: 1,
    };
    write(dir, 'policies/p.json', policy);
    const typed = verdict(['validate'], dir);
    expect(typed.code).toBe(3);
    expect(typed.stderr).toMatch(
      /policies\/p\.json: specification\.rules\.0\.conditions\.0\.attribute: .*ext_role/,
    );
  });
});

describe('against a local server', () => {
  let server: { port: number; stop: () => Promise<void> };
  let url: string;
  let key: string;
  const dir = folder('remote');

  beforeAll(async () => {
    server = await startDevServer();
    url = `http://localhost:${server.port}`;
    const res = await fetch(`${url}/v1/workspaces`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-root-key', 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'cli-e2e', name: 'CLI end to end' }),
    });
    expect(res.status).toBe(201);
    key = ((await res.json()) as { data: { apiKey: { key: string } } }).data.apiKey.key;
  }, 120_000);
  afterAll(() => server?.stop());

  const admin = (path: string) =>
    fetch(`${url}/v1/workspaces/cli-e2e${path}`, { headers: { authorization: `Bearer ${key}` } }).then(
      (r) => r.json() as Promise<{ data: unknown[] }>,
    );

  it('workspace create: a workspace from the root key, its admin key saved as a profile and never printed; a workspace key or a taken id is refused', async () => {
    const wdir = folder('workspace-create');
    const made = verdict(
      ['workspace', 'create', 'cli-made', '--url', url, '--root-key', 'dev-root-key', '--profile', 'made'],
      wdir,
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('workspace "cli-made" created');
    expect(made.stdout).not.toMatch(/vk_[a-z0-9]+_/);
    // The saved key works for that workspace: push an init'd project with the profile.
    expect(
      verdict(['init', '--template', 'order-approval', '--workspace', 'cli-made', '--url', url], wdir).code,
    ).toBe(0);
    const pushed = verdict(['push', '--profile', 'made'], wdir);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain('✓ pushed to cli-made');
    // A workspace key is not the root key; the same id again is a conflict.
    expectOneLineError(
      verdict(['workspace', 'create', 'cli-made-2', '--url', url, '--root-key', key], wdir),
      4,
      /401/,
    );
    expectOneLineError(
      verdict(['workspace', 'create', 'cli-made', '--url', url, '--root-key', 'dev-root-key'], wdir),
      1,
      /409/,
    );
  });

  it('init → login → push --dry-run (writes nothing) → push → test → token → authorize → tail → explain', async () => {
    expect(
      verdict(['init', '--template', 'order-approval', '--workspace', 'cli-e2e', '--url', url], dir).code,
    ).toBe(0);

    const login = verdict(['login', '--url', url, '--workspace', 'cli-e2e'], dir, {}, key);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout + login.stderr).not.toContain(key);
    expect(statSync(join(CONFIG_DIR, 'profiles.json')).mode & 0o777).toBe(0o600);

    const plan = verdict(['push', '--dry-run'], dir);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('+ provider Clerk: create');
    expect(plan.stdout).toContain('+ policy order_approval: create');
    expect(plan.stdout).toContain('+ rule within-limit');
    expect(plan.stdout).toContain('+ binding orders/approve: create');
    expect(plan.stdout).toContain('Plan: 3 to create, 1 to update, 0 to delete, 0 unchanged.');
    expect(plan.stdout).toContain('(dry run: nothing was written)');
    expect((await admin('/policies')).data).toEqual([]);
    expect((await admin('/auth-providers')).data).toEqual([]);

    const pushed = verdict(['push'], dir);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain('✓ pushed to cli-e2e');
    expect((await admin('/policies')).data).toHaveLength(1);
    expect(verdict(['push', '--dry-run'], dir).stdout).toContain(
      'Plan: 0 to create, 0 to update, 0 to delete, 4 unchanged.',
    );

    expect(verdict(['test'], dir).code).toBe(0);

    const token = verdict(['token', '--user', 'employee'], dir);
    expect(token.code, token.stderr).toBe(0);
    const jwt = token.stdout.trim();
    expect(jwt.split('.')).toHaveLength(3);
    const allowed = verdict(
      ['authorize', 'orders', 'approve', '--context', '{"amount":500}', '--token', jwt],
      dir,
    );
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/^Allow by order_approval v1 rule within-limit {2}(dec_\w+)/);
    const denied = verdict(
      ['authorize', 'orders', 'approve', '--context', '{"amount":5000}', '--user', 'employee'],
      dir,
    );
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain(
      'request_metadata.amount (5000) does not satisfy: ≤ ext_approval_limit (1000)',
    );
    const denialId = /dec_\w+/.exec(denied.stdout)?.[0] as string;

    // The trail lags by a queue batch: poll until both decisions are there.
    let tail: Run = { code: null, stdout: '', stderr: '' };
    for (let i = 0; i < 40; i++) {
      tail = verdict(['tail', '--no-follow'], dir);
      if (tail.stdout.trim().split('\n').length >= 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(tail.code, tail.stderr).toBe(0);
    const lines = tail.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/Allow user_employee orders\/approve order_approval\/within-limit dec_/);
    expect(lines[1]).toContain(denialId);
    const denials = verdict(['tail', '--no-follow', '--decision', 'Deny', '--json'], dir);
    expect(
      denials.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).decisionId),
    ).toEqual([denialId]);

    // export: the same two decisions, newest first, as NDJSON (to a file, or to standard output).
    const exported = verdict(['export', '--since', '1h', '--out', join(dir, 'audit.ndjson')], dir);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain('2 events');
    const lines2 = readFileSync(join(dir, 'audit.ndjson'), 'utf8').trim().split('\n');
    expect(lines2.map((l) => JSON.parse(l).decisionId)[0]).toBe(denialId);
    expect(lines2).toHaveLength(2);
    const denied2 = verdict(['export', '--since', '1h', '--decision', 'Deny'], dir);
    expect(
      denied2.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).decisionId),
    ).toEqual([denialId]);

    const explained = verdict(['explain', denialId], dir);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toContain('user_employee via Clerk → orders/approve');
    expect(explained.stdout).toContain('Deny by order_approval v1 rule deny');
    expect(explained.stdout).toContain('ext_approval_limit = 1000');
    expect(explained.stdout).toContain('amount = 5000');
    expect(explained.stdout + explained.stderr).not.toContain(jwt);
    expectOneLineError(verdict(['explain', 'dec_0000000000'], dir), 1, /404 .*Decision/);

    // replay: the local files unchanged flip nothing; a draft with a lower limit flips the 500 approval.
    const same = verdict(['replay', '--since', '1h', '--fail-on-flips', '0'], dir);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('exhaustive: 2 decisions replayed, 0 refusals excluded');
    expect(same.stdout).toContain('2 unchanged');
    const draftDir = join(dir, 'draft');
    mkdirSync(draftDir, { recursive: true });
    const policy = JSON.parse(readFileSync(join(dir, 'policies', 'order_approval.json'), 'utf8'));
    policy.specification.rules[1].conditions.push({
      function: 'integer_less_than',
      attribute: 'request_metadata',
      metadata_key: 'amount',
      value: 100,
    });
    writeFileSync(join(draftDir, 'order_approval.json'), JSON.stringify(policy));
    const flipped = verdict(
      ['replay', '--since', '1h', '--policy-dir', draftDir, '--fail-on-flips', '0'],
      dir,
    );
    expect(flipped.code).toBe(1);
    expect(flipped.stdout).toContain('1 unchanged');
    expect(flipped.stdout).toContain('1 Allow→Deny');
    expect(flipped.stdout).toContain('order_approval/within-limit: 1 → 0');
    expect(flipped.stdout).toMatch(/user_employee → orders\/approve: Allow \(within-limit\) → Deny \(deny\)/);
    expect(flipped.stdout).toContain('request_metadata.amount (500)');
    expect(flipped.stderr).toContain('1 decision flips, more than --fail-on-flips 0');
    const asJson = verdict(['replay', '--since', '1h', '--policy-dir', draftDir, '--reporter', 'json'], dir);
    expect(asJson.code, asJson.stderr).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ exhaustive: true, considered: 2, allowToDeny: 1 });
    expectOneLineError(
      verdict(['replay', '--fail-on-flips', 'many'], dir),
      2,
      /--fail-on-flips takes a whole number/,
    );
  }, 120_000);

  it('push shows a rule diff, keeps what only the server has unless --prune, and pull writes it all back', () => {
    const policy = JSON.parse(readFileSync(join(dir, 'policies/order_approval.json'), 'utf8'));
    policy.specification.rules.push({
      rule_id: 'finance-high-value',
      effect: 'Allow',
      conditions: [
        { function: 'string_equal', attribute: 'ext_department', value: 'finance' },
        {
          function: 'integer_greater_than',
          attribute: 'request_metadata',
          metadata_key: 'amount',
          value: 10000,
        },
      ],
    });
    policy.specification.rules[1].conditions[0].value_from_attribute = 'ext_approval_limit';
    write(dir, 'policies/order_approval.json', policy);
    write(dir, 'permissions.json', []);
    const plan = verdict(['push', '--dry-run'], dir);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('~ policy order_approval: update (v1 → v2)');
    expect(plan.stdout).toContain('+ rule finance-high-value');
    expect(plan.stdout).toContain(
      '- binding orders/approve: delete (not in the files; kept: pass --prune to delete)',
    );

    expect(verdict(['push'], dir).code).toBe(0);
    const pulled = folder('pulled');
    const pull = verdict(['pull', '--workspace', 'cli-e2e'], pulled);
    expect(pull.code, pull.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(pulled, 'permissions.json'), 'utf8'))).toEqual([
      { resource: 'orders', action: 'approve', policies: ['order_approval'] },
    ]);
    const back = JSON.parse(readFileSync(join(pulled, 'policies/order_approval.json'), 'utf8'));
    expect(back.specification.rules.map((r: { rule_id: string }) => r.rule_id)).toEqual([
      'manager-unlimited',
      'within-limit',
      'finance-high-value',
    ]);
    expect(verdict(['push', '--dry-run'], pulled).stdout).toContain(
      'Plan: 0 to create, 0 to update, 0 to delete, 4 unchanged.',
    );

    const pruned = verdict(['push', '--prune'], dir);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('- delete binding orders/approve');
  }, 60_000);

  it('POST …/validate answers the server’s pointers and writes nothing', async () => {
    const res = await fetch(`${url}/v1/workspaces/cli-e2e/validate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        policies: [
          {
            name: 'bad',
            specification: {
              rules: [
                {
                  rule_id: 'r',
                  effect: 'Allow',
                  conditions: [{ function: 'string_equals', attribute: 'ext_role', value: 'x' }],
                },
              ],
              default: { rule_id: 'd', effect: 'Deny' },
            },
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { name: string; ok: boolean; errors: { path: string }[] }[] };
    expect(body.data[0]).toMatchObject({ name: 'bad', ok: false });
    expect(body.data[0]?.errors[0]?.path).toBe('specification.rules.0.conditions.0.function');
    expect(((await admin('/policies')).data as { name: string }[]).map((p) => p.name)).not.toContain('bad');
  });
});

describe('the package', () => {
  it('packs bin, dist and templates only, and `npx verdict init --template order-approval && npx verdict test` passes from the tarball', () => {
    const out = folder('pack');
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', out], {
      cwd: join(ROOT, 'cli'),
      encoding: 'utf8',
    });
    expect(pack.status, pack.stderr).toBe(0);
    const packed = JSON.parse(pack.stdout)[0] as { filename: string; files: { path: string }[] };
    const stray = packed.files
      .map((f) => f.path)
      .filter((p) => !/^(bin\/|dist\/|templates\/|README\.md$|LICENSE$|package\.json$)/.test(p));
    expect(stray).toEqual([]);
    const project = folder('npx');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'policies', private: true }));
    const install = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--offline', join(out, packed.filename)],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
    expect(install.status, install.stderr).toBe(0);
    const env = { ...process.env, NO_COLOR: '1', VERDICT_CONFIG_DIR: CONFIG_DIR };
    const init = spawnSync('npx', ['verdict', 'init', '--template', 'order-approval'], {
      cwd: project,
      encoding: 'utf8',
      env,
    });
    expect(init.status, init.stderr).toBe(0);
    const test = spawnSync('npx', ['verdict', 'test'], { cwd: project, encoding: 'utf8', env });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain('coverage 100.0%');
  }, 60_000);
});
