// Firebase Auth publishes its signing keys as a map of kid → PEM certificate, not a
// JWKS. The preset fetches that map from Google, which tests cannot reach, so here the
// same map is served by the loopback IdP fixture and the provider points at it; the
// verification path (fetch, KV, certificate import, jose) is the production one.
import { env } from 'cloudflare:workers';
import { generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ProviderInputSchema } from '../../src/contract/provider';
import { fetchJson } from '../../src/identity/fetch-json';
import type { KeyDeps } from '../../src/identity/jwks-cache';
import { TokenError } from '../../src/identity/reasons';
import { verifyToken } from '../../src/identity/verify-token';
import type { Provider } from '../../src/storage/providers';
import { FIREBASE_TEST_CERT, FIREBASE_TEST_KID, FIREBASE_TEST_PKCS8 } from '../fixtures/firebase-x509';
import { control, hits, issuerUrl } from '../helpers/idp';

const PROJECT = 'verdict-demo-project';
const ISSUER = `https://securetoken.google.com/${PROJECT}`;
const deps: KeyDeps = { CACHE: env.CACHE, fetchKeys: (uri) => fetchJson(uri) };

let seq = 0;
/** A Firebase provider whose certificates the fixture issuer `name` serves. */
async function firebaseProvider(serve: { maxAgeSec?: number } = {}): Promise<Provider & { fixture: string }> {
  const name = `fb${++seq}x${Math.floor(Math.random() * 1e9)}`;
  await control(name, { rawJwks: { [FIREBASE_TEST_KID]: FIREBASE_TEST_CERT }, ...serve });
  const input = ProviderInputSchema.parse({
    name: 'firebase',
    type: 'firebase',
    issuer: ISSUER,
    audiences: [PROJECT],
    claimMappings: [{ jwtPath: 'firebase.sign_in_provider', attribute: 'sign_in' }],
  });
  return {
    ...input,
    id: `prov_${name}`,
    resolvedJwksUri: `${issuerUrl(name)}/jwks`,
    keyFormat: 'x509',
    fixture: name,
  };
}

async function token(
  key: CryptoKey,
  opts: { kid?: string; alg?: string; claims?: Record<string, unknown> } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: PROJECT,
    sub: 'firebase-user-1',
    iat: now,
    exp: now + 600,
    firebase: { sign_in_provider: 'password' },
    ...opts.claims,
  })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? FIREBASE_TEST_KID, typ: 'JWT' })
    .sign(key);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  return (err as TokenError).reason;
}

describe('Firebase: keys published as X.509 certificates', () => {
  it('verifies a token signed by the certificate key and maps its claims', async () => {
    const provider = await firebaseProvider();
    const signer = await importPKCS8(FIREBASE_TEST_PKCS8, 'RS256');
    const identity = await verifyToken(await token(signer), [provider], deps, Date.now());
    expect(identity.sub).toBe('firebase-user-1');
    expect(identity.attributes.ext_sign_in).toBe('password');
  });

  it('honours the certificates’ Cache-Control max-age', async () => {
    // Google sends max-age of a few hours; here 120 s against the 10 min default.
    const provider = await firebaseProvider({ maxAgeSec: 120 });
    const name = provider.fixture;
    const signer = await importPKCS8(FIREBASE_TEST_PKCS8, 'RS256');
    const t0 = Date.now();
    await verifyToken(await token(signer), [provider], deps, t0);
    await control(name, { resetHits: true });
    // Within max-age: no refetch. Past it: one.
    await verifyToken(await token(signer, { claims: { jti: 'a' } }), [provider], deps, t0 + 100_000);
    expect((await hits(name)).jwks).toBe(0);
    await verifyToken(await token(signer, { claims: { jti: 'b' } }), [provider], deps, t0 + 121_000);
    expect((await hits(name)).jwks).toBe(1);
  });

  it('refuses the same kid signed by another key, an unknown kid, and another algorithm', async () => {
    const provider = await firebaseProvider();
    const signer = await importPKCS8(FIREBASE_TEST_PKCS8, 'RS256');
    const other = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const now = Date.now();
    expect(await refusal(verifyToken(await token(other.privateKey), [provider], deps, now))).toBe(
      'signature_invalid',
    );
    expect(
      await refusal(verifyToken(await token(signer, { kid: 'not-published' }), [provider], deps, now)),
    ).toBe('unknown_kid');
    expect(
      await refusal(verifyToken(await token(ec.privateKey, { alg: 'ES256' }), [provider], deps, now)),
    ).toBe('alg_not_allowed');
    expect(
      await refusal(
        verifyToken(await token(signer, { claims: { aud: 'another-project' } }), [provider], deps, now),
      ),
    ).toBe('audience_mismatch');
    // The positive twin, after the refusals (the cooldown refetch did not lose the key).
    expect((await verifyToken(await token(signer), [provider], deps, now)).sub).toBe('firebase-user-1');
  });
});
