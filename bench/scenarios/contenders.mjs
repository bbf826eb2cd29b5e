// The contenders of the HTTP rows: hello-world, the JSON floors, Verdict with audit on, off
// and without a local consumer (each seeded with the bench workspace), the token pools, and
// the peers unless --skip-peers.
import { join } from 'node:path';
import { flag, log, ONLY, OUT, QUICK, ROOT } from '../lib/options.mjs';
import { startCerbos, startExpress } from '../runners/peers.mjs';
import { seedVerdict, startHello, startVerdict } from '../runners/workerd.mjs';

/** Everything the scenarios run against; `workers` lists the Miniflare instances to dispose. */
export async function startContenders(results, idp, issuer) {
  log('workerd: starting Verdict (audit on), Verdict (audit off), hello-world and the JSON floors');
  const hello = await startHello(results.bundles.hello.file, 9233);
  const floorScript = join(ROOT, 'bench/json-floor-worker.js');
  const jsonFloor = await startHello(floorScript, 9234);
  const jsonFloorQueue = await startHello(floorScript, 9235, {
    queueProducers: { AUDIT_QUEUE: 'floor-audit' },
    queueConsumers: { 'floor-audit': { maxBatchSize: 100, maxBatchTimeout: 5 } },
  });
  const workers = [hello, jsonFloor, jsonFloorQueue];
  const verdict = await startVerdict(results.bundles.verdict.file, {}, 9231);
  const verdictNoAudit = await startVerdict(results.bundles.verdictAuditOff.file, {}, 9232);
  const verdictNoConsumer = await startVerdict(results.bundles.verdict.file, {}, 9238, { consumer: false });
  workers.push(verdict, verdictNoAudit, verdictNoConsumer);
  results.startup = { hello: hello.startupMs, verdict: verdict.startupMs };
  const verdictKey = await seedVerdict(verdict.url, issuer);
  await seedVerdict(verdictNoAudit.url, issuer);
  const noConsumerKey = await seedVerdict(verdictNoConsumer.url, issuer);

  log('tokens: minting the pools');
  const cached = idp.mint('RS256', { sub: 'alice', role: 'employee', approval_limit: '1000' });
  // --only without a pool scenario mints just enough tokens for the decision check and the tiers.
  const pools = !ONLY || ONLY.some((name) => name.includes('pool'));
  const RS_POOL = !pools ? 310 : QUICK ? 2000 : 20000;
  const ES_POOL = !pools ? 310 : QUICK ? 4000 : 30000;
  const rsTokens = Array.from({ length: RS_POOL }, (_, i) =>
    idp.mint('RS256', { sub: `rs-${i}`, role: i % 5 ? 'employee' : 'manager', approval_limit: '1000' }),
  );
  const esTokens = Array.from({ length: ES_POOL }, (_, i) =>
    idp.mint('ES256', { sub: `es-${i}`, role: i % 5 ? 'employee' : 'manager', approval_limit: '1000' }),
  );
  const amounts = [500, 5000];

  const peers = {};
  if (!flag('--skip-peers')) {
    try {
      peers.cerbos = await startCerbos(issuer);
      // The same PDP writing a decision log entry per check (audit on, like Verdict's rows).
      peers.cerbosAudit = await startCerbos(issuer, {
        name: 'cerbos-audit',
        decisionLog: join(OUT, 'cerbos-audit/decisions.log'),
      });
    } catch (err) {
      log(`peers: Cerbos unavailable (${err.message}); skipped`);
    }
    peers.express = await startExpress(issuer);
  }

  return {
    hello,
    jsonFloor,
    jsonFloorQueue,
    verdict,
    verdictNoAudit,
    verdictNoConsumer,
    verdictKey,
    noConsumerKey,
    workers,
    peers,
    cached,
    rsTokens,
    esTokens,
    amounts,
    RS_POOL,
    ES_POOL,
  };
}
