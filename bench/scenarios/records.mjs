// Records (section 6): list latency at 10,000 records for a policy translated to SQL and
// one that needs scan-and-filter, on the audit-off instance.
import { fmt, log, median, QUICK } from '../lib/options.mjs';
import { api, ROOT_KEY } from '../runners/workerd.mjs';

export async function recordsList(results, { verdictNoAudit }, idp, issuer) {
  log('records: list latency at 10,000 records, selective policy, translated vs scan-and-filter');
  const url = verdictNoAudit.url;
  const created = await api(url, 'POST', '/v1/workspaces', ROOT_KEY, {
    id: 'records-bench',
    name: 'Records bench',
  });
  const key = created.data.apiKey.key;
  await api(url, 'POST', '/v1/workspaces/records-bench/auth-providers', key, {
    name: 'idp',
    type: 'oidc',
    issuer,
    audiences: ['verdict'],
    claimMappings: [{ jwtPath: 'department', attribute: 'department', required: true }],
  });
  const P = (name, fn) => ({
    name,
    specification: {
      rules: [
        {
          rule_id: 'own-department',
          effect: 'Allow',
          conditions: [
            { function: fn, attribute: 'record.department', value_from_attribute: 'ext_department' },
          ],
        },
      ],
      default: { rule_id: 'deny', effect: 'Deny' },
    },
  });
  await api(
    url,
    'PUT',
    '/v1/workspaces/records-bench/policies/translated',
    key,
    P('translated', 'string_equal'),
  );
  // Same meaning for these data, but string_equal_ignore_case has no SQL translation: scan-and-filter.
  await api(
    url,
    'PUT',
    '/v1/workspaces/records-bench/policies/scanned',
    key,
    P('scanned', 'string_equal_ignore_case'),
  );
  await api(url, 'PUT', '/v1/workspaces/records-bench/policies/anyone', key, {
    name: 'anyone',
    specification: {
      rules: [{ rule_id: 'a', effect: 'Allow', conditions: [] }],
      default: { rule_id: 'd', effect: 'Deny' },
    },
  });
  for (const [collection, policy] of [
    ['orders_sql', 'translated'],
    ['orders_scan', 'scanned'],
  ]) {
    await api(url, 'PUT', '/v1/workspaces/records-bench/permissions', key, {
      resource: collection,
      action: 'read',
      policies: [policy],
    });
    await api(url, 'PUT', '/v1/workspaces/records-bench/permissions', key, {
      resource: collection,
      action: 'list',
      policies: ['anyone'],
    });
  }
  const rdb = await verdictNoAudit.mf.getD1Database('DB');
  const N = 10_000;
  // Multi-row INSERTs (12 rows × 8 parameters per statement, under D1's 100) in batches.
  for (const collection of ['orders_sql', 'orders_scan']) {
    const rows = Array.from({ length: N }, (_, j) => [
      'records-bench',
      collection,
      `r${j}`,
      JSON.stringify({ department: `dept-${j % 50}`, amount: j % 997 }),
      'seed',
      1,
      1_700_000_000_000 + j,
      1_700_000_000_000 + j,
    ]);
    const stmts = [];
    for (let k = 0; k < rows.length; k += 12) {
      const chunk = rows.slice(k, k + 12);
      stmts.push(
        rdb
          .prepare(
            `INSERT INTO records (workspace_id, collection, id, data, owner, version, created_at, updated_at) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(',')}`,
          )
          .bind(...chunk.flat()),
      );
    }
    for (let k = 0; k < stmts.length; k += 100) await rdb.batch(stmts.slice(k, k + 100));
  }
  const token = idp.mint('RS256', { sub: 'reader', department: 'dept-7' });
  const timeList = async (collection) => {
    const times = [];
    let meta;
    for (let i = 0; i < (QUICK ? 5 : 15); i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/workspaces/records-bench/records/${collection}?limit=50`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await res.json();
      times.push(performance.now() - t0);
      meta = { ...body.meta, returned: body.data.length };
    }
    return { ms: median(times), meta };
  };
  results.records = { translated: await timeList('orders_sql'), scanned: await timeList('orders_scan') };
  log(
    `records: translated ${fmt(results.records.translated.ms, 1)} ms, scan ${fmt(results.records.scanned.ms, 1)} ms`,
  );
}
