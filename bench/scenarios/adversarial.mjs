// The adversarial rows (section 1c): the worst policies the write-time checks accept, set
// up through the admin API on Verdict instances of their own, and one request of each row
// sent before the load.
import { BINDING_KEYS, POLICIES_PER_BINDING } from '../lib/adversarial.mjs';
import { ADVERSARIAL, flag, fmt, log, ONLY } from '../lib/options.mjs';
import { api, benchProvider, ROOT_KEY, seedVerdict, startVerdict } from '../runners/workerd.mjs';

/**
 * What a hostile but authorized admin can set up: a workspace per shape with the seed's
 * identity provider, 80 policies (each at the 64 KB limit) and 20 of them bound on each
 * of the four binding keys a request matches. Everything goes through the public admin
 * API, so every document passed the write-time checks (a refusal stops the run).
 */
async function setupAdversarial(instance, shapes, issuer) {
  const url = instance.url;
  const kv = await instance.mf.getKVNamespace('CACHE');
  const t0 = performance.now();
  const done = new Set();
  for (const shape of shapes) {
    if (!shape.policy || done.has(shape.workspace)) continue;
    done.add(shape.workspace);
    const ws = shape.workspace;
    const created = await api(url, 'POST', '/v1/workspaces', ROOT_KEY, { id: ws, name: ws });
    const key = created.data.apiKey.key;
    await api(url, 'POST', `/v1/workspaces/${ws}/auth-providers`, key, benchProvider(issuer));
    let largest = 0;
    for (const [k, [resource, action]] of BINDING_KEYS.entries()) {
      const names = [];
      for (let i = 0; i < POLICIES_PER_BINDING; i++) {
        const name = `p${String(k * POLICIES_PER_BINDING + i).padStart(2, '0')}`;
        const doc = shape.policy(name);
        largest = Math.max(largest, Buffer.byteLength(JSON.stringify(doc)));
        await api(url, 'PUT', `/v1/workspaces/${ws}/policies/${name}`, key, doc);
        names.push(name);
      }
      await api(url, 'PUT', `/v1/workspaces/${ws}/permissions`, key, { resource, action, policies: names });
    }
    const doc = shape.policy('p00');
    const conditions = doc.specification.rules.reduce((n, r) => n + r.conditions.length, 0);
    // The snapshot every isolate re-reads from KV (and parses) at each revalidation.
    const snapshot = (await kv.get(`policyset:v2:${ws}`))?.length;
    log(
      `  ${ws}: ${BINDING_KEYS.length * POLICIES_PER_BINDING} policies of ${doc.specification.rules.length} rules, ${fmt(conditions)} conditions, ≤ ${fmt(largest)} bytes each (PUT 201); snapshot in KV ${fmt(snapshot / 1024)} KB`,
    );
  }
  return performance.now() - t0;
}

/** One request of each adversarial row, sent twice (the second is timed): status and outcome. */
async function preflight(url, shape, token) {
  let out;
  for (let i = 0; i < 2; i++) {
    const body = shape.body(token);
    const t0 = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(shape.headers ?? {}) },
      body,
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    const data = res.status === 200 ? JSON.parse(text).data : null;
    const decisions = data === null ? [] : Array.isArray(data) ? data : [data];
    const codes = [...new Set(decisions.map((d) => `${d.decision} ${d.reasons?.[0]?.code ?? ''}`.trim()))];
    out = {
      status: res.status,
      ms,
      bodyBytes: Buffer.byteLength(body),
      responseBytes: Buffer.byteLength(text),
      decisions: decisions.length,
      outcome: codes.join(', ') || text.slice(0, 200),
      budgetExceeded: decisions.filter((d) => d.reasons?.some((r) => r.code === 'budget_exceeded')).length,
    };
  }
  return out;
}

/**
 * The selected adversarial rows (none with --skip-adversarial), their instances started and
 * their workspaces set up; each row's preflight lands in results.adversarial.rows.
 */
export async function prepareAdversarial(results, { issuer, cached, workers }) {
  const adversarial = flag('--skip-adversarial')
    ? []
    : ADVERSARIAL.filter((a) => !ONLY || ONLY.includes(a.name));
  results.adversarial = { rows: {}, setupMs: 0 };
  const adversarialInstances = {};
  if (adversarial.length > 0) {
    log(
      'adversarial: own Verdict instances; workspaces of 80 policies at the size limits, through the admin API',
    );
    for (const audit of [false, true]) {
      const shapes = adversarial.filter((a) => a.audit === audit).map((a) => a.shape);
      if (shapes.length === 0) continue;
      const instance = await startVerdict(
        audit ? results.bundles.verdict.file : results.bundles.verdictAuditOff.file,
        {},
        audit ? 9237 : 9236,
      );
      await seedVerdict(instance.url, issuer);
      workers.push(instance);
      adversarialInstances[audit] = instance;
      // A workspace used by a selected row is set up by the shape that owns its policies.
      const owners = ADVERSARIAL.map((a) => a.shape).filter(
        (o) => o.policy && shapes.some((sh) => sh.workspace === o.workspace),
      );
      results.adversarial.setupMs += await setupAdversarial(instance, owners, issuer);
    }
    log(`  set up in ${fmt(results.adversarial.setupMs / 1000, 1)} s; one request of each row:`);
    for (const a of adversarial) {
      const instance = adversarialInstances[a.audit];
      const url = `${instance.direct}/v1/workspaces/${a.shape.workspace}/${a.shape.path ?? 'authorize'}`;
      const pre = await preflight(url, a.shape, cached);
      results.adversarial.rows[a.name] = { ...pre, url };
      log(
        `  ${a.name}: ${pre.status}, ${pre.outcome}${pre.decisions > 1 ? ` (${pre.budgetExceeded}/${pre.decisions} budget_exceeded)` : ''}, ${fmt(pre.ms, 1)} ms, body ${fmt(pre.bodyBytes)} B, response ${fmt(pre.responseBytes)} B`,
      );
      if (pre.status !== 200) throw new Error(`${a.name}: the decision did not answer 200`);
    }
  }
  return adversarial;
}
