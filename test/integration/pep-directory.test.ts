// The trusted-PEP subject directory (settings.pepSubjects.collection) is written through the
// key-authorized import only: an end user whose policies allow writing anywhere still cannot
// create, change or delete a subject's attributes there. Positive twins: the same user writes
// another collection, and the import writes the directory.
import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/api';
import { sign, trustingWorkspace } from '../helpers/idp';

let ws: string;
let adminKey: string;
let token: string;
const asUser = (method: string, path: string, body?: unknown) =>
  call(method, `/v1/workspaces/${ws}/records${path}`, {
    headers: { authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body }),
  });

beforeAll(async () => {
  let idp: string;
  // ALLOW_ALL bound to */*: every records action is allowed by policy.
  ({ ws, adminKey, idp } = await trustingWorkspace(`dir${Date.now().toString(36)}`));
  token = await sign(idp, { sub: 'mallory', aud: 'verdict' });
  const patched = await call('PATCH', `/v1/workspaces/${ws}`, {
    key: adminKey,
    body: {
      pepSubjects: { collection: 'directory', claimMappings: [{ jwtPath: 'roles', attribute: 'roles' }] },
    },
  });
  expect(patched.status).toBe(200);
  const imported = await call('POST', `/v1/workspaces/${ws}/records/directory/import`, {
    key: adminKey,
    body: { records: [{ id: 'alice', data: { roles: ['viewer'] } }] },
  });
  expect(imported.status).toBe(200);
});

describe('the subject directory', () => {
  it('refuses an end user’s create, update and delete there (403)', async () => {
    await expectProblem(
      await asUser('POST', '/directory', { id: 'mallory', data: { roles: ['admin'] } }),
      403,
      'forbidden',
    );
    await expectProblem(
      await asUser('PATCH', '/directory/alice', { data: { roles: ['admin'] } }),
      403,
      'forbidden',
    );
    await expectProblem(await asUser('DELETE', '/directory/alice'), 403, 'forbidden');
  });
  it('positive twin: the same user writes another collection', async () => {
    expect((await asUser('POST', '/notes', { id: 'n1', data: { text: 'hi' } })).status).toBe(201);
  });
  it('positive twin: the directory still reads, and the import still writes it', async () => {
    expect((await asUser('GET', '/directory/alice')).status).toBe(200);
    const again = await call('POST', `/v1/workspaces/${ws}/records/directory/import`, {
      key: adminKey,
      body: { records: [{ id: 'bob', data: { roles: ['editor'] } }] },
    });
    expect(again.status).toBe(200);
  });
  it('without a token the answer is still 401 (the directory is not revealed first)', async () => {
    await expectProblem(
      await call('POST', `/v1/workspaces/${ws}/records/directory`, { body: { data: {} } }),
      401,
    );
  });
});
