// Runs the README's walkthrough against a fresh local server and checks every answer it shows,
// so the README cannot drift from what Verdict does (`npm run walkthrough`; `npm test` runs it
// in test/system/walkthrough.test.ts).
//
// What runs: every ```sh (or ```bash) block of the README, in order, in one bash session
// (variables carry over from block to block), from the repository root, with `set -eo pipefail`
// and stdin closed. A block fenced ```sh no-run is shown to readers but never run (installs,
// `npm run dev` itself, anything that needs a Cloudflare account or a real IdP).
//
// What is checked: a command that fails stops the walkthrough. A comment line `# → <answer>`
// (continued on the following lines that start with `#` and at least three spaces) checks the
// output of the commands since the previous check in the same block:
//   - if <answer> is JSON (where `…` may stand for left-out parts), the output must be one JSON
//     value that matches it: an object matches when every member shown matches (members not
//     shown are allowed; `…` marks that some are left out), an array matches element for
//     element where `…` stands for any run of elements, a string with `…` in it matches any
//     characters there, and `…` alone as a value matches any value;
//   - otherwise the trimmed output must equal <answer> as text, `…` matching any characters.
//
// The server: `wrangler dev` on a free port with its local state (D1, KV, Queues) in a new
// temporary directory, migrations applied first, `.dev.vars` as `npm run dev` creates it. In the
// blocks, request targets written `localhost:8787` are pointed at that port; a URL with a scheme
// (`http://localhost:8787/dev-idp`, the development IdP's issuer, an identifier that Verdict
// never fetches) is left as written.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const ELLIPSIS = '…';
const README_PORT = 8787;
const STEP_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// Reading the README

/**
 * The runnable blocks of a Markdown text, each split into steps: the commands up to a
 * `# →` check (and that check), then the next commands, and so on.
 * @param {string} markdown
 * @returns {{ line: number, info: string, steps: { line: number, code: string, expect?: { line: number, text: string } }[] }[]}
 */
export function extractBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[1] ?? '```';
    const info = (open[2] ?? '').trim();
    const start = i;
    const body = [];
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith(fence); i++) body.push(lines[i] ?? '');
    const [lang = '', ...flags] = info.split(/\s+/);
    if (!['sh', 'bash'].includes(lang) || flags.includes('no-run')) continue;
    blocks.push({ line: start + 1, info, steps: splitSteps(body, start + 2) });
  }
  return blocks;
}

/** @param {string[]} body @param {number} firstLine */
function splitSteps(body, firstLine) {
  const steps = [];
  let code = [];
  let codeLine = firstLine;
  for (let j = 0; j < body.length; j++) {
    const arrow = /^#\s*→\s?(.*)$/.exec(body[j] ?? '');
    if (!arrow) {
      if (code.length === 0) codeLine = firstLine + j;
      code.push(body[j] ?? '');
      continue;
    }
    const expectLine = firstLine + j;
    let text = arrow[1] ?? '';
    while (j + 1 < body.length && /^# {3,}\S/.test(body[j + 1] ?? '')) {
      j++;
      text += (body[j] ?? '').slice(1).trim();
    }
    steps.push({ line: codeLine, code: code.join('\n'), expect: { line: expectLine, text: text.trim() } });
    code = [];
  }
  if (code.some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) {
    steps.push({ line: codeLine, code: code.join('\n') });
  }
  return steps;
}

/**
 * Points request targets at `port`: `localhost:8787` not preceded by `://`.
 * @param {string} code @param {number} port
 */
export function retarget(code, port) {
  return code.replace(new RegExp(`(?<!://)localhost:${README_PORT}\\b`, 'g'), `localhost:${port}`);
}

// ---------------------------------------------------------------------------------------------
// Expected answers: JSON with `…`

const WILDCARD = { kind: 'any' };
const GAP = { kind: 'gap' };

/**
 * Parses an expected answer as JSON in which `…` may stand for left-out parts; undefined when
 * it is not such JSON (then it is compared as text).
 * @param {string} text
 */
