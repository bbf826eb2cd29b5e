/** The commands that need no server: init, validate, test, schemas. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCommand } from 'citty';
import pc from 'picocolors';
import { jsonSchemaOf, PUBLISHED_SCHEMAS, type PublishedSchemaName } from '../../../src/contract';
import { DEV_IDP_ISSUER } from '../../../src/identity/dev-idp-issuer';
import { checkProject } from '../check';
import { CliError, EXIT, usage } from '../errors';
import { fileProblems, note, out, printIssues } from '../output';
import { CONFIG_FILE, findRoot, loadProject, readConfig } from '../project';
import { coverageLines, json, junit, pretty, summarize, uncoveredLines } from '../reporters';
import { runTests } from '../run-tests';

export const dirArg = {
  dir: {
    type: 'string',
    description: 'The project folder (default: this one, or the nearest with verdict.json)',
    default: '.',
  },
} as const;

/** Writes the published JSON Schemas to <root>/schemas, for editors ("$schema": "../schemas/policy.json"). */
export function writeSchemas(root: string): string {
  const dir = join(root, 'schemas');
  mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(PUBLISHED_SCHEMAS) as PublishedSchemaName[])
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(jsonSchemaOf(name), null, 2)}\n`);
  return dir;
}

const TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));

export const init = defineCommand({
  meta: {
    name: 'init',
    description:
      'Scaffold verdict.json, policies/, providers/, permissions.json, tests/ (and editor schemas)',
  },
  args: {
    ...dirArg,
    template: {
      type: 'string',
      description: 'Start from a template: order-approval (the tutorial, with passing tests)',
    },
    workspace: { type: 'string', description: 'The workspace id in verdict.json', default: 'order-approval' },
    url: {
      type: 'string',
      description: 'Verdict’s base URL in verdict.json',
      default: 'http://localhost:8787',
    },
    issuer: {
      type: 'string',
      description: 'The provider’s issuer (default: the local development IdP)',
      default: DEV_IDP_ISSUER,
    },
    force: { type: 'boolean', description: 'Write into a folder that already has verdict.json' },
  },
  run({ args }) {
    const root = resolve(args.dir);
    if (existsSync(join(root, CONFIG_FILE)) && !args.force)
      throw usage(`${join(root, CONFIG_FILE)} exists: pass --force to overwrite the template's files`);
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(args.workspace))
      throw usage(`--workspace "${args.workspace}": lowercase letters, digits and -, 2 to 63 characters`);
    const values: Record<string, string> = { workspace: args.workspace, url: args.url, issuer: args.issuer };
    mkdirSync(root, { recursive: true });
    let written: string[];
    if (args.template) {
      const from = join(TEMPLATES, args.template);
      if (!existsSync(from)) {
        const known = readdirSync(TEMPLATES).join(', ');
        throw usage(`no template "${args.template}" (known: ${known})`);
      }
      written = copyTemplate(from, root, values);
    } else {
      const config = {
        $schema: './schemas/config.json',
        workspace: args.workspace,
        url: args.url,
        timezone: 'UTC',
      };
      writeFileSync(join(root, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
      writeFileSync(join(root, 'permissions.json'), '[]\n');
      for (const d of ['policies', 'providers', 'tests']) mkdirSync(join(root, d), { recursive: true });
      written = [CONFIG_FILE, 'permissions.json', 'policies/', 'providers/', 'tests/'];
    }
    writeSchemas(root);
    out(`${pc.green('✓')} ${relative(process.cwd(), root) || '.'}: ${[...written, 'schemas/'].join(', ')}`);
    if (args.template && args.issuer === DEV_IDP_ISSUER)
      note(
        pc.dim(
          `providers trust the local development IdP (${DEV_IDP_ISSUER}); set "issuer" to your IdP's before pushing anywhere else`,
        ),
      );
    out(pc.dim('next: verdict test   (offline)   ·   verdict push --dry-run   (against the server)'));
    // verdict.json names a workspace the server may not have yet: say how to make it.
    out(
      pc.dim(
        `no workspace "${args.workspace}" on the server yet? verdict workspace create ${args.workspace} --url ${args.url} --root-key <ROOT_API_KEY>`,
      ),
    );
  },
});

function copyTemplate(from: string, to: string, values: Record<string, string>): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const src = join(dir, entry.name);
      const rel = relative(from, src);
      if (entry.isDirectory()) {
        mkdirSync(join(to, rel), { recursive: true });
        walk(src);
        continue;
      }
      const text = readFileSync(src, 'utf8').replace(/\{\{(\w+)\}\}/g, (m, k: string) =>
        values[k] === undefined ? m : JSON.stringify(values[k]).slice(1, -1),
      );
      mkdirSync(dirname(join(to, rel)), { recursive: true });
      writeFileSync(join(to, rel), text);
      files.push(rel);
    }
  };
  walk(from);
  return files.sort();
}

