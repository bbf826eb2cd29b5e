// `npm run deploy`: one command from a fresh Cloudflare account to a running Verdict, and the
// same command for every release. wrangler.toml holds no account ids; this script creates what
// wrangler does not provision by itself, then deploys:
//
//   1. the queues (producers, consumers and dead-letter queues named in wrangler.toml), unless
//      they exist — wrangler's automatic provisioning covers D1, KV and R2, not queues;
//   2. the D1 database, by database_name, unless the account has one of that name, and the
//      remote migrations, before the code that needs them goes live. `wrangler d1 migrations
//      apply --remote` needs a database_id in its configuration, so it runs with a small
//      generated one (.wrangler/verdict-deploy/wrangler.json) holding the id just looked up;
//   3. `wrangler deploy`, which links the database by name and provisions the KV namespace on
//      the first deploy (wrangler >= 4.45), then keeps both bindings on later deploys;
//   4. a warning when the ROOT_API_KEY secret is missing (every root-key call is refused until
//      it is set).
//
// Every step can run again: an existing queue or database is used as is, and one created by
// someone else between our check and our create is found by checking again. The first step
// that fails stops the script with exit status 1 and says which step and what wrangler said.
// Arguments are passed on to `wrangler deploy`; with --dry-run nothing else runs (no account).
//
// deploy() takes the command runner as a parameter so test/system/deploy.test.ts can drive it
// with a simulated wrangler.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

/**
 * @typedef {{ code: number, output: string }} RunResult
 * @typedef {(args: string[], options: { interactive: boolean }) => Promise<RunResult>} Runner
 * @typedef {{
 *   configPath: string,
 *   name: string,
 *   compatibilityDate: string | undefined,
 *   queues: string[],
 *   databases: { binding: string, name: string, migrationsDir: string }[],
 * }} DeployConfig
 */

/**
 * What the deploy needs from wrangler.toml, read with wrangler's own parser.
 * @param {string} [configPath]
 * @returns {Promise<DeployConfig>}
 */
export async function readDeployConfig(configPath = join(ROOT, 'wrangler.toml')) {
  const { unstable_readConfig } = await import('wrangler');
  const config = unstable_readConfig({ config: configPath });
  const queues = [
    ...(config.queues.producers ?? []).map((p) => p.queue),
    ...(config.queues.consumers ?? []).flatMap((c) => [c.queue, c.dead_letter_queue]),
  ].filter((q) => typeof q === 'string' && q !== '');
  const databases = config.d1_databases.map((db) => {
    if (!db.database_name) throw new Error(`wrangler.toml: D1 binding ${db.binding} needs a database_name`);
    return {
      binding: db.binding,
      name: db.database_name,
      migrationsDir: resolve(dirname(configPath), db.migrations_dir ?? 'migrations'),
    };
  });
  return {
    configPath,
    name: config.name ?? 'verdict',
    compatibilityDate: config.compatibility_date,
    queues: [...new Set(queues)],
    databases,
  };
}

/** Runs the real wrangler: captured output for the checks, the terminal for the rest. */
export function wranglerRunner({ cwd = ROOT, env = process.env } = {}) {
  /** @type {Runner} */
  return (args, { interactive }) =>
    new Promise((resolvePromise) => {
      const child = spawn(process.execPath, [WRANGLER, ...args], {
        cwd,
        env,
        stdio: interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (d) => {
        output += d;
      });
      child.stderr?.on('data', (d) => {
        output += d;
      });
      child.on('error', (err) => resolvePromise({ code: 127, output: String(err) }));
      child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
    });
}

class StepFailed extends Error {
  /** @param {string} step @param {RunResult} result */
  constructor(step, result) {
    super(`deploy: ${step} failed (wrangler exited with status ${result.code})`);
    this.output = result.output;
  }
}

/** The JSON array in wrangler's output (it may print a banner or warnings around it). */
function jsonArray(text) {
  try {
    return JSON.parse(text);
  } catch {
    const start = text.indexOf('[');
    const end = text.lastIndexOf(']');
    if (start < 0 || end < start) return undefined;
    try {
      return JSON.parse(text.slice(start, end + 1));
    } catch {
      return undefined;
    }
  }
}

/** @param {Runner} run @param {string} name @returns {Promise<'exists' | 'created'>} */
async function ensureQueue(run, name) {
  const exists = async () => {
    const info = await run(['queues', 'info', name], { interactive: false });
    if (info.code === 0) return true;
    if (/does not exist/i.test(info.output)) return false;
    throw new StepFailed(`checking queue ${name}`, info);
  };
  if (await exists()) return 'exists';
  const created = await run(['queues', 'create', name], { interactive: false });
  if (created.code === 0) return 'created';
  // Created meanwhile by someone else? Then it is there now, which is all we need.
  if (await exists()) return 'exists';
  throw new StepFailed(`creating queue ${name}`, created);
}

/** @param {Runner} run @param {string} name @returns {Promise<string | undefined>} the database's id */
async function findDatabase(run, name) {
  const list = await run(['d1', 'list', '--json'], { interactive: false });
  if (list.code !== 0) throw new StepFailed('listing D1 databases', list);
  const dbs = jsonArray(list.output);
  if (!Array.isArray(dbs)) throw new StepFailed('listing D1 databases (no JSON list in the output)', list);
  const db = dbs.find((d) => d && d.name === name);
  return db && typeof db.uuid === 'string' ? db.uuid : undefined;
}

/** @param {Runner} run @param {string} name @returns {Promise<{ id: string, created: boolean }>} */
async function ensureDatabase(run, name) {
  const found = await findDatabase(run, name);
  if (found) return { id: found, created: false };
  const created = await run(['d1', 'create', name], { interactive: false });
  const id = await findDatabase(run, name);
  if (id) return { id, created: created.code === 0 };
  throw new StepFailed(`creating D1 database ${name}`, created);
}

/**
 * The configuration `wrangler d1 migrations apply --remote` needs: the same databases, with
 * the ids just looked up (wrangler.toml has none).
 * @param {DeployConfig} config @param {Record<string, string>} ids database name → id
 * @param {string} dir where to write it
 */
export function writeMigrationsConfig(config, ids, dir) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'wrangler.json');
  const json = {
    name: config.name,
    ...(config.compatibilityDate ? { compatibility_date: config.compatibilityDate } : {}),
    d1_databases: config.databases.map((db) => ({
      binding: db.binding,
      database_name: db.name,
      database_id: ids[db.name],
      migrations_dir: db.migrationsDir,
    })),
  };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  return path;
}