export function parsePattern(text) {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos++;
  };
  const fail = () => {
    throw new SyntaxError(`unexpected ${JSON.stringify(text.slice(pos, pos + 10))} at ${pos}`);
  };
  const string = () => {
    // A JSON string literal; `…` inside it is a wildcard (write \u2026 for a literal one).
    const parts = [''];
    pos++;
    for (;;) {
      const c = text[pos];
      if (c === undefined) fail();
      if (c === '"') break;
      if (c === ELLIPSIS) {
        parts.push('');
        pos++;
        continue;
      }
      if (c === '\\') {
        const m = /^\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(text.slice(pos));
        if (!m) fail();
        parts[parts.length - 1] += JSON.parse(`"${m?.[0]}"`);
        pos += m?.[0].length ?? 0;
        continue;
      }
      parts[parts.length - 1] += c;
      pos++;
    }
    pos++;
    return parts.length === 1 ? { kind: 'literal', value: parts[0] } : { kind: 'glob', parts };
  };
  const value = () => {
    ws();
    const c = text[pos];
    if (c === ELLIPSIS) {
      pos++;
      return WILDCARD;
    }
    if (c === '"') return string();
    if (c === '{') {
      pos++;
      const members = [];
      ws();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', members };
      }
      for (;;) {
        ws();
        if (text[pos] === ELLIPSIS) pos++;
        else {
          if (text[pos] !== '"') fail();
          const key = string();
          if (key.kind !== 'literal') fail();
          ws();
          if (text[pos] !== ':') fail();
          pos++;
          members.push([key.value, value()]);
        }
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return { kind: 'object', members };
        }
        fail();
      }
    }
    if (c === '[') {
      pos++;
      const items = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', items };
      }
      for (;;) {
        ws();
        if (text[pos] === ELLIPSIS) {
          pos++;
          items.push(GAP);
        } else items.push(value());
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return { kind: 'array', items };
        }
        fail();
      }
    }
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(pos));
    if (!m) fail();
    pos += m?.[0].length ?? 0;
    return { kind: 'literal', value: JSON.parse(m?.[0] ?? 'null') };
  };
  try {
    const result = value();
    ws();
    return pos === text.length ? result : undefined;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

const show = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 200)}…` : s;
};
const globRegExp = (parts) =>
  new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')}$`);
const at = (path) => path || '(the whole answer)';

/**
 * Why `actual` does not match `pattern`, or undefined when it does.
 * @returns {string | undefined}
 */
function mismatch(pattern, actual, path) {
  switch (pattern.kind) {
    case 'any':
      return undefined;
    case 'literal':
      return pattern.value === actual
        ? undefined
        : `${at(path)}: expected ${show(pattern.value)}, got ${show(actual)}`;
    case 'glob':
      return typeof actual === 'string' && globRegExp(pattern.parts).test(actual)
        ? undefined
        : `${at(path)}: expected ${show(pattern.parts.join(ELLIPSIS))}, got ${show(actual)}`;
    case 'object': {
      if (typeof actual !== 'object' || actual === null || Array.isArray(actual))
        return `${at(path)}: expected an object, got ${show(actual)}`;
      for (const [key, sub] of pattern.members) {
        const p = path ? `${path}.${key}` : key;
        if (!Object.hasOwn(actual, key)) return `${p}: missing (the answer has ${show(Object.keys(actual))})`;
        const why = mismatch(sub, actual[key], p);
        if (why) return why;
      }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(actual)) return `${at(path)}: expected an array, got ${show(actual)}`;
      if (!pattern.items.includes(GAP)) {
        if (pattern.items.length !== actual.length)
          return `${at(path)}: expected ${pattern.items.length} elements, got ${actual.length}: ${show(actual)}`;
        for (let k = 0; k < actual.length; k++) {
          const why = mismatch(pattern.items[k], actual[k], `${path}[${k}]`);
          if (why) return why;
        }
        return undefined;
      }
      return matchesSequence(pattern.items, 0, actual, 0, path)
        ? undefined
        : (sequenceMismatch(pattern.items, actual, path) ??
            `${at(path)}: the elements do not match the expected ones in order`);
    }
    default:
      throw new Error(`unknown pattern ${pattern.kind}`);
  }
}

/** Why a list with `…` does not match, found left to right (for the report only). */
function sequenceMismatch(items, actual, path) {
  let j = 0;
  for (let i = 0; i < items.length; i++) {
    if (items[i] === GAP) continue;
    const afterGap = i > 0 && items[i - 1] === GAP;
    if (!afterGap) {
      if (j >= actual.length) return `${path}: expected more than ${actual.length} elements`;
      const why = mismatch(items[i], actual[j], `${path}[${j}]`);
      if (why) return why;
      j++;
      continue;
    }
    let k = j;
    while (k < actual.length && mismatch(items[i], actual[k], `${path}[${k}]`)) k++;
    if (k === actual.length) {
      const closest =
        j < actual.length ? ` (first candidate: ${mismatch(items[i], actual[j], `${path}[${j}]`)})` : '';
      return `${path}: no element from [${j}] on matches the expected element ${i + 1} of the list${closest}`;
    }
    j = k + 1;
  }
  if (items.at(-1) !== GAP && j < actual.length)
    return `${path}: ${actual.length - j} element(s) after the last expected one`;
  return undefined;
}

