import { describe, expect, it } from 'vitest';
import { call, createWorkspace } from '../helpers/api';
import { authorizeWith, registerIdp, sign } from '../helpers/idp';

describe('smoke', () => {
  it('registers a loopback IdP and verifies its token', async () => {
    const { ws, adminKey } = await createWorkspace();
    const reg = await registerIdp(ws, adminKey, 'smoke');
    expect(reg.status, await reg.clone().text()).toBe(201);
    await call('PUT', `/v1/workspaces/${ws}/policies/all`, {
      key: adminKey,
      body: {
        name: 'all',
        specification: {
          rules: [{ rule_id: 'any', effect: 'Allow', conditions: [] }],
          default: { rule_id: 'd', effect: 'Deny' },
        },
      },
    });
    await call('PUT', `/v1/workspaces/${ws}/permissions`, {
      key: adminKey,
      body: { resource: '*', action: '*', policies: ['all'] },
    });
    const token = await sign('smoke', { sub: 'u1', aud: 'verdict' });
    const { res, body } = await authorizeWith(ws, token);
    expect(res.status, JSON.stringify(body)).toBe(200);
  });
});
