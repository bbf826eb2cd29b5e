/// <reference types="node" />
// `npm run deploy` (scripts/deploy.mjs) without a Cloudflare account: the script against a
// simulated wrangler (an account that starts empty or already holds everything, a queue created
// concurrently, a failure at each step), and what real wrangler can check offline — the
// id-less wrangler.toml builds for deploy, remote migrations need the id the script supplies,
// and the migrations configuration the script writes applies to a local database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DeployConfig,
  deploy,
  type RunResult,
  readDeployConfig,
  writeMigrationsConfig,
} from '../../scripts/deploy.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

const scratch = mkdtempSync(join(tmpdir(), 'verdict-deploy-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let config: DeployConfig;
beforeAll(async () => {
  config = await readDeployConfig(join(ROOT, 'wrangler.toml'));
}, 30_000);

type Account = {
  queues: Set<string>;
  databases: Map<string, string>;
  secrets: Set<string>;
  migrated: string[];
  deployed: number;
};

const emptyAccount = (): Account => ({
  queues: new Set(),
  databases: new Map(),
  secrets: new Set(),
  migrated: [],
  deployed: 0,
});

/** Answers like wrangler 4.86 does (exit status and the text the script reads), on `account`. */
function fakeWrangler(account: Account, inject: (args: string[]) => RunResult | undefined = () => undefined) {
  const calls: string[] = [];
  const ok = (output = ''): RunResult => ({ code: 0, output });
  const run = async (args: string[], { interactive }: { interactive: boolean }): Promise<RunResult> => {
    calls.push(args.join(' ') + (interactive ? ' (interactive)' : ''));
    const injected = inject(args);
    if (injected) return injected;
    const [a, b, c] = args;
    if (a === 'queues' && b === 'info' && c) {
      return account.queues.has(c)
        ? ok(`Queue Name: ${c}\nQueue ID: q_${c}\n`)
        : {
            code: 1,
            output: `✘ [ERROR] Queue "${c}" does not exist. To create it, run: wrangler queues create ${c}\n`,
          };
    }
    if (a === 'queues' && b === 'create' && c) {
      if (account.queues.has(c)) {
        return {
          code: 1,
          output: '✘ [ERROR] A request to the Cloudflare API failed.\n  queue name is already taken',
        };
      }
      account.queues.add(c);
      return ok(`✅ Created queue '${c}'\n`);
    }
    if (a === 'd1' && b === 'list') {
      const list = [...account.databases].map(([name, uuid]) => ({ uuid, name, version: 'production' }));
      return ok(JSON.stringify(list, null, 2));
    }
    if (a === 'd1' && b === 'create' && c) {
      if (account.databases.has(c))
        return { code: 1, output: '✘ [ERROR] A database with that name already exists' };
      account.databases.set(c, `uuid-${c}-${account.databases.size + 1}`);
      return ok(`✅ Successfully created DB '${c}'\n`);
    }
    if (a === 'd1' && b === 'migrations') {
      // The generated configuration must name the database by the id the account has.
      const written = JSON.parse(readFileSync(args[args.indexOf('--config') + 1] ?? '', 'utf8'));
      const db = written.d1_databases.find((d: { binding: string }) => d.binding === args[3]);
      if (!db || account.databases.get(db.database_name) !== db.database_id) {
        return { code: 1, output: '✘ [ERROR] database not found' };
      }
      account.migrated.push(db.database_id);
      return ok();
    }
    if (a === 'deploy') {
      account.deployed++;
      return ok();
    }
    if (a === 'secret' && b === 'list') {
      return ok(JSON.stringify([...account.secrets].map((name) => ({ name, type: 'secret_text' }))));
    }
    return { code: 1, output: `unexpected wrangler ${args.join(' ')}` };
  };
  return { run, calls };
}

async function deployTo(
  account: Account,
  inject?: (args: string[]) => RunResult | undefined,
  deployArgs?: string[],
) {
  const wrangler = fakeWrangler(account, inject);
  const lines: string[] = [];
  const code = await deploy({
    run: wrangler.run,
    config,
    deployArgs: deployArgs ?? [],
    workDir: mkdtempSync(join(scratch, 'run-')),
    log: (l) => lines.push(l),
    error: (l) => lines.push(`ERR ${l}`),
  });
  return { code, calls: wrangler.calls, out: lines.join('\n') };
}

const MIGRATE = /^d1 migrations apply DB --remote --config \S+wrangler\.json \(interactive\)$/;

describe('npm run deploy', () => {
  it('reads the queues and the database from wrangler.toml, which holds no account ids', () => {
    expect(config.queues).toEqual(['verdict-audit', 'verdict-impact', 'verdict-audit-dlq']);
    expect(config.databases).toEqual([
      { binding: 'DB', name: 'verdict', migrationsDir: join(ROOT, 'migrations') },
    ]);
    expect(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')).not.toMatch(/^\s*(database_id|id)\s*=/m);
  });

  it('on a fresh account creates the queues and the database, migrates, then deploys', async () => {
    const account = emptyAccount();
    const { code, calls, out } = await deployTo(account);
    expect(code).toBe(0);
    expect(calls.slice(0, 9)).toEqual([
      'queues info verdict-audit',
      'queues create verdict-audit',
      'queues info verdict-impact',
      'queues create verdict-impact',
      'queues info verdict-audit-dlq',
      'queues create verdict-audit-dlq',
      'd1 list --json',
      'd1 create verdict',
      'd1 list --json',
    ]);
    expect(calls[9]).toMatch(MIGRATE);
    expect(calls.slice(10)).toEqual(['deploy (interactive)', 'secret list --format json']);
    expect(account.migrated).toEqual(['uuid-verdict-1']);
    expect(account.deployed).toBe(1);
    expect(out).toContain('ROOT_API_KEY is not set');
  });

  it('run again, finds everything in place: creates nothing, migrates and deploys', async () => {
    const account = emptyAccount();
    expect((await deployTo(account)).code).toBe(0);
    account.secrets.add('ROOT_API_KEY');
    const { code, calls, out } = await deployTo(account);
    expect(code).toBe(0);
    expect(calls.filter((c) => c.includes(' create '))).toEqual([]);
    expect(calls.slice(0, 4)).toEqual([
      'queues info verdict-audit',
      'queues info verdict-impact',
      'queues info verdict-audit-dlq',
      'd1 list --json',
    ]);
    expect(calls[4]).toMatch(MIGRATE);
    expect(calls.slice(5)).toEqual(['deploy (interactive)', 'secret list --format json']);
    expect(account.migrated).toEqual(['uuid-verdict-1', 'uuid-verdict-1']);
    expect(account.queues.size).toBe(3);
    expect(account.databases.size).toBe(1);
    expect(out).not.toContain('ROOT_API_KEY is not set');
  });

  it('a queue or database someone else created meanwhile is used, not an error', async () => {
    const account = emptyAccount();
    let raced = false;
    const { code, calls } = await deployTo(account, (args) => {
      // Between our check and our create, another deploy creates them.
      if (!raced && args[1] === 'create') {
        raced = true;
        account.queues.add('verdict-audit');
      }
      if (args[0] === 'd1' && args[1] === 'create') account.databases.set('verdict', 'uuid-theirs');
      return undefined;
    });
    expect(code).toBe(0);
    expect(calls.slice(0, 3)).toEqual([
      'queues info verdict-audit',
      'queues create verdict-audit',
      'queues info verdict-audit',
    ]);
    expect(account.migrated).toEqual(['uuid-theirs']);
  });

  it('passes its arguments on to wrangler deploy', async () => {
    const { code, calls } = await deployTo(emptyAccount(), undefined, ['--minify', '--tag', 'v1']);
    expect(code).toBe(0);
    expect(calls).toContain('deploy --minify --tag v1 (interactive)');
  });

  it('with --dry-run touches nothing on the account: only wrangler deploy --dry-run runs', async () => {
    const account = emptyAccount();
    const { code, calls } = await deployTo(account, undefined, ['--dry-run', '--outdir', 'dist']);
    expect(code).toBe(0);
    expect(calls).toEqual(['deploy --dry-run --outdir dist (interactive)']);
    expect(account.queues.size + account.databases.size).toBe(0);
  });

  const failures: { step: string; when: (args: string[]) => boolean; message: RegExp; lastCall: RegExp }[] = [
    {
      step: 'not logged in',
      when: (args) => args[0] === 'queues',
      message: /deploy: checking queue verdict-audit failed \(wrangler exited with status 1\)/,
      lastCall: /^queues info verdict-audit$/,
    },
    {
      step: 'a queue cannot be created',
      when: (args) => args[0] === 'queues' && args[1] === 'create',
      message: /deploy: creating queue verdict-audit failed/,
      lastCall: /^queues info verdict-audit$/,
    },
    {
      step: 'the databases cannot be listed',
      when: (args) => args[0] === 'd1' && args[1] === 'list',
      message: /deploy: listing D1 databases failed/,
      lastCall: /^d1 list --json$/,
    },
    {
      step: 'the database cannot be created (account limit)',
      when: (args) => args[0] === 'd1' && args[1] === 'create',
      message: /deploy: creating D1 database verdict failed/,
      lastCall: /^d1 list --json$/,
    },
    {
      step: 'a migration fails',
      when: (args) => args[1] === 'migrations',
      message: /deploy: applying the migrations to verdict failed/,
      lastCall: MIGRATE,
    },
    {
      step: 'wrangler deploy fails',
      when: (args) => args[0] === 'deploy',
      message: /deploy: wrangler deploy failed/,
      lastCall: /^deploy \(interactive\)$/,
    },
  ];

  for (const f of failures) {
    it(`stops with exit status 1 when ${f.step}, saying which step and what wrangler said`, async () => {
      const account = emptyAccount();
      const { code, calls, out } = await deployTo(account, (args) =>
        f.when(args) ? { code: 1, output: '✘ [ERROR] simulated failure' } : undefined,
      );
      expect(code).toBe(1);
      expect(out).toMatch(f.message);
      expect(out).toContain('simulated failure');
      expect(calls.at(-1)).toMatch(f.lastCall);
      if (f.step !== 'wrangler deploy fails') expect(account.deployed).toBe(0);
    });
  }

  it('a failure to list the secrets after deploying is only a note', async () => {
    const { code, out } = await deployTo(emptyAccount(), (args) =>
      args[0] === 'secret' ? { code: 1, output: 'offline' } : undefined,
    );
    expect(code).toBe(0);
    expect(out).toContain('could not list the secrets');
  });
});

describe('what real wrangler checks offline', () => {
  const wrangler = (args: string[]) =>
    spawnSync(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      timeout: 60_000,
    });

  it('wrangler.toml without ids builds for deploy (dry run)', () => {
    const out = wrangler(['deploy', '--dry-run', '--outdir', join(scratch, 'dist')]);
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toMatch(/env\.DB \(verdict\)\s+D1 Database/);
    expect(out.stdout).toMatch(/env\.CACHE\s+KV Namespace/);
  });

  it('remote migrations need a database id, which is why the script writes its own configuration', () => {
    const out = wrangler(['d1', 'migrations', 'apply', 'DB', '--remote']);
    expect(out.status).not.toBe(0);
    expect(out.stdout + out.stderr).toContain('missing a database_id');
  });

  it('the configuration the script writes names the migrations so wrangler applies them (locally here)', () => {
    const path = writeMigrationsConfig(
      config,
      { verdict: '6f0c6a53-0000-4000-8000-000000000001' },
      join(scratch, 'cfg'),
    );
    const out = wrangler([
      'd1',
      'migrations',
      'apply',
      'DB',
      '--local',
      '--persist-to',
      join(scratch, 'state'),
      '--config',
      path,
    ]);
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toContain('0000_init.sql');
  });
});