/**
 * Creates what is missing, migrates, deploys. Resolves with the exit status (0 or 1).
 * @param {{
 *   run: Runner,
 *   config: DeployConfig,
 *   deployArgs?: string[],
 *   workDir?: string,
 *   log?: (line: string) => void,
 *   error?: (line: string) => void,
 * }} options
 */
export async function deploy({
  run,
  config,
  deployArgs = [],
  workDir = join(dirname(config.configPath), '.wrangler', 'verdict-deploy'),
  log = (line) => console.log(line),
  error = (line) => console.error(line),
}) {
  if (deployArgs.includes('--dry-run')) {
    // Nothing on the account: no queues, no database, no migrations; only wrangler's build.
    log('deploy: --dry-run: skipping the queues, the database and the migrations');
    const dry = await run(['deploy', ...deployArgs], { interactive: true });
    if (dry.code !== 0)
      error(`deploy: wrangler deploy --dry-run failed (wrangler exited with status ${dry.code})`);
    return dry.code === 0 ? 0 : 1;
  }
  try {
    for (const queue of config.queues) {
      log(`deploy: queue ${queue}: ${await ensureQueue(run, queue)}`);
    }
    /** @type {Record<string, string>} */
    const ids = {};
    for (const db of config.databases) {
      const { id, created } = await ensureDatabase(run, db.name);
      ids[db.name] = id;
      log(`deploy: D1 database ${db.name}: ${created ? 'created' : 'exists'} (${id})`);
    }
    if (config.databases.length > 0) {
      const migrationsConfig = writeMigrationsConfig(config, ids, workDir);
      for (const db of config.databases) {
        log(`deploy: applying migrations to ${db.name}`);
        const migrated = await run(
          ['d1', 'migrations', 'apply', db.binding, '--remote', '--config', migrationsConfig],
          { interactive: true },
        );
        if (migrated.code !== 0) throw new StepFailed(`applying the migrations to ${db.name}`, migrated);
      }
    }
    log('deploy: wrangler deploy');
    const deployed = await run(['deploy', ...deployArgs], { interactive: true });
    if (deployed.code !== 0) throw new StepFailed('wrangler deploy', deployed);
    const secrets = await run(['secret', 'list', '--format', 'json'], { interactive: false });
    const names = secrets.code === 0 ? jsonArray(secrets.output) : undefined;
    if (!Array.isArray(names)) {
      log('deploy: deployed; could not list the secrets to check ROOT_API_KEY');
    } else if (!names.some((s) => s && s.name === 'ROOT_API_KEY')) {
      log(
        'deploy: deployed. ROOT_API_KEY is not set, so every root-key call is refused until you run:\n' +
          '  npx wrangler secret put ROOT_API_KEY   # a long random string',
      );
    } else {
      log('deploy: deployed');
    }
    return 0;
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    error(err.message);
    if (err.output.trim()) error(err.output.trimEnd());
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = await readDeployConfig();
  const code = await deploy({ run: wranglerRunner(), config, deployArgs: process.argv.slice(2) });
  process.exit(code);
}