function matchesSequence(items, i, actual, j, path) {
  if (i === items.length) return j === actual.length;
  if (items[i] === GAP) {
    for (let k = j; k <= actual.length; k++) if (matchesSequence(items, i + 1, actual, k, path)) return true;
    return false;
  }
  return (
    j < actual.length &&
    mismatch(items[i], actual[j], `${path}[${j}]`) === undefined &&
    matchesSequence(items, i + 1, actual, j + 1, path)
  );
}

/**
 * Checks a command's output against an expected answer (see the header for the rules).
 * @param {string} expected the text after `# →`
 * @param {string} output what the commands printed
 * @returns {string | undefined} why it does not match, or undefined
 */
export function checkAnswer(expected, output) {
  const pattern = parsePattern(expected);
  if (pattern) {
    let actual;
    try {
      actual = JSON.parse(output);
    } catch {
      return output.trim() === ''
        ? 'expected a JSON answer, got no output'
        : 'expected one JSON value, got output that is not (or not only) JSON';
    }
    return mismatch(pattern, actual, '');
  }
  return globRegExp(expected.split(ELLIPSIS)).test(output.trim())
    ? undefined
    : 'the output is not the expected text';
}

// ---------------------------------------------------------------------------------------------
// The server

/** A TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const wranglerEnv = () => ({ ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' });

/**
 * Starts `wrangler dev` with fresh local state (migrations applied) on a free port, and seeds
 * the demo workspace as `npm run dev` does. `onSpawn` is called as soon as wrangler exists,
 * before readiness is awaited, with its process group id and `stop`: a caller registers it for
 * teardown there, so a failure elsewhere (a browser that does not launch) still ends it.
 * @param {{ onSpawn?: (server: { pid: number | undefined, port: number, stop: () => Promise<void> }) => void }} [options]
 * @returns {Promise<{ port: number, log: string, stop: () => Promise<void> }>}
 */
