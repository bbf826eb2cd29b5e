/// <reference types="node" />
// A suite whose browser fails to launch leaves nothing behind: the console and /docs suites
// start `wrangler dev` and Chromium side by side (Promise.all); here the browser is given a
// path with no executable, so the launch fails at once, before the dev server is even
// spawned. Draining the teardown registry (what test/setup/teardown.ts does after every
// system suite) must still stop the server that is spawned afterwards: its process group is
// empty and its port is closed.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { drainTeardowns, registeredPids } from '../helpers/teardown';
import { launchBrowser } from './browser';
import { startDevServer } from './dev-server';

/** Pids of the live (not zombie) members of a process group. */
function groupMembers(pgid: number): number[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,pgid=,stat='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, g, stat]) => Number(g) === pgid && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/** Whether anything accepts connections on the port, over IPv4 or IPv6 loopback. */
const accepts = async (port: number) =>
  (await Promise.all(['127.0.0.1', '::1'].map((host) => acceptsOn(host, port)))).some(Boolean);

const acceptsOn = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('teardown of started processes', () => {
  it('a browser that fails to launch beside the dev server leaves no wrangler or workerd running', async () => {
    const spawned: { pid: number | undefined; port: number }[] = [];
    const setUp = Promise.all([
      startDevServer((s) => spawned.push(s)),
      launchBrowser('/nonexistent/chromium-for-this-test'),
    ]);
    await expect(setUp).rejects.toThrow(/No Chromium at \/nonexistent/);
    await drainTeardowns();
    try {
      // The server was really started (else this test proves nothing): with the drain waiting
      // for starts in flight it already was; without, it is spawned a few seconds later.
      for (let i = 0; i < 100 && spawned.length === 0; i++) await new Promise((r) => setTimeout(r, 200));
      expect(spawned).toHaveLength(1);
      const [{ pid, port }] = spawned as [{ pid: number; port: number }];
      expect(pid).toBeGreaterThan(0);
      expect(groupMembers(pid)).toEqual([]);
      expect(await accepts(port)).toBe(false);
      expect(registeredPids()).toEqual([]);
    } finally {
      // Should this test fail, it does not leave what it started behind either.
      for (const { pid } of spawned)
        try {
          if (pid) process.kill(-pid, 'SIGKILL');
        } catch {}
    }
  }, 60_000);

  it('positive twin: a dev server that starts is up and registered until the drain, then gone', async () => {
    const spawned: { pid: number | undefined; port: number }[] = [];
    const server = await startDevServer((s) => spawned.push(s));
    const pid = spawned[0]?.pid as number;
    expect(registeredPids()).toContain(pid);
    expect(groupMembers(pid).length).toBeGreaterThan(0);
    expect((await fetch(`http://localhost:${server.port}/healthz`)).status).toBe(200);
    await drainTeardowns();
    expect(groupMembers(pid)).toEqual([]);
    expect(await accepts(server.port)).toBe(false);
  }, 120_000);
});
