// The suite's settings, read once from the command line (see bench/run.mjs for the flags),
// and the small helpers every module of the bench shares: where files go, the log, medians
// and number formatting.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adversarialShapes } from './adversarial.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = join(ROOT, 'bench/.out');
mkdirSync(OUT, { recursive: true });
const args = process.argv.slice(2);
export const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
export const QUICK = flag('--quick');
export const ROUNDS = option('--rounds', QUICK ? 1 : 3);
export const SECONDS = option('--seconds', QUICK ? 2 : 4);
export const CONNECTIONS = 16;
export const FLOOR_QUEUE_RATE = 2000;
// The adversarial rows (bench/lib/adversarial.mjs), audit off like the row they compare
// with (verdict-cached-audit-off); the shapes named here also run with audit on.
const ADVERSARIAL_AUDITED = ['adv-conditions', 'adv-explain'];
export const ADVERSARIAL = [
  ...adversarialShapes().map((shape) => ({ name: shape.name, shape, audit: false })),
  ...adversarialShapes()
    .filter((shape) => ADVERSARIAL_AUDITED.includes(shape.name))
    .map((shape) => ({ name: `${shape.name}-audit`, shape, audit: true })),
];
// "audit-half" names the audit on/off latency comparison at half of audit-off's peak,
// which needs that peak: it brings verdict-cached-audit-off with it.
export const ONLY = args.includes('--only')
  ? [
      ...new Set(
        args[args.indexOf('--only') + 1]
          .split(',')
          .flatMap((name) =>
            name === 'adversarial'
              ? ADVERSARIAL.map((a) => a.name)
              : name === 'audit-half'
                ? [name, 'verdict-cached-audit-off']
                : [name],
          ),
      ),
    ]
  : null;
export const PROFILE = Boolean(ONLY) && flag('--profile');
export const started = Date.now();
export const log = (...m) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s]`, ...m);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const fmt = (n, d = 0) =>
  n === undefined || n === null || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
export const npx = (a, opts = {}) =>
  execFileSync('npx', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
