/** `verdict authorize`: ask for a decision as an end user would (exit 0 on Allow, 1 on Deny). */
import { defineCommand } from 'citty';
import { call, flagsOf, remoteArgs, resolveRemote } from '../connection';
import { EXIT, usage } from '../errors';
import { decisionLines, out } from '../output';
import { projectConfig } from './local';
import { mint } from './token';

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
