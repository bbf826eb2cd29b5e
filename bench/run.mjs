// `npm run bench`: the whole benchmark suite, written to BENCHMARKS.md.
//
// Servers run in workerd directly through Miniflare's API (never behind wrangler dev's
// Node proxy); load comes from autocannon in a separate process (bench/load.mjs).
// Contenders alternate within each round; medians over rounds are reported, with
// ratios against baselines measured in the same run. Each contender is first checked
// to give the same decisions on the same requests.
//
// Options: --quick (shorter runs), --skip-peers (no Cerbos/Express), --skip-adversarial (no
// section 1c: its set-up and rows add several minutes), --rounds N, --seconds N,
// --only a,b (just these HTTP scenarios, and the cache tiers when "tiers" is named; nothing else,
// no BENCHMARKS.md; "adversarial" names every adv-* row, whose section then goes to
// bench/.out/adversarial.md; "audit-half" the audit on/off p99 at half of audit-off's peak,
// which brings verdict-cached-audit-off; the audit-at-scale figures of whatever ran are
// logged and every run leaves bench/.out/results.json), --profile (with --only:
// a CPU profile of the Worker (hello-world's or Verdict's) during each scenario's first round, in bench/.out)
//
// The pieces: bench/lib/options.mjs (these flags), bench/runners/ (builds, workerd, the IdP,
// the peers, autocannon), bench/scenarios/ (what is measured, one module per section),
// bench/report.mjs with the templates in bench/report/ (BENCHMARKS.md's prose).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, ONLY, OUT, ROOT } from './lib/options.mjs';
import { adversarialReport, benchmarksMarkdown } from './report.mjs';
import { adversarialUnits, bundles, micro } from './runners/build.mjs';
import { makeIdp } from './runners/idp.mjs';
import { prepareAdversarial } from './scenarios/adversarial.mjs';
import { auditAtHalfLoad, auditInserts, auditUnderLoad } from './scenarios/audit.mjs';
import { checkAgreement } from './scenarios/check.mjs';
import { startContenders } from './scenarios/contenders.mjs';
import { halfLoad } from './scenarios/half-load.mjs';
import { runHttp } from './scenarios/http.mjs';
import { recordsList } from './scenarios/records.mjs';
import { cacheTiers } from './scenarios/tiers.mjs';

const results = { micro: {}, bundles: null, startup: {}, http: {}, tiers: null, halfLoad: {}, audit: {} };
const idp = makeIdp();
const issuer = await idp.ready;
results.micro = ONLY ? {} : micro();
results.bundles = bundles();
const ctx = await startContenders(results, idp, issuer);
const checkedRequests = await checkAgreement(ctx);
const adversarial = await prepareAdversarial(results, { ...ctx, issuer });
const measured = await runHttp(results, ctx, adversarial, checkedRequests);
await auditAtHalfLoad(results, measured);
await auditUnderLoad(results, ctx);
if (!ONLY || ONLY.includes('tiers')) await cacheTiers(results, ctx, issuer);
if (adversarial.length > 0) {
  log('adversarial: the same shapes in-process (engine only), for budget units and ns per unit');
  results.adversarial.units = adversarialUnits([...new Set(adversarial.map((a) => a.shape.name))]);
}
const adversarialSection = adversarialReport(results);
if (ONLY && adversarial.length > 0) {
  writeFileSync(join(OUT, 'adversarial.md'), adversarialSection.md);
  log('wrote bench/.out/adversarial.md');
}

writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 1));
/** Stops every server this run started. */
const stopAll = async () => {
  for (const p of Object.values(ctx.peers)) p.child.kill();
  await Promise.all(ctx.workers.map((w) => w.mf.dispose()));
  idp.close();
};
if (ONLY) {
  await stopAll();
  process.exit(0);
}

await halfLoad(results, measured);
await auditInserts(results);
await recordsList(results, ctx, idp, issuer);
await stopAll();

const md = benchmarksMarkdown(results, ctx, adversarialSection);
writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 1));
writeFileSync(join(ROOT, 'BENCHMARKS.md'), md);
log('wrote BENCHMARKS.md');
process.exit(0);
