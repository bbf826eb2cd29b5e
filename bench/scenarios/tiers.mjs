// Cache tiers (section 1b): one request at a time against a Verdict instance of its own —
// cold isolate, cold KV, never-seen tokens, a repeated token — beside hello-world.
import { fmt, log } from '../lib/options.mjs';
import { measureTiers } from '../lib/tiers.mjs';
import { seedVerdict, startVerdict } from '../runners/workerd.mjs';
import { verdictBody } from './bodies.mjs';

/** Measures the tiers into results.tiers. */
export async function cacheTiers(results, { hello, cached, rsTokens, esTokens, amounts }, issuer) {
  log('tiers: one request at a time — cold isolate, cold KV, new tokens, repeated token');
  const tiersVerdict = await startVerdict(results.bundles.verdict.file);
  await seedVerdict(tiersVerdict.url, issuer);
  const authorizePath = '/v1/workspaces/bench/authorize';
  const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  results.tiers = await measureTiers({
    helloUrl: hello.direct,
    authorizeUrl: `${tiersVerdict.direct}${authorizePath}`,
    restart: async () => {
      await tiersVerdict.mf.setOptions(tiersVerdict.options);
      return new URL(authorizePath, await tiersVerdict.mf.unsafeGetDirectURL()).toString();
    },
    // The key formats of src/storage/kv-keys.ts; a key that is not there stops the run, so
    // a renamed key cannot turn the cold-KV tier into a second cold-isolate tier unnoticed.
    forgetKv: async () => {
      const kv = await tiersVerdict.mf.getKVNamespace('CACHE');
      for (const key of ['policyset:v2:bench', `jwks:v1:${issuer}/jwks`]) {
        if ((await kv.get(key)) === null) throw new Error(`tiers: KV has no ${key} to forget`);
        await kv.delete(key);
      }
    },
    bodyFor: (token, i) => verdictBody(token, amounts[i % 2]),
    expected: (body) => {
      const { token, context } = JSON.parse(body);
      const claims = claimsOf(token);
      return claims.role === 'manager' || context.amount <= Number(claims.approval_limit);
    },
    // Tokens this instance has never seen (the pools' tails; the HTTP runs used other instances).
    tokens: { cached, rs: rsTokens.slice(-300), es: esTokens.slice(-300) },
  });
  for (const [tier, t] of Object.entries(results.tiers))
    log(`  ${tier}: p50 ${fmt(t.p50, 2)} ms, p99 ${fmt(t.p99, 2)} ms (${t.n} requests)`);
  await tiersVerdict.mf.dispose();
}
