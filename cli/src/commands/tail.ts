/** `verdict tail`: follow the audit log (newest last), with filters. */
import type { AuditEvent } from '@verdict-authz/sdk';
import { defineCommand } from 'citty';
import pc from 'picocolors';
import { auditFilterArgs, auditFilterOf } from '../audit-filter';
import { call, flagsOf, remoteArgs, resolveRemote } from '../connection';
import { usage } from '../errors';
import { sinceStart } from '../instants';
import { out } from '../output';
import { projectConfig } from './local';

function eventLine(e: AuditEvent): string {
  const effect = e.decision === 'Allow' ? pc.green('Allow') : pc.red('Deny ');
  const by = e.policy
    ? `${e.policy}/${e.ruleId}`
    : ((e.reasons[0] as { code?: string } | undefined)?.code ?? '');
  return `${pc.dim(new Date(e.time).toISOString())} ${effect} ${e.subject ?? '-'} ${e.resource}/${e.action} ${pc.dim(by)} ${pc.dim(e.decisionId)}`;
}

export const tail = defineCommand({
  meta: { name: 'tail', description: 'Follow the audit log (newest last), with filters' },
  args: {
    ...remoteArgs,
    ...auditFilterArgs,
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
    const filter = auditFilterOf(args);
    const limit = args.count === undefined ? Number.POSITIVE_INFINITY : Number(args.count);
    if (!(limit > 0)) throw usage('--count: a positive number');
    const interval = Number(args.interval) * 1000;
    if (!(interval >= 100)) throw usage('--interval: seconds, at least 0.1');
    let from = sinceStart(args.since, Date.now());
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
