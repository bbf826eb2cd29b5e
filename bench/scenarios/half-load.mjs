// p99 at half of hello-world's peak throughput (results.halfLoad), for hello-world and
// Verdict with audit on and off.
import { quiet } from '../lib/cpu.mjs';
import { log, median, ROUNDS } from '../lib/options.mjs';
import { load } from '../runners/autocannon.mjs';

export async function halfLoad(results, { scenarios, servers }) {
  log('half load: p99 at half of hello-world peak throughput');
  const half = Math.floor(results.http.hello.rps / 2);
  const helloHalf = [];
  const verdictHalf = [];
  const verdictHalfNoAudit = [];
  const atHalf = async (name) => {
    await quiet(servers.map(([, p]) => p).filter(Boolean));
    return (await load({ ...scenarios.find((x) => x.name === name), rate: half })).p99;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    helloHalf.push(await atHalf('hello'));
    verdictHalf.push(await atHalf('verdict-cached'));
    verdictHalfNoAudit.push(await atHalf('verdict-cached-audit-off'));
  }
  results.halfLoad = {
    rate: half,
    helloP99: median(helloHalf),
    verdictP99: median(verdictHalf),
    verdictNoAuditP99: median(verdictHalfNoAudit),
  };
}
