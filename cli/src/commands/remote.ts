/** The commands that talk to a Verdict server: login, push, pull, token, authorize, tail, export, explain, replay. */

import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type {
  AuditEvent,
  ImpactJob,
  ImpactRequest,
  ImpactResult,
  PolicyDocument,
  VerdictClient,
} from '@verdict-authz/sdk';
import { defineCommand } from 'citty';
import { Presets, SingleBar } from 'cli-progress';
import pc from 'picocolors';
import { checkProject } from '../check';
import { CliError, EXIT, invalid, usage } from '../errors';
import { decisionLines, note, out, printIssues } from '../output';
import { applyPlan, makePlan, renderPlan, withoutSchema } from '../plan';
import { saveProfile } from '../profiles';
import { CONFIG_FILE, loadProject } from '../project';
import { call, flagsOf, remoteArgs, resolveRemote } from '../remote';
import { dirArg, projectConfig, writeSchemas } from './local';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export const login = defineCommand({
  meta: {
    name: 'login',
    description:
      'Save a server, workspace and API key as a profile (file mode 0600); the key is never printed',
  },
  args: {
    url: { type: 'string', description: 'Verdict’s base URL', required: true },
    'api-key': {
      type: 'string',
      description: 'The API key (else read from stdin, so it stays out of shell history)',
    },
    workspace: { type: 'string', description: 'The workspace (checked with the key)' },
    profile: { type: 'string', description: 'Profile name', default: 'default' },
  },
  async run({ args }) {
    let apiKey = args['api-key'];
    if (!apiKey) {
      if (process.stdin.isTTY)
        throw usage('pass --api-key, or pipe the key on stdin: verdict login --url … < key.txt');
      apiKey = await readStdin();
    }
    if (!apiKey) throw usage('the API key is empty');
    if (args.workspace) {
      const remote = resolveRemote({ url: args.url, apiKey, workspace: args.workspace });
      await call('checking the key', () => remote.client.listPolicies());
    }
    const path = saveProfile(args.profile, {
      url: args.url,
      apiKey,
      ...(args.workspace ? { workspace: args.workspace } : {}),
    });
    out(
      `${pc.green('✓')} profile "${args.profile}": ${args.url}${args.workspace ? ` (workspace ${args.workspace}, key accepted)` : ''} — saved in ${path}`,
    );
  },
});

export const logout = defineCommand({
  meta: { name: 'logout', description: 'Forget a saved profile' },
  args: { profile: { type: 'string', description: 'Profile name', default: 'default' } },
  run({ args }) {
    saveProfile(args.profile, undefined);
    out(`${pc.green('✓')} profile "${args.profile}" removed`);
  },
});

export const push = defineCommand({
  meta: {
    name: 'push',
    description:
      'Apply providers, policies, permissions and the route map from the files (--dry-run: print the plan only)',
  },
  args: {
    ...dirArg,
    ...remoteArgs,
    'dry-run': {
      type: 'boolean',
      description: 'Print the plan and what the server says about it; write nothing',
    },
    prune: { type: 'boolean', description: 'Also delete what the server has and the files do not' },
  },
  async run({ args }) {
    const project = loadProject(args.dir);
    const checked = checkProject(project);
    printIssues('warning', checked.warnings);
    if (checked.errors.length > 0)
      throw invalid(
        `${checked.errors.length} problem(s) in the files`,
        checked.errors.map((e) => `${e.file}${e.path ? `: ${e.path}` : ''}: ${e.message}`),
      );
    const remote = resolveRemote(flagsOf(args), project.config);
    const steps = await makePlan(remote.client, {
      checked,
      permissions: project.permissions,
      routes: project.routes,
    });
    note(pc.dim(`${remote.url} · workspace ${remote.workspace}`));
    for (const line of renderPlan(steps, Boolean(args.prune))) out(line);

    // The server checks every policy the plan writes, against the providers as pushed.
    const writes = steps.filter(
      (s) => s.kind === 'policy' && (s.action === 'create' || s.action === 'update'),
    );
    if (writes.length > 0) {
      const docs = writes.map((s) => (s.kind === 'policy' ? withoutSchema(s.doc) : undefined));
      const results = await call('validating on the server', () =>
        remote.client.validatePolicies({ policies: docs, providers: checked.providers.map(withoutSchema) }),
      );
      const problems = results.data.flatMap((r, i) => {
        const file = checked.policies.get(writes[i]?.name ?? '')?.file ?? writes[i]?.name;
        return r.errors.map((e) => `${file}: ${e.path}: ${e.message}`);
      });
      if (problems.length > 0) throw invalid('the server refuses the plan', problems);
    }
    if (args['dry-run']) {
      out(pc.dim('(dry run: nothing was written)'));
      return;
    }
    await applyPlan(remote.client, steps, Boolean(args.prune), (line) => out(line));
    out(`${pc.green('✓')} pushed to ${remote.workspace}`);
  },
});

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^-|-$/g, '') || 'provider';

