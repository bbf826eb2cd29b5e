/// <reference types="node" />
// `wrangler dev` for the system suites (scripts/walkthrough.mjs starts it as `npm run dev`
// does), registered for teardown the moment it is spawned: a suite that fails anywhere after
// that, a browser launched beside it included, still stops it (../helpers/teardown.ts).
import { startDevServer as startWrangler } from '../../scripts/walkthrough.mjs';
import { registerTeardown, trackStart } from '../helpers/teardown';

export type DevServer = { port: number; log: string; stop: () => Promise<void> };

/**
 * Starts `wrangler dev`; its process group is registered for teardown when spawned, and the
 * start is tracked, so a teardown that begins before the spawn still stops it. `onSpawn` lets
 * a test see what was started.
 */
export function startDevServer(
  onSpawn?: (server: { pid: number | undefined; port: number }) => void,
): Promise<DevServer> {
  return trackStart(
    startWrangler({
      onSpawn: ({ pid, port, stop }) => {
        registerTeardown('wrangler dev', stop, { pid, group: true });
        onSpawn?.({ pid, port });
      },
    }),
  );
}
