/**
 * A policies-as-code folder: verdict.json (found here or in a parent folder, as git finds
 * .git) and the files it names — policies/*.json, providers/*.json, permissions.json, an
 * optional route map, tests/*.test.json. Every file is checked against the contract's
 * schemas; a problem names the file and the JSON path (`specification.rules.1.conditions.0`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  ConfigSchema,
  type Permission,
  PermissionsFileSchema,
  type ProviderInput,
  ProviderInputSchema,
  type RouteMapEntry,
  RoutesFileSchema,
  type TestFile,
  TestFileSchema,
  type VerdictConfig,
} from '../../src/contract';
import { invalid, usage } from './errors';

export const CONFIG_FILE = 'verdict.json';

export type Loaded<T> = { file: string; doc: T };

export type Project = {
  root: string;
  config: VerdictConfig;
  /** Raw documents: the policy checker reports their problems with rule and condition pointers. */
  policies: Loaded<unknown>[];
  providers: Loaded<ProviderInput>[];
  permissions: Permission[];
  routes: RouteMapEntry[] | undefined;
  tests: Loaded<TestFile>[];
};

/** A problem in a file: `file: path: message`. */
export type FileIssue = { file: string; path: string; message: string };
export const issueLine = (i: FileIssue) => `${i.file}${i.path ? `: ${i.path}` : ''}: ${i.message}`;

type Schema<T> = {
  safeParse(
    v: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
};

/** The folder holding verdict.json: `dir` or the nearest parent. */
export function findRoot(dir: string): string {
  let at = resolve(dir);
  for (;;) {
    if (existsSync(join(at, CONFIG_FILE))) return at;
    const up = dirname(at);
    if (up === at) throw usage(`no ${CONFIG_FILE} here or above ${resolve(dir)}: run verdict init`);
    at = up;
  }
}

/** JSON.parse with the position turned into line:column. */
export function parseJson(text: string, file: string, issues: FileIssue[]): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    let where = '';
    if (at) {
      const before = text.slice(0, Number(at[1]));
      const line = before.split('\n').length;
      where = `line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    issues.push({
      file,
      path: where,
      message: `not JSON (${message.replace(/ in JSON at position \d+.*$/, '')})`,
    });
    return undefined;
  }
}

function readJson(root: string, path: string, issues: FileIssue[]): unknown {
  const file = relative(root, path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    issues.push({ file, path: '', message: `cannot read (${(err as NodeJS.ErrnoException).code ?? err})` });
    return undefined;
  }
  return parseJson(text, file, issues);
}

function parseWith<T>(schema: Schema<T>, value: unknown, file: string, issues: FileIssue[]): T | undefined {
  if (value === undefined) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const i of result.error.issues) issues.push({ file, path: i.path.join('.'), message: i.message });
  return undefined;
}

/** The *.json files of a folder (sorted; none when the folder does not exist). */
function jsonFiles(dir: string, suffix = '.json'): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(dir, f));
}

export function readConfig(root: string): VerdictConfig {
  const issues: FileIssue[] = [];
  const config = parseWith(
    ConfigSchema,
    readJson(root, join(root, CONFIG_FILE), issues),
    CONFIG_FILE,
    issues,
  );
  if (!config) throw invalid(`${CONFIG_FILE} is not valid`, issues.map(issueLine));
  return config;
}

/** Reads and checks every file; throws one invalid error listing every problem. */
export function loadProject(dir: string): Project {
  const root = findRoot(dir);
  const config = readConfig(root);
  const issues: FileIssue[] = [];
  const at = (p: string) => join(root, p);
  const rel = (p: string) => relative(root, p);

  const policies = jsonFiles(at(config.policies)).flatMap((path) => {
    const doc = readJson(root, path, issues);
    return doc === undefined ? [] : [{ file: rel(path), doc }];
  });
  const providers = jsonFiles(at(config.providers)).flatMap((path) => {
    const doc = parseWith(ProviderInputSchema, readJson(root, path, issues), rel(path), issues);
    return doc ? [{ file: rel(path), doc }] : [];
  });
  const permissionsPath = at(config.permissions);
  const permissions = existsSync(permissionsPath)
    ? (parseWith(
        PermissionsFileSchema,
        readJson(root, permissionsPath, issues),
        config.permissions,
        issues,
      ) ?? [])
    : [];
  const routes =
    config.routes === undefined
      ? undefined
      : parseWith(RoutesFileSchema, readJson(root, at(config.routes), issues), config.routes, issues);
  const tests = jsonFiles(at(config.tests), '.test.json').flatMap((path) => {
    const doc = parseWith(TestFileSchema, readJson(root, path, issues), rel(path), issues);
    return doc ? [{ file: rel(path), doc }] : [];
  });
  if (issues.length > 0) throw invalid(`${issues.length} problem(s) in the files`, issues.map(issueLine));
  return { root, config, policies, providers, permissions, routes, tests };
}
