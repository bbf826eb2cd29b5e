/**
 * Who the token names: verification through the isolate's cache of verified tokens, then
 * the denylist. The decision path and the principal check ("paste a token") both resolve a
 * token here, so a cached verification and a fresh one are refused alike.
 */
import { flag } from '../env';
import { sha256Hex } from '../lib/hash';
import { Lru } from '../lib/lru';
import type { Provider } from '../storage/providers';
import { DEV_IDP_JWKS, devIdpJwks } from './dev-idp';
import { fetchJson } from './fetch-json';
import { type KeyDeps, keySetId } from './jwks-cache';
import { TokenError } from './reasons';
import { type VerifiedIdentity, verifyToken } from './verify-token';

export type KeyEnv = { CACHE: KVNamespace; DEV_IDP?: string };

/** Where verification gets key sets: the development IdP's own keys (when enabled) or the published JWKS. */
export function keyDeps(env: KeyEnv): KeyDeps {
  const dev = flag(env.DEV_IDP);
  return {
    CACHE: env.CACHE,
    fetchKeys: async (uri) => {
      if (uri === DEV_IDP_JWKS) {
        return dev
          ? { ok: true, json: await devIdpJwks(env.CACHE), maxAgeSec: 3600 }
          : { ok: false, error: 'dev IdP disabled' };
      }
      return fetchJson(uri);
    },
  };
}

/**
 * Verified tokens, keyed by workspace, snapshot version and the token's SHA-256.
 * Held until the token's exp or 60 s, whichever is sooner; a provider or policy change
 * bumps the snapshot version, and an entry is used only while this isolate still holds
 * the key set that verified it, so none outlives a provider or key-set change.
 */
const verified = new Lru<string, VerifiedIdentity>(10_000);
const VERIFIED_TTL_MS = 60_000;

/** The workspace state a token is verified against: its providers, under its snapshot version. */
export type TokenScope = { ws: string; version: number; providers: Provider[] };

/** The token's identity, from this isolate's cache or verified now. Throws a TokenError on refusal. */
export async function verifiedIdentity(
  env: KeyEnv,
  scope: TokenScope,
  token: string,
  now: number,
): Promise<VerifiedIdentity> {
  const cacheKey = `${scope.ws}\u0000${scope.version}\u0000${await sha256Hex(token)}`;
  const hit = verified.get(cacheKey, now);
  if (hit && (hit.keySet === null || keySetId(hit.keySet.uri) === hit.keySet.id)) return hit;
  const identity = await verifyToken(token, scope.providers, keyDeps(env), now);
  verified.set(cacheKey, identity, Math.min(identity.exp * 1000, now + VERIFIED_TTL_MS));
  return identity;
}

/** The denylist's refusal, when it names the subject or the token (jti). */
export function revocationRefusal(revoked: 'sub' | 'jti' | undefined): TokenError | undefined {
  if (!revoked) return undefined;
  return new TokenError(
    'token_revoked',
    revoked === 'sub' ? 'This subject has been revoked' : 'This token has been revoked',
  );
}