export const pull = defineCommand({
  meta: {
    name: 'pull',
    description: 'Write the workspace’s providers, policies, permissions and route map out as files',
  },
  args: { ...dirArg, ...remoteArgs },
  async run({ args }) {
    const existing = projectConfig(args.dir);
    const root = existing?.root ?? join(process.cwd(), args.dir);
    const remote = resolveRemote(flagsOf(args), existing);
    const [providers, policies, bindings, workspace] = await call('reading the workspace', () =>
      Promise.all([
        remote.client.listAuthProviders(),
        remote.client.listPolicies(),
        remote.client.listPermissions(),
        remote.client.getWorkspace(),
      ]),
    );
    const sources = await call('reading policies', () =>
      Promise.all(policies.data.map((p) => remote.client.getPolicy(p.name))),
    );
    const project = existing ? loadProject(root).config : undefined;
    const folder = (key: 'policies' | 'providers', fallback: string) =>
      join(root, project?.[key] ?? fallback);
    const written: string[] = [];
    const write = (path: string, doc: unknown, schema?: string) => {
      mkdirSync(dirname(path), { recursive: true });
      const ref = relative(dirname(path), join(root, 'schemas', `${schema}.json`));
      const body = schema ? { $schema: ref.startsWith('.') ? ref : `./${ref}`, ...(doc as object) } : doc;
      writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
      written.push(relative(root, path));
    };
    if (!existing) {
      write(
        join(root, CONFIG_FILE),
        {
          workspace: remote.workspace,
          url: remote.url,
          timezone: workspace.data.timezone,
          routes: 'routes.json',
        },
        'config',
      );
    }
    for (const p of providers.data) {
      const { id: _id, resolvedJwksUri: _r, keyFormat: _k, hasHsSecret, ...doc } = p;
      if (hasHsSecret)
        note(
          pc.yellow(
            `provider "${p.name}" has an HS secret, which the API never returns: add "hsSecret" to its file before pushing a change`,
          ),
        );
      write(join(folder('providers', 'providers'), `${slug(p.name)}.json`), doc, 'provider');
    }
    for (const p of sources)
      write(
        join(folder('policies', 'policies'), `${p.data.name}.json`),
        withoutSchema(p.data.source),
        'policy',
      );
    write(
      join(root, project?.permissions ?? 'permissions.json'),
      bindings.data.map(({ updatedAt: _, ...b }) => b),
    );
    const routesFile = project?.routes ?? (existing ? undefined : 'routes.json');
    if (routesFile) write(join(root, routesFile), workspace.data.routeMap);
    else if (workspace.data.routeMap.length > 0)
      note(
        pc.yellow('the workspace has a route map; name a file for it in verdict.json ("routes") to pull it'),
      );
    writeSchemas(root);
    out(`${pc.green('✓')} ${written.length} files from ${remote.workspace}: ${written.join(', ')}`);
  },
});

export const token = defineCommand({
  meta: {
    name: 'token',
    description:
      'Mint a token from a local server’s development IdP (npm run dev): --user employee|manager|finance or a claims file',
  },
  args: {
    ...remoteArgs,
    user: {
      type: 'string',
      description: 'employee, manager, finance, or a JSON file of claims',
      required: true,
    },
    audience: { type: 'string', description: 'The aud claim', default: 'verdict' },
    'expires-in': { type: 'string', description: 'Lifetime in seconds', default: '3600' },
  },
  async run({ args }) {
    const remote = resolveRemote(flagsOf(args), projectConfig('.'), { needKey: false });
    out(await mint(remote, args.user, args.audience, Number(args['expires-in'])));
  },
});

