// Before any load: every contender gives the same decisions on the same requests (ten RS256
// and ten ES256 tokens, an amount under and over the limit each).
import { log } from '../lib/options.mjs';
import { cerbosBody, verdictBody } from './bodies.mjs';

/** POSTs `body` as JSON to `url` and answers the parsed response. */
async function postJson(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return res.json();
}

/** Throws at the first disagreement; answers how many requests the audit-on Verdict answered. */
export async function checkAgreement({ verdict, verdictNoAudit, peers, rsTokens, esTokens, amounts }) {
  log('check: every contender gives the same decisions on the same requests');
  const allowedBy = async (url, body) => (await postJson(url, body)).data.allowed;
  let checkedRequests = 0;
  const sample = [...rsTokens.slice(0, 10), ...esTokens.slice(0, 10)];
  for (const [i, token] of sample.entries()) {
    for (const amount of amounts) {
      const body = verdictBody(token, amount);
      const v = await allowedBy(`${verdict.direct}/v1/workspaces/bench/authorize`, body);
      checkedRequests++;
      const v2 = await allowedBy(`${verdictNoAudit.direct}/v1/workspaces/bench/authorize`, body);
      if (v !== v2) throw new Error('audit on/off instances disagree');
      if (peers.express) {
        const e = await allowedBy(`${peers.express.url}/authorize`, body);
        if (e !== v) throw new Error(`Express disagrees on request ${i}/${amount}`);
      }
      for (const cerbos of [peers.cerbos, peers.cerbosAudit].filter(Boolean)) {
        const res = await postJson(`${cerbos.url}/api/check/resources`, cerbosBody(token, amount, i));
        const c = res.results?.[0]?.actions?.approve === 'EFFECT_ALLOW';
        if (c !== v) throw new Error(`Cerbos disagrees on request ${i}/${amount}: ${JSON.stringify(res)}`);
      }
    }
  }
  return checkedRequests;
}
