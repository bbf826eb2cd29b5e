/** `verdict explain`: a decision from the audit log, with its reasons and what the policy saw. */
import { defineCommand } from 'citty';
import pc from 'picocolors';
import { call, flagsOf, remoteArgs, resolveRemote } from '../connection';
import { usage } from '../errors';
import { decisionLines, out } from '../output';
import { projectConfig } from './local';

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