async function mint(
  remote: ReturnType<typeof resolveRemote>,
  user: string,
  audience = 'verdict',
  expiresInSec = 3600,
): Promise<string> {
  let body: Record<string, unknown>;
  if (user.endsWith('.json') || existsSync(user)) {
    let claims: unknown;
    try {
      claims = JSON.parse(readFileSync(user, 'utf8'));
    } catch (err) {
      throw usage(`--user ${user}: not a readable JSON file of claims (${(err as Error).message})`);
    }
    body = { claims, audience, expiresInSec };
  } else body = { user, audience, expiresInSec };
  const res = await call('minting a development token', () =>
    remote.client.request<{ access_token: string }>('POST', '/dev-idp/token', body, 'none'),
  );
  return res.access_token;
}

function jsonArg(text: string | undefined, flag: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {}
  throw usage(`${flag}: a JSON object, e.g. '{"amount":500}'`);
}

export const authorize = defineCommand({
  meta: {
    name: 'authorize',
    description: 'Ask for a decision as an end user would (exit 0 on Allow, 1 on Deny)',
  },
  args: {
    ...remoteArgs,
    resource: { type: 'positional', description: 'The resource, e.g. orders', required: true },
    action: { type: 'positional', description: 'The action, e.g. approve', required: true },
    context: { type: 'string', description: 'request_metadata as JSON' },
    token: { type: 'string', description: 'The end user’s JWT (else VERDICT_TOKEN)' },
    user: { type: 'string', description: 'Mint one from the development IdP instead (employee, manager, …)' },
    json: { type: 'boolean', description: 'Print the decision as JSON' },
  },
  async run({ args }) {
    const remote = resolveRemote(flagsOf(args), projectConfig('.'), { needKey: false });
    const context = jsonArg(args.context, '--context');
    const jwt =
      args.token ?? process.env.VERDICT_TOKEN ?? (args.user ? await mint(remote, args.user) : undefined);
    if (!jwt) throw usage('pass --token, set VERDICT_TOKEN, or --user to mint a development token');
    const { data } = await call('authorizing', () =>
      remote.client.checkAuthorization({
        token: jwt,
        resource: args.resource,
        action: args.action,
        ...(context ? { context } : {}),
      }),
    );
    if (args.json) out(JSON.stringify(data, null, 2));
    else for (const l of decisionLines(data)) out(l);
    if (!data.allowed) process.exitCode = EXIT.failed;
  },
});

function eventLine(e: AuditEvent): string {
  const effect = e.decision === 'Allow' ? pc.green('Allow') : pc.red('Deny ');
  const by = e.policy
    ? `${e.policy}/${e.ruleId}`
    : ((e.reasons[0] as { code?: string } | undefined)?.code ?? '');
  return `${pc.dim(new Date(e.time).toISOString())} ${effect} ${e.subject ?? '-'} ${e.resource}/${e.action} ${pc.dim(by)} ${pc.dim(e.decisionId)}`;
}

/** "10m", "2h", "30s", "1d" → ms. */
function durationMs(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!m) throw usage(`--since ${text}: a duration such as 30s, 10m, 2h or 1d`);
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export const tail = defineCommand({
  meta: { name: 'tail', description: 'Follow the audit log (newest last), with filters' },
  args: {
    ...remoteArgs,
    decision: { type: 'enum', options: ['Allow', 'Deny'], description: 'Only this decision' },
    resource: { type: 'string', description: 'Only this resource' },
    action: { type: 'string', description: 'Only this action' },
    subject: { type: 'string', description: 'Only this subject' },
    since: { type: 'string', description: 'Start this long ago (30s, 10m, 2h, 1d)', default: '10m' },
    follow: {
      type: 'boolean',
      description: 'Keep polling for new decisions (--no-follow: print and exit)',
      default: true,
    },
    interval: { type: 'string', description: 'Seconds between polls', default: '2' },
    count: { type: 'string', description: 'Exit after printing this many events' },
    json: { type: 'boolean', description: 'One JSON event per line' },
  },
  async run({ args }) {
    const remote = resolveRemote(flagsOf(args), projectConfig('.'));
    const filter = {
      ...(args.decision ? { decision: args.decision as 'Allow' | 'Deny' } : {}),
      ...(args.resource ? { resource: args.resource } : {}),
      ...(args.action ? { action: args.action } : {}),
      ...(args.subject ? { subject: args.subject } : {}),
    };
    const limit = args.count === undefined ? Number.POSITIVE_INFINITY : Number(args.count);
    if (!(limit > 0)) throw usage('--count: a positive number');
    const interval = Number(args.interval) * 1000;
    if (!(interval >= 100)) throw usage('--interval: seconds, at least 0.1');
    let from = Date.now() - durationMs(args.since);
    const shown = new Set<string>();
    let printed = 0;
    for (;;) {
      // Newest first from the API; everything since `from`, page by page, printed oldest first.
      const batch: AuditEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await call('reading the audit log', () =>
          remote.client.queryAudit({ ...filter, from, limit: 500, ...(cursor ? { cursor } : {}) }),
        );
        batch.push(...page.data);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      for (const e of batch.reverse()) {
        if (shown.has(e.decisionId)) continue;
        shown.add(e.decisionId);
        out(args.json ? JSON.stringify(e) : eventLine(e));
        from = Math.max(from, e.time);
        if (++printed >= limit) return;
      }
      if (!args.follow) return;
      await new Promise((r) => setTimeout(r, interval));
    }
  },
});