export const validate = defineCommand({
  meta: {
    name: 'validate',
    description:
      'Check every file offline, as the server checks a write (types against the claim mappings included)',
  },
  args: { ...dirArg },
  run({ args }) {
    const project = loadProject(args.dir);
    const checked = checkProject(project);
    printIssues('warning', checked.warnings);
    const testIssues = runTests(checked, project.tests, project.config.timezone ?? 'UTC', {
      filter: () => false,
    }).issues;
    const errors = [...checked.errors, ...testIssues];
    if (errors.length > 0) throw fileProblems(errors);
    out(
      `${pc.green('✓')} ${checked.policies.size} policies, ${checked.providers.length} providers, ${project.permissions.length} bindings${project.routes ? `, ${project.routes.length} routes` : ''}, ${project.tests.length} test files: valid`,
    );
  },
});

/** "/regex/" or a substring, matched against "file › case title". */
function filterOf(text: string | undefined): ((title: string) => boolean) | undefined {
  if (!text) return undefined;
  const re = /^\/(.+)\/([a-z]*)$/.exec(text);
  if (re) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(re[1] as string, re[2]);
    } catch (err) {
      throw usage(`--filter ${text}: ${(err as Error).message}`);
    }
    return (t) => pattern.test(t);
  }
  return (t) => t.includes(text);
}

export const test = defineCommand({
  meta: {
    name: 'test',
    description: 'Run tests/*.test.json offline on the Worker’s engine, with coverage per rule and condition',
  },
  args: {
    ...dirArg,
    reporter: {
      type: 'enum',
      options: ['pretty', 'json', 'junit'],
      description: 'Output format',
      default: 'pretty',
    },
    filter: {
      type: 'string',
      description: 'Only cases whose "file › title" contains this text (or matches /regex/)',
    },
    'min-coverage': {
      type: 'string',
      description: 'Fail (naming what is uncovered) below this coverage, 0–100',
    },
    'coverage-json': { type: 'string', description: 'Also write the coverage report to this file' },
  },
  run({ args }) {
    const started = performance.now();
    const min = args['min-coverage'] === undefined ? undefined : Number(args['min-coverage']);
    if (min !== undefined && !(min >= 0 && min <= 100))
      throw usage(`--min-coverage ${args['min-coverage']}: a number from 0 to 100`);
    const project = loadProject(args.dir);
    const checked = checkProject(project);
    if (args.reporter === 'pretty') printIssues('warning', checked.warnings);
    if (checked.errors.length > 0) throw fileProblems(checked.errors, ' in the policies');
    if (project.tests.length === 0)
      throw new CliError(`no test files (${project.config.tests}/*.test.json)`, EXIT.failed);
    const filter = filterOf(args.filter);
    const { results, issues, total } = runTests(
      checked,
      project.tests,
      project.config.timezone ?? 'UTC',
      filter ? { filter } : {},
    );
    if (issues.length > 0) throw fileProblems(issues, ' in the test files');
    const summary = summarize(results, performance.now() - started);
    if (summary.passed + summary.failed === 0)
      throw new CliError(`no case matches --filter ${args.filter}`, EXIT.failed);
    const report = total.report('all');
    if (args['coverage-json']) writeFileSync(args['coverage-json'], `${JSON.stringify(report, null, 2)}\n`);
    if (args.reporter === 'json') out(json(results, report, summary));
    else if (args.reporter === 'junit') {
      out(junit(results, summary));
      note(`${summary.passed} passed, ${summary.failed} failed; coverage ${report.percent}%`);
      for (const l of coverageLines(report)) note(l);
    } else out(pretty(results, report, summary));
    if (summary.failed > 0) throw new CliError(`${summary.failed} test(s) failed`, EXIT.failed);
    if (min !== undefined && report.percent < min)
      throw new CliError(
        `coverage ${report.percent}% is below --min-coverage ${min}%; uncovered:`,
        EXIT.failed,
        uncoveredLines(report, ''),
      );
  },
});

export const schemas = defineCommand({
  meta: {
    name: 'schemas',
    description: 'Write the JSON Schemas editors use to schemas/ (after upgrading the CLI)',
  },
  args: { ...dirArg },
  run({ args }) {
    const root = findRoot(args.dir);
    readConfig(root);
    out(`${pc.green('✓')} ${relative(process.cwd(), writeSchemas(root)) || 'schemas'}`);
  },
});

/** For the remote commands: the project when there is one (its workspace and url). */
export function projectConfig(dir: string): { root: string; workspace?: string; url?: string } | undefined {
  try {
    const root = findRoot(dir);
    const c = readConfig(root);
    return { root, workspace: c.workspace, ...(c.url ? { url: c.url } : {}) };
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.usage) return undefined;
    throw err;
  }
}
