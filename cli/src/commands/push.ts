/** `verdict push`: apply the project's files to the workspace as a plan, checked by the server first. */
import { defineCommand } from 'citty';
import pc from 'picocolors';
import { checkProject } from '../check';
import { call, flagsOf, remoteArgs, resolveRemote } from '../connection';
import { invalid } from '../errors';
import { fileProblems, note, out, printIssues } from '../output';
import { applyPlan, makePlan, renderPlan, withoutSchema } from '../plan';
import { loadProject } from '../project';
import { dirArg } from './local';

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
    if (checked.errors.length > 0) throw fileProblems(checked.errors, ' in the files');
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