export const exportCmd = defineCommand({
  meta: {
    name: 'export',
    description:
      'Every audited decision in a range, newest first, from the hot window and the archive, as NDJSON (a progress counter on a terminal)',
  },
  args: {
    ...remoteArgs,
    since: { type: 'string', description: 'Start this long ago (30s, 10m, 2h, 7d)', default: '7d' },
    decision: { type: 'enum', options: ['Allow', 'Deny'], description: 'Only this decision' },
    resource: { type: 'string', description: 'Only this resource' },
    action: { type: 'string', description: 'Only this action' },
    subject: { type: 'string', description: 'Only this subject' },
    out: { type: 'string', description: 'Write to this file (default: standard output)' },
  },
  async run({ args }) {
    const remote = resolveRemote(flagsOf(args), projectConfig('.'));
    const filter = {
      from: Date.now() - durationMs(args.since),
      ...(args.decision ? { decision: args.decision as 'Allow' | 'Deny' } : {}),
      ...(args.resource ? { resource: args.resource } : {}),
      ...(args.action ? { action: args.action } : {}),
      ...(args.subject ? { subject: args.subject } : {}),
    };
    // The total is not known before the stream ends: a counter, not a percentage.
    const bar = process.stderr.isTTY
      ? new SingleBar({ format: 'exporting {value} events', stream: process.stderr }, Presets.shades_classic)
      : undefined;
    const sink = args.out ? createWriteStream(args.out) : process.stdout;
    let n = 0;
    bar?.start(0, 0);
    try {
      await call('exporting the audit trail', async () => {
        for await (const e of remote.client.exportAudit(filter)) {
          if (!sink.write(`${JSON.stringify(e)}\n`)) await once(sink, 'drain');
          n++;
          if (bar && n % 100 === 0) bar.update(n);
        }
      });
    } finally {
      bar?.update(n);
      bar?.stop();
      if (args.out) await new Promise((r) => (sink as ReturnType<typeof createWriteStream>).end(r));
    }
    note(pc.dim(`${n} events${args.out ? ` → ${args.out}` : ''}`));
  },
});

export const explain = defineCommand({
  meta: {
    name: 'explain',
    description: 'A decision from the audit log, with its reasons and what the policy saw',
  },
  args: {
    ...remoteArgs,
    decisionId: { type: 'positional', description: 'The decision id (dec_…)', required: true },
    json: { type: 'boolean', description: 'Print the stored event as JSON' },
  },
  async run({ args }) {
    const remote = resolveRemote(flagsOf(args), projectConfig('.'));
    if (!/^dec_[a-z0-9]{1,40}$/.test(args.decisionId)) throw usage(`not a decision id: ${args.decisionId}`);
    const { data: e } = await call(`reading ${args.decisionId}`, () =>
      remote.client.getAuditEvent(args.decisionId),
    );
    if (args.json) {
      out(JSON.stringify(e, null, 2));
      return;
    }
    out(`${pc.bold(e.decisionId)} ${pc.dim(new Date(e.time).toISOString())} ${pc.dim(`${e.latencyMs} ms`)}`);
    out(
      `${e.subject ?? '(no subject)'}${e.provider ? pc.dim(` via ${e.provider}`) : ''} → ${e.resource}/${e.action}${e.ip ? pc.dim(` from ${e.ip}`) : ''}`,
    );
    for (const l of decisionLines(e)) out(l);
    out(pc.dim('attributes'));
    for (const [k, v] of Object.entries(e.input.attributes)) out(`  ${k} = ${JSON.stringify(v)}`);
    if (Object.keys(e.input.context).length > 0) {
      out(pc.dim('context (request_metadata)'));
      for (const [k, v] of Object.entries(e.input.context)) out(`  ${k} = ${JSON.stringify(v)}`);
    }
  },
});

