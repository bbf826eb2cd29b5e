// Stored workspace settings that no longer parse fail closed: the decision path answers 503
// (no decision) and the admin read a 503 problem, instead of reading the setting as empty
// (an empty redaction list would audit what it should hide; a subject source without its
// required mappings would admit subjects it refuses). Positive twin: restored, it decides.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { kvKeys } from '../../src/storage/kv-keys';
import { call, expectProblem } from '../helpers/api';
import { authorizeWith, sign, trustingWorkspace } from '../helpers/idp';

async function setStored(ws: string, column: 'redact_keys' | 'pep_subjects', value: string) {
  await env.DB.prepare(`UPDATE workspaces SET ${column} = ? WHERE id = ?`).bind(value, ws).run();
  await env.CACHE.delete(kvKeys.policySet(ws));
  await new Promise((r) => setTimeout(r, 250)); // past POLICY_REVALIDATE_MS (200 in tests)
}

describe('corrupt stored settings', () => {
  for (const [column, corrupt] of [
    ['redact_keys', '{"not":"a list"}'],
    ['pep_subjects', '{"claimMappings":"no"}'],
  ] as const) {
    it(`${column}: 503 for decisions and the admin read; restored, it decides again`, async () => {
      const { ws, adminKey, idp } = await trustingWorkspace(`st${column.length}${Date.now().toString(36)}`);
      const token = await sign(idp, { sub: 'u1', aud: 'verdict' });
      await setStored(ws, column, corrupt);
      expect((await authorizeWith(ws, token)).res.status).toBe(503);
      await expectProblem(await call('GET', `/v1/workspaces/${ws}`, { key: adminKey }), 503, 'unavailable');
      await setStored(ws, column, column === 'redact_keys' ? '[]' : '{"claimMappings":[]}');
      expect((await authorizeWith(ws, token)).res.status).toBe(200);
    });
  }
});
