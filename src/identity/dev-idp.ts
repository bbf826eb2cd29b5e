/**
 * The development IdP: discovery, JWKS and a token endpoint so the tutorial can be
 * followed locally without an IdP account. Exists only when DEV_IDP=true (never in
 * production config). Its RS256 key is generated once and kept in KV, so tokens
 * survive restarts of `npm run dev` (wrangler persists local KV under .wrangler/).
 * The decision path reads its keys straight from KV (no HTTP round trip to itself).
 */
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { kvKeys } from '../storage/kv-keys';

import { DEV_IDP_ISSUER } from './dev-idp-issuer';

export { DEV_IDP_ISSUER, DEV_IDP_JWKS } from './dev-idp-issuer';

type StoredKeys = { kid: string; privateJwk: JWK; publicJwk: JWK };

let cached: StoredKeys | undefined;

export async function devIdpKeys(kv: KVNamespace): Promise<StoredKeys> {
  if (cached) return cached;
  const stored = await kv.get<StoredKeys>(kvKeys.devIdpKeys(), 'json');
  if (stored) {
    cached = stored;
    return stored;
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `dev-${Date.now().toString(36)}`;
  const keys: StoredKeys = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
  await kv.put(kvKeys.devIdpKeys(), JSON.stringify(keys));
  cached = keys;
  return keys;
}

export async function devIdpJwks(kv: KVNamespace): Promise<{ keys: JWK[] }> {
  return { keys: [(await devIdpKeys(kv)).publicJwk] };
}

/** The seed tutorial's users, as a Clerk JWT template named "verdict" would render them. */
export const DEMO_USERS: Record<string, Record<string, unknown>> = {
  employee: {
    sub: 'user_employee',
    name: 'Erin Employee',
    email: 'erin@example.com',
    role: 'employee',
    department: 'sales',
    approval_limit: 1000,
  },
  manager: {
    sub: 'user_manager',
    name: 'Morgan Manager',
    email: 'morgan@example.com',
    role: 'manager',
    department: 'sales',
    approval_limit: 10000,
  },
  finance: {
    sub: 'user_finance',
    name: 'Frankie Finance',
    email: 'frankie@example.com',
    role: 'employee',
    department: 'finance',
    approval_limit: 1000,
  },
};

export async function mintDevToken(
  kv: KVNamespace,
  claims: Record<string, unknown>,
  opts: { audience: string; expiresInSec: number; now: number },
): Promise<string> {
  const keys = await devIdpKeys(kv);
  const key = await importJWK(keys.privateJwk, 'RS256');
  const iat = Math.floor(opts.now / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
    .setIssuer(DEV_IDP_ISSUER)
    .setAudience(opts.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + opts.expiresInSec)
    .sign(key);
}
