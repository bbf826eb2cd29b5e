/// <reference types="node" />
// The README's walkthrough runs as written: scripts/walkthrough.mjs starts `wrangler dev` with
// fresh local state, runs every ```sh block of README.md in one bash session and checks every
// `# →` answer. Its twin feeds it a README with a wrong answer, which must fail loudly.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAnswer, extractBlocks, retarget } from '../../scripts/walkthrough.mjs';
import { registerTeardown } from '../helpers/teardown';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'walkthrough.mjs');

function walkthrough(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // On timeout the script gets SIGTERM, and stops its dev server before it exits.
    const child = spawn(process.execPath, [SCRIPT, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    // Registered as soon as it exists: SIGTERM lets the script stop its own dev server first.
    const closed = new Promise<void>((done) => child.once('close', () => done()));
    const stop = registerTeardown(
      'walkthrough script',
      async () => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await closed;
        clearTimeout(timer);
      },
      { pid: child.pid },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      stop();
      resolve({ code, stdout, stderr });
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'verdict-walkthrough-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the README walkthrough', () => {
  it('runs as written against a fresh dev server, and every answer it shows is what comes back', async () => {
    const run = await walkthrough([], 170_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/walkthrough: \d+ blocks, \d+ checks passed/);
  }, 180_000);

  it('fails loudly on an answer that does not match: exit 1, the block, the commands, expected and got', async () => {
    const readme = join(scratch, 'WRONG.md');
    writeFileSync(
      readme,
      [
        '# A README with one wrong answer',
        '```sh',
        'curl -s localhost:8787/healthz',
        '# → {"status":"ok",…}',
        '```',
        '```sh no-run',
        'exit 3',
        '```',
        '```sh',
        'curl -s localhost:8787/healthz',
        '# → {"status":"down",…}',
        '```',
        '',
      ].join('\n'),
    );
    const run = await walkthrough(['--readme', readme], 110_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✓ \S*WRONG\.md:2 {2}1 check/);
    expect(run.stderr).toContain('WRONG.md:10 (in the block at line 9): the answer does not match');
    expect(run.stderr).toContain('WRONG.md:11');
    expect(run.stderr).toMatch(/expected:\n {4}\{"status":"down",…\}/);
    expect(run.stderr).toMatch(/got:\n {4}\{"status":"ok"/);
    expect(run.stderr).toContain('first difference: status: expected "down", got "ok"');
  }, 120_000);
});

describe('reading the README', () => {
  const md = [
    '```sh',
    'A=1',
    'echo "{\\"a\\":$A}"',
    '# → {"a":1}',
    'echo done',
    '# → done',
    '```',
    '```sh no-run',
    'npm run dev',
    '```',
    '```ts',
    'const x = 1;',
    '```',
    '```sh',
    'echo \'{"a":[1,2,3]}\'',
    '# → {"a":[1,…,',
    '#      3]}',
    '# a plain comment',
    '```',
  ].join('\n');

  it('splits sh blocks into commands and their checks, skipping no-run and other languages', () => {
    const blocks = extractBlocks(md);
    expect(blocks.map((b) => b.line)).toEqual([1, 14]);
    expect(blocks[0]?.steps).toEqual([
      { line: 2, code: 'A=1\necho "{\\"a\\":$A}"', expect: { line: 4, text: '{"a":1}' } },
      { line: 5, code: 'echo done', expect: { line: 6, text: 'done' } },
    ]);
    expect(blocks[1]?.steps).toEqual([
      { line: 15, code: 'echo \'{"a":[1,2,3]}\'', expect: { line: 16, text: '{"a":[1,…,3]}' } },
    ]);
  });

  it('points request targets at the chosen port and leaves URLs with a scheme alone', () => {
    expect(retarget('curl localhost:8787/v1 -d \'{"issuer":"http://localhost:8787/dev-idp"}\'', 41234)).toBe(
      'curl localhost:41234/v1 -d \'{"issuer":"http://localhost:8787/dev-idp"}\'',
    );
  });
});

describe('checking an answer', () => {
  it('JSON answers match when every member shown matches; … stands for what is left out', () => {
    expect(checkAnswer('{"data":{"allowed":true,…}}', '{"data":{"allowed":true,"ruleId":"r"}}')).toBe(
      undefined,
    );
    expect(checkAnswer('{"data":{"allowed":true}}', '{"data":{"allowed":true,"ruleId":"r"}}')).toBe(
      undefined,
    );
    expect(checkAnswer('{"id":"dec_…"}', '{"id":"dec_123"}')).toBe(undefined);
    expect(checkAnswer('{"r":[…,{"rule":"b"}]}', '{"r":[{"rule":"a"},{"rule":"b"}]}')).toBe(undefined);
    expect(checkAnswer('{"s":["admin"]}', '{"s":["admin"]}')).toBe(undefined);
    expect(checkAnswer('{"v":…}', '{"v":[1,{"x":null}]}')).toBe(undefined);
    expect(checkAnswer('ok …', '  ok 1 2 3\n')).toBe(undefined);
  });

  it('a different value, a missing member, extra array elements or non-JSON output do not match', () => {
    expect(checkAnswer('{"data":{"allowed":true}}', '{"data":{"allowed":false}}')).toBe(
      'data.allowed: expected true, got false',
    );
    expect(checkAnswer('{"data":{"ruleId":"r"}}', '{"data":{}}')).toMatch(/^data\.ruleId: missing/);
    expect(checkAnswer('{"id":"dec_…"}', '{"id":"key_1"}')).toBe('id: expected "dec_…", got "key_1"');
    expect(checkAnswer('{"s":["admin"]}', '{"s":["admin","x"]}')).toMatch(/^s: expected 1 elements, got 2/);
    expect(checkAnswer('{"r":[…,{"rule":"b"}]}', '{"r":[{"rule":"b"},{"rule":"a"}]}')).toBe(
      'r: 1 element(s) after the last expected one',
    );
    expect(checkAnswer('{"r":[…,{"rule":"c"},…]}', '{"r":[{"rule":"b"}]}')).toBe(
      'r: no element from [0] on matches the expected element 2 of the list (first candidate: r[0].rule: expected "c", got "b")',
    );
    expect(checkAnswer('{"d":[{"s":null},{"s":"u"},…]}', '{"d":[{"s":null},{"s":"v"},{"s":"u"}]}')).toBe(
      'd[1].s: expected "u", got "v"',
    );
    expect(checkAnswer('{"a":1}', '{"a":1}{"a":1}')).toMatch(/not \(or not only\) JSON/);
    expect(checkAnswer('{"a":1}', '')).toMatch(/no output/);
    expect(checkAnswer('ok', 'not ok')).toMatch(/not the expected text/);
  });
});
