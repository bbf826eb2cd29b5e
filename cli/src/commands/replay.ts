/**
 * `verdict replay`: the workspace's recorded decisions replayed against the local policy files,
 * on the server; what would flip if they shipped (exhaustive, never sampled).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ImpactJob,
  ImpactRequest,
  ImpactResult,
  PolicyDocument,
  VerdictClient,
} from '@verdict-authz/sdk';
import { defineCommand } from 'citty';
import { Presets, SingleBar } from 'cli-progress';
import pc from 'picocolors';
import { auditFilterOf } from '../audit-filter';
import { checkProject } from '../check';
import { call, flagsOf, remoteArgs, resolveRemote } from '../connection';
import { CliError, EXIT, invalid, usage } from '../errors';
import { windowBound } from '../instants';
import { fileProblems, note, out } from '../output';
import { withoutSchema } from '../plan';
import { loadProject } from '../project';
import { dirArg } from './local';

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
    const project = loadProject(args.dir);
    const drafts = args['policy-dir'] ? draftsIn(args['policy-dir']) : undefined;
    const checked = checkProject(project);
    if (!drafts && checked.errors.length > 0) throw fileProblems(checked.errors, ' in the files');
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
      since: windowBound('since', args.since),
      ...(args.until ? { until: windowBound('until', args.until) } : {}),
      ...auditFilterOf(args),
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

/**
 * Follows a background job (the SDK's followImpactJob, every 0.5 s), with a progress bar on a
 * terminal (a line per step otherwise).
 */
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
    await call('reading the replay job', async () => {
      for await (const state of client.followImpactJob(job, { intervalMs: 500 })) {
        current = state;
        if (bar) bar.update(Math.min(current.processed, Math.max(1, current.total)));
        else if (current.processed !== last)
          note(pc.dim(`replaying: ${current.processed}/${current.total} decisions`));
        last = current.processed;
      }
    });
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