export const replay = defineCommand({
  meta: {
    name: 'replay',
    description:
      "Replay the workspace's recorded decisions against the local policy files: what would flip if they shipped (exhaustive, never sampled)",
  },
  args: {
    ...dirArg,
    ...remoteArgs,
    since: {
      type: 'string',
      description: 'Start of the window: 7d, 12h, 30m, ISO 8601 or epoch ms',
      default: '7d',
    },
    until: { type: 'string', description: 'End of the window (default: now)' },
    'policy-dir': {
      type: 'string',
      description: 'Read the draft policies from this folder instead of the project’s',
    },
    permissions: { type: 'boolean', description: 'Also draft the bindings in permissions.json' },
    resource: { type: 'string', description: 'Only decisions on this resource' },
    action: { type: 'string', description: 'Only decisions of this action' },
    subject: { type: 'string', description: 'Only decisions of this subject' },
    'fail-on-flips': {
      type: 'string',
      description: 'Exit 1 when more than N decisions flip (Allow→Deny or Deny→Allow)',
    },
    samples: { type: 'string', description: 'Flipped decisions shown in full (default 5)', default: '5' },
    reporter: { type: 'string', description: 'pretty | json', default: 'pretty' },
  },
  async run({ args }) {
    if (!['pretty', 'json'].includes(args.reporter))
      throw usage(`unknown reporter "${args.reporter}" (pretty, json)`);
    const count = (name: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      if (!/^[0-9]{1,9}$/.test(v)) throw usage(`--${name} takes a whole number, got "${v}"`);
      return Number(v);
    };
    const failOn = count('fail-on-flips', args['fail-on-flips']);
    const samples = Math.min(50, count('samples', args.samples) ?? 5);
    const instant = (v: string) => (/^[0-9]+$/.test(v) ? Number(v) : v);
    const project = loadProject(args.dir);
    const drafts = args['policy-dir'] ? draftsIn(args['policy-dir']) : undefined;
    const checked = checkProject(project);
    if (!drafts && checked.errors.length > 0)
      throw invalid(
        `${checked.errors.length} problem(s) in the files`,
        checked.errors.map((e) => `${e.file}${e.path ? `: ${e.path}` : ''}: ${e.message}`),
      );
    const policies =
      drafts ??
      Object.fromEntries(
        [...checked.policies].map(([name, p]) => [name, withoutSchema(p.document) as PolicyDocument]),
      );
    if (Object.keys(policies).length === 0 && !args.permissions)
      throw usage('no draft policies: the project has none (or pass --policy-dir)');
    const remote = resolveRemote(flagsOf(args), project.config);
    const body: ImpactRequest = {
      policies,
      ...(args.permissions ? { permissions: project.permissions } : {}),
      since: instant(args.since),
      ...(args.until ? { until: instant(args.until) } : {}),
      ...(args.resource ? { resource: args.resource } : {}),
      ...(args.action ? { action: args.action } : {}),
      ...(args.subject ? { subject: args.subject } : {}),
      samples,
    };
    const started = await call('replaying on the server', () => remote.client.impact(body));
    const result = 'result' in started ? started.result : await followJob(remote.client, started.job);
    const flips = result.allowToDeny + result.denyToAllow;
    if (args.reporter === 'json') out(JSON.stringify(result, null, 2));
    else for (const line of impactLines(result, remote.workspace)) out(line);
    if (failOn !== undefined && flips > failOn)
      throw new CliError(
        `${flips} decision${flips === 1 ? ' flips' : 's flip'}, more than --fail-on-flips ${failOn}`,
        EXIT.failed,
      );
  },
});

