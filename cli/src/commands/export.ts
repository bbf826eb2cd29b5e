/** `verdict export`: every audited decision in a range, as NDJSON, from the hot window and the archive. */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { defineCommand } from 'citty';
import { Presets, SingleBar } from 'cli-progress';
import pc from 'picocolors';
import { auditFilterArgs, auditFilterOf } from '../audit-filter';
import { call, flagsOf, remoteArgs, resolveRemote } from '../connection';
import { sinceStart } from '../instants';
import { note } from '../output';
import { projectConfig } from './local';

export const exportCmd = defineCommand({
  meta: {
    name: 'export',
    description:
      'Every audited decision in a range, newest first, from the hot window and the archive, as NDJSON (a progress counter on a terminal)',
  },
  args: {
    ...remoteArgs,
    since: { type: 'string', description: 'Start this long ago (30s, 10m, 2h, 7d)', default: '7d' },
    ...auditFilterArgs,
    out: { type: 'string', description: 'Write to this file (default: standard output)' },
  },
  async run({ args }) {
    const remote = resolveRemote(flagsOf(args), projectConfig('.'));
    const filter = { from: sinceStart(args.since, Date.now()), ...auditFilterOf(args) };
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
