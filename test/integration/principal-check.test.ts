// "Paste a token" (POST …/auth-providers/{id}/check) against /authorize: for every token in
// a set that spans the refusal classes, the check's outcome is what a decision with that
// token reports (the same reason, or allowed with the same subject), because both run one
// verifier. Claims are mapped (defaults, required) without verification; the token is never
// echoed; the route needs providers:read.
import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, json } from '../helpers/api';
import { authorizeWith, issuerUrl, registerIdp, sign, trustingWorkspace } from '../helpers/idp';

type Check =
  | { ok: true; verified: boolean; subject: string | null; attributes: Record<string, unknown> }
  | {
      ok: false;
      reason: string;
      detail: string;
    };

const MAPPINGS = [
  { jwtPath: 'role', attribute: 'role', defaultValue: 'employee' },
  { jwtPath: 'department', attribute: 'department' },
  { jwtPath: 'org.id', attribute: 'org', required: true },
];

let ws: string;
let adminKey: string;
let idp: string;
let other: string;
let providerId: string;

const check = async (body: Record<string, unknown>, key = adminKey, id = providerId) =>
  call('POST', `/v1/workspaces/${ws}/auth-providers/${id}/check`, { key, body });

beforeAll(async () => {
  ({ ws, adminKey, idp } = await trustingWorkspace(`pc${Date.now().toString(36)}`, {
    provider: { claimMappings: MAPPINGS },
  }));
  other = `${idp}o`;
  expect((await registerIdp(ws, adminKey, other)).status).toBe(201);
  const list = await json<{ data: { id: string; issuer: string }[] }>(
    await call('GET', `/v1/workspaces/${ws}/auth-providers`, { key: adminKey }),
  );
  providerId = list.data.find((p) => p.issuer === issuerUrl(idp))!.id;
  const revoke = await call('POST', `/v1/workspaces/${ws}/revocations`, {
    key: adminKey,
    body: { kind: 'sub', value: 'revoked-user' },
  });
  expect(revoke.status).toBe(201);
});

describe('paste a token agrees with a decision', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const base = { aud: 'verdict', org: { id: 'acme' } };
  // Each case names its outcome (null: accepted), so a verifier that accepted everything,
  // or refused everything, fails here even though both routes would still agree.
  const tokens: [string, () => Promise<string>, string | null][] = [
    ['a good token', () => sign(idp, { ...base, sub: 'ann', role: 'manager' }), null],
    ['a good token without the optional claims', () => sign(idp, { ...base, sub: 'bob' }), null],
    ['an expired token', () => sign(idp, { ...base, sub: 'ann', exp: now() - 3600 }), 'token_expired'],
    [
      'a token for another audience',
      () => sign(idp, { ...base, sub: 'ann', aud: 'other' }),
      'audience_mismatch',
    ],
    ['a token without the required claim', () => sign(idp, { sub: 'ann', aud: 'verdict' }), 'claim_missing'],
    [
      'a tampered signature',
      async () => `${(await sign(idp, { ...base, sub: 'ann' })).slice(0, -4)}AAAA`,
      'signature_invalid',
    ],
    ['a revoked subject', () => sign(idp, { ...base, sub: 'revoked-user' }), 'token_revoked'],
    ['not a JWT', async () => 'not-a-token', 'token_malformed'],
  ];

  for (const [name, make, reason] of tokens) {
    it(`${name}: ${reason ?? 'accepted'}, the same outcome as /authorize`, async () => {
      const token = await make();
      const res = await check({ token });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(token);
      const { data } = JSON.parse(text) as { data: Check };
      const decided = await authorizeWith(ws, token);
      if (reason === null) {
        expect(decided.res.status).toBe(200);
        expect(data.ok).toBe(true);
        if (!data.ok) return;
        expect(data.verified).toBe(true);
        expect(data.subject).toBe((decided.body.data as { subject: string }).subject);
      } else {
        expect(decided.body.reason).toBe(reason);
        expect(data).toMatchObject({ ok: false, reason });
      }
    });
  }

  it('shows the mapped attributes with defaults', async () => {
    const res = await check({ token: await sign(idp, { ...base, sub: 'bob' }) });
    const { data } = await json<{ data: Check }>(res);
    expect(data).toMatchObject({
      ok: true,
      subject: 'bob',
      attributes: { ext_role: 'employee', ext_org: 'acme', sub: 'bob', issuer: issuerUrl(idp) },
    });
    expect(data.ok && 'ext_department' in data.attributes).toBe(false);
  });

  it('a token of another provider of the workspace is refused for this one (its positive twin passes)', async () => {
    const token = await sign(other, { ...base, sub: 'ann' });
    expect((await authorizeWith(ws, token)).res.status).toBe(200);
    const { data } = await json<{ data: Check }>(await check({ token }));
    expect(data).toMatchObject({ ok: false, reason: 'unknown_issuer' });
  });
});

describe('claims (mapped, not verified)', () => {
  it('maps claims through the provider’s mappings', async () => {
    const { data } = await json<{ data: Check }>(
      await check({ claims: { sub: 'carol', role: 'manager', org: { id: 'acme' } } }),
    );
    expect(data).toEqual({
      ok: true,
      verified: false,
      subject: 'carol',
      provider: idp,
      attributes: {
        ext_role: 'manager',
        ext_org: 'acme',
        sub: 'carol',
        issuer: issuerUrl(idp),
        provider: idp,
      },
    });
  });
  it('claims get the checks a decision makes after the signature: sub, then the denylist', async () => {
    const noSub = await json<{ data: Check }>(await check({ claims: { org: { id: 'acme' } } }));
    expect(noSub.data).toMatchObject({ ok: false, reason: 'subject_missing' });
    const revoked = await json<{ data: Check }>(
      await check({ claims: { sub: 'revoked-user', org: { id: 'acme' } } }),
    );
    expect(revoked.data).toMatchObject({ ok: false, reason: 'token_revoked' });
  });
  it('a missing required claim is claim_missing', async () => {
    const { data } = await json<{ data: Check }>(await check({ claims: { sub: 'carol' } }));
    expect(data).toMatchObject({ ok: false, reason: 'claim_missing' });
  });
});

describe('bad input and scopes', () => {
  it('both token and claims, or neither, is a 400', async () => {
    await expectProblem(await check({ token: 'a.b.c', claims: {} }), 400);
    await expectProblem(await check({}), 400);
  });
  it('an unknown provider is a 404', async () => {
    await expectProblem(await check({ claims: {} }, adminKey, 'nope'), 404);
  });
  it('needs providers:read (a key with it passes)', async () => {
    const mk = async (scopes: string[]) =>
      (
        await json<{ data: { key: string } }>(
          await call('POST', `/v1/workspaces/${ws}/api-keys`, { key: adminKey, body: { name: 'k', scopes } }),
        )
      ).data.key;
    await expectProblem(await check({ claims: { org: { id: 'a' } } }, await mk(['audit:read'])), 403);
    expect((await check({ claims: { org: { id: 'a' } } }, await mk(['providers:read']))).status).toBe(200);
  });
});