/** The *.json policy documents of a folder, by name. */
function draftsIn(dir: string): Record<string, PolicyDocument> {
  if (!existsSync(dir)) throw usage(`no folder ${dir}`);
  const out: Record<string, PolicyDocument> = {};
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = join(dir, f);
    let doc: { name?: unknown };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
    } catch (err) {
      throw invalid(`${file}: not JSON (${(err as Error).message})`);
    }
    if (typeof doc?.name !== 'string') throw invalid(`${file}: a policy needs a "name"`);
    out[doc.name] = withoutSchema(doc) as PolicyDocument;
  }
  return out;
}

/** Polls a background job, with a progress bar on a terminal (a line per step otherwise). */
async function followJob(client: VerdictClient, job: ImpactJob): Promise<ImpactResult> {
  const tty = Boolean(process.stderr.isTTY);
  const bar = tty
    ? new SingleBar(
        { format: 'replaying {bar} {percentage}% · {value}/{total} decisions', stream: process.stderr },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(Math.max(1, job.total), 0);
  let current = job;
  let last = -1;
  try {
    while (current.status === 'queued' || current.status === 'running') {
      await new Promise((r) => setTimeout(r, 500));
      current = (await call('reading the replay job', () => client.getImpactJob(current.id))).data;
      if (bar) bar.update(Math.min(current.processed, Math.max(1, current.total)));
      else if (current.processed !== last)
        note(pc.dim(`replaying: ${current.processed}/${current.total} decisions`));
      last = current.processed;
    }
  } finally {
    bar?.stop();
  }
  if (current.status === 'failed' || !current.result)
    throw new CliError(`the replay job failed: ${current.error ?? 'no result'}`, EXIT.remote);
  return current.result;
}

/** The result, readable: totals, the rows that changed most, the rules, the samples. */
export function impactLines(r: ImpactResult, workspace: string): string[] {
  const when = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const lines = [
    `${pc.bold('replay')} ${workspace} · ${when(r.window.since)} → ${when(r.window.until)} · exhaustive: ${r.considered} decisions replayed, ${r.excluded} refusals excluded`,
    `  ${pc.green(`${r.unchanged} unchanged`)}  ${pc.red(`${r.allowToDeny} Allow→Deny`)}  ${pc.yellow(`${r.denyToAllow} Deny→Allow`)}  ${pc.dim(`${r.indeterminate} indeterminate (redacted or cut values)`)}`,
  ];
  if (r.drift > 0)
    lines.push(
      pc.dim(`  ${r.drift} decisions already decide differently under the live policies (changes since)`),
    );
  const changed = (c: { allowToDeny: number; denyToAllow: number; indeterminate: number }) =>
    c.allowToDeny + c.denyToAllow + c.indeterminate > 0;
  const rows = r.byResourceAction.filter(changed);
  if (rows.length > 0) {
    lines.push(pc.dim('by resource/action'));
    for (const x of rows)
      lines.push(
        `  ${x.resource}/${x.action}: ${x.allowToDeny} Allow→Deny, ${x.denyToAllow} Deny→Allow, ${x.indeterminate} indeterminate of ${x.considered}`,
      );
  }
  const subjects = r.bySubject.filter(changed);
  if (subjects.length > 0) {
    lines.push(pc.dim('by subject'));
    for (const x of subjects)
      lines.push(
        `  ${x.subject}: ${x.allowToDeny} Allow→Deny, ${x.denyToAllow} Deny→Allow, ${x.indeterminate} indeterminate of ${x.considered}`,
      );
  }
  const rules = r.rules.filter((x) => x.before !== x.after);
  if (rules.length > 0) {
    lines.push(pc.dim('deciding rule hits (before → after)'));
    for (const x of rules) lines.push(`  ${x.policy}/${x.rule}: ${x.before} → ${x.after}`);
  }
  for (const s of r.samples) {
    lines.push(
      `${pc.bold(s.decisionId)} ${pc.dim(when(s.time))} ${s.subject} → ${s.resource}/${s.action}: ${s.before.decision} (${s.before.ruleId ?? '-'}) → ${s.after.decision === 'Allow' ? pc.green('Allow') : pc.red('Deny')} (${s.after.ruleId ?? '-'})`,
    );
    const why = s.after.reasons
      .map((x) => (x as { message?: unknown }).message)
      .filter((m): m is string => typeof m === 'string');
    for (const m of why.slice(0, 3)) lines.push(pc.dim(`  ${m}`));
  }
  return lines;
}
