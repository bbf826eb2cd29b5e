// CPU profile of a Worker inside workerd, over the V8 inspector that Miniflare opens
// (`inspectorPort`). Used by `npm run bench -- --only <scenario> --profile`.
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';

/** Starts sampling the user Worker's isolate; resolves to stop() → the profile. */
export async function startProfile(inspectorPort, intervalUs = 100) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.title.includes('core:user'));
  if (!target) throw new Error(`no user worker among ${targets.map((t) => t.title).join(', ')}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let id = 0;
  const pending = new Map();
  socket.on('message', (m) => {
    const msg = JSON.parse(m.toString());
    pending.get(msg.id)?.(msg.result);
    pending.delete(msg.id);
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: intervalUs });
  await send('Profiler.start');
  return async () => {
    const { profile } = await send('Profiler.stop');
    socket.close();
    return profile;
  };
}

const frameName = (node) => {
  const f = node.callFrame;
  const file = f.url ? f.url.split('/').pop() : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
};

/** Self and inclusive sample shares per function, as two Markdown-ready lists. */
export function summarize(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const inclusive = new Map();
  for (const sample of profile.samples) {
    const name = frameName(byId.get(sample));
    self.set(name, (self.get(name) ?? 0) + 1);
    const seen = new Set();
    for (let cur = sample; cur !== undefined; cur = parent.get(cur)) {
      const n = frameName(byId.get(cur));
      if (seen.has(n)) continue;
      seen.add(n);
      inclusive.set(n, (inclusive.get(n) ?? 0) + 1);
    }
  }
  const total = profile.samples.length;
  const list = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => `${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  return { samples: total, self: list(self), inclusive: list(inclusive) };
}

export function saveProfile(path, profile) {
  writeFileSync(path, JSON.stringify(profile));
}