export async function startDevServer(options = {}) {
  spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-dev-vars.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const dir = mkdtempSync(join(tmpdir(), 'verdict-walkthrough-'));
  const state = join(dir, 'state');
  const log = join(dir, 'wrangler.log');
  const migrate = spawnSync(
    process.execPath,
    [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state],
    { cwd: ROOT, env: wranglerEnv(), encoding: 'utf8' },
  );
  if (migrate.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`wrangler d1 migrations apply failed:\n${migrate.stdout}\n${migrate.stderr}`);
  }
  const port = await freePort();
  const inspector = await freePort();
  const out = openSync(log, 'a');
  // Its own process group, so stop() ends wrangler and the workerd processes it starts.
  const child = spawn(
    process.execPath,
    [WRANGLER, 'dev', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', state],
    { cwd: ROOT, env: wranglerEnv(), stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  // A spawn that failed emits 'error' and no 'exit'.
  const exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', resolve);
  });
  // The whole group (wrangler and its workerd); never pid 0, which would be our own group.
  const killGroup = (signal) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {}
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    // wrangler is gone; a workerd of its group that outlived it is not left behind.
    killGroup('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  options.onSpawn?.({ pid: child.pid, port, stop });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let early = false;
  exited.then(() => {
    early = true;
  });
  for (;;) {
    try {
      const res = await fetch(`http://localhost:${port}/healthz`);
      if (res.ok) break;
    } catch {}
    // Stopped from outside (a teardown) before it was ready: no log to show, it is gone.
    if (stopped) throw new Error(`wrangler dev on port ${port} was stopped before it was ready`);
    if (early || Date.now() > deadline) {
      const text = readFileSync(log, 'utf8');
      await stop();
      throw new Error(`wrangler dev did not become ready on port ${port}:\n${text.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // What `npm run dev` does once the server answers (scripts/dev.mjs): seed the demo workspace.
  const seeded = await fetch(`http://localhost:${port}/dev-idp/demo`, { method: 'POST' });
  if (!seeded.ok) {
    await stop();
    throw new Error(`seeding the demo workspace failed: ${seeded.status} ${await seeded.text()}`);
  }
  return { port, log, stop };
}

// ---------------------------------------------------------------------------------------------
// Running the blocks

const MARKER = '__verdict_walkthrough_step__';

/** One bash session that runs steps and reports each one's status on its stdout. */
function startShell(outDir) {
  const bash = spawn('bash', ['--noprofile', '--norc'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let waiter;
  let exitCode;
  bash.stdout.on('data', (d) => {
    stdout += d;
    waiter?.();
  });
  bash.stderr.on('data', (d) => {
    stderr += d;
  });
  bash.on('exit', (code, signal) => {
    exitCode = code ?? signal;
    waiter?.();
  });
  bash.stdin.on('error', () => {});
  // The ERR trap names the failing command in the step's stderr.
  bash.stdin.write(`set -eo pipefail\ntrap 'echo "walkthrough: status $? from: $BASH_COMMAND" >&2' ERR\n`);
  let n = 0;
  return {
    /** Runs `code`; resolves with its output, or with the reason the session ended. */
    async run(code) {
      n++;
      const out = join(outDir, `${n}.out`);
      const err = join(outDir, `${n}.err`);
      // `:` keeps the group valid when a step holds only comments.
      bash.stdin.write(`{\n:\n${code}\n} </dev/null >'${out}' 2>'${err}'\necho ${MARKER} ${n}\n`);
      const done = `${MARKER} ${n}\n`;
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      while (!stdout.includes(done) && exitCode === undefined && Date.now() < deadline) {
        await new Promise((resolve) => {
          waiter = resolve;
          setTimeout(resolve, 250);
        });
      }
      const read = (f) => {
        try {
          return readFileSync(f, 'utf8');
        } catch {
          return '';
        }
      };
      const result = { output: read(out), errors: read(err) + stderr };
      stderr = '';
      if (stdout.includes(done)) return { ok: true, ...result };
      if (exitCode !== undefined)
        return { ok: false, why: `a command failed (exit status ${exitCode})`, ...result };
      return { ok: false, why: `no answer within ${STEP_TIMEOUT_MS / 1000} s`, ...result };
    },
    close() {
      bash.stdin.end();
      if (exitCode === undefined) bash.kill('SIGKILL');
    },
  };
}

const indent = (text, prefix = '    ') =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');

/**
 * Runs the runnable blocks of `readmePath` against a server on `port`, printing progress to
 * `log`. Returns the number of checks, or throws an Error whose message says which block,
 * which command, what was expected and what came back.
 */
export async function runWalkthrough({ readmePath, port, log = (line) => console.log(line) }) {
  const name = relative(process.cwd(), readmePath) || readmePath;
  const blocks = extractBlocks(readFileSync(readmePath, 'utf8'));
  if (blocks.length === 0) throw new Error(`${name} has no runnable sh blocks`);
  const outDir = mkdtempSync(join(tmpdir(), 'verdict-walkthrough-steps-'));
  const shell = startShell(outDir);
  // Also when a signal ends the process mid-walkthrough.
  const cleanUp = () => {
    shell.close();
    rmSync(outDir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  let checks = 0;
  try {
    for (const block of blocks) {
      const started = Date.now();
      let blockChecks = 0;
      for (const step of block.steps) {
        const result = await shell.run(retarget(step.code, port));
        const where = `${name}:${step.line} (in the block at line ${block.line})`;
        if (!result.ok) {
          throw new Error(
            [
              `✗ ${where}: ${result.why}`,
              '  commands:',
              indent(step.code),
              '  output:',
              indent(result.output || '(none)'),
              '  stderr:',
              indent(result.errors || '(none)'),
            ].join('\n'),
          );
        }
        if (!step.expect) continue;
        const why = checkAnswer(step.expect.text, result.output);
        if (why) {
          throw new Error(
            [
              `✗ ${where}: the answer does not match ${name}:${step.expect.line}`,
              '  commands:',
              indent(step.code),
              '  expected:',
              indent(step.expect.text),
              '  got:',
              indent(result.output || '(no output)'),
              ...(result.errors.trim() ? ['  stderr:', indent(result.errors)] : []),
              `  first difference: ${why}`,
            ].join('\n'),
          );
        }
        blockChecks++;
      }
      checks += blockChecks;
      log(
        `✓ ${name}:${block.line}  ${blockChecks} check${blockChecks === 1 ? '' : 's'}  ${Date.now() - started} ms`,
      );
    }
  } finally {
    process.removeListener('exit', cleanUp);
    cleanUp();
  }
  return { blocks: blocks.length, checks };
}

async function main() {
  const args = process.argv.slice(2);
  const readmeArg = args.indexOf('--readme');
  const readmePath = readmeArg >= 0 ? (args[readmeArg + 1] ?? '') : join(ROOT, 'README.md');
  const started = Date.now();
  const server = await startDevServer();
  const stop = () => server.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`walkthrough: wrangler dev on localhost:${server.port} (ready in ${Date.now() - started} ms)`);
  let code = 0;
  try {
    const { blocks, checks } = await runWalkthrough({ readmePath, port: server.port });
    console.log(`walkthrough: ${blocks} blocks, ${checks} checks passed in ${Date.now() - started} ms`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colour codes
    const text = readFileSync(server.log, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
    console.error(`\nwalkthrough: FAILED. The end of the wrangler dev log:\n${indent(text.slice(-1500))}`);
    code = 1;
  } finally {
    await server.stop();
  }
  process.exit(code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
