/**
 * Verifying an end-user JWT against a workspace's providers.
 *
 * Order of checks (each refusal carries a TokenDenyReason):
 * size ≤ 8 KB → compact JWS shape (a JWE is refused) → header (alg not "none" in any
 * casing, no `crit`) → unverified `iss` picks the provider by exact match among this
 * workspace's providers only → alg pinned per provider → key from the provider's own
 * key set (never from jku/x5u/jwk/x5c) → jose verifies signature, exp (required),
 * nbf, iss, max age with the provider's clock tolerance → iat not in the future →
 * audience/azp/token_use per preset → sub present → claim mapping.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { Provider } from '../storage/providers';
import { principalAttributes } from './claim-mapping';
import { type KeyDeps, resolveKey } from './jwks-cache';
import { allowedAlgorithms, checkPresetClaims } from './presets';
import { type TokenDenyReason, TokenError } from './reasons';

export const MAX_TOKEN_BYTES = 8 * 1024;
export const NO_PROVIDER_FOR_ISSUER = 'No auth provider of this workspace has this issuer';

export type VerifiedIdentity = {
  sub: string;
  issuer: string;
  providerId: string;
  providerName: string;
  /** Seconds since the epoch. */
  exp: number;
  jti: string | undefined;
  /** What policies see: ext_* plus sub, issuer, provider. */
  attributes: Record<string, unknown>;
  /** The key set that verified the token (null for a provider's HMAC secret). */
  keySet: { uri: string; id: number } | null;
};

const B64URL = /^[A-Za-z0-9_-]+$/;

function fail(reason: TokenDenyReason, detail: string): never {
  throw new TokenError(reason, detail);
}

function mapJoseError(err: unknown): never {
  if (err instanceof TokenError) throw err;
  const claim = (err as { claim?: unknown }).claim;
  // maxTokenAge failures are JWTExpired with claim "iat": look at the claim first.
  if (err instanceof errors.JWTExpired) {
    if (claim === 'iat') fail('token_too_old', 'The token is older than this provider allows');
    fail('token_expired', 'The token has expired');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (claim === 'nbf') fail('token_not_yet_valid', 'The token is not valid yet (nbf)');
    if (claim === 'iss') fail('unknown_issuer', 'The token’s issuer does not match the provider');
    if (claim === 'aud') fail('audience_mismatch', 'The token’s audience is not accepted');
    fail('claim_invalid', `The "${String(claim)}" claim is missing or invalid`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    fail('signature_invalid', 'The signature does not verify');
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    fail('alg_not_allowed', 'The token’s algorithm is not allowed');
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    fail('token_malformed', 'The token is malformed');
  fail('signature_invalid', 'The token could not be verified');
}

function decodeHeader(token: string): ReturnType<typeof decodeProtectedHeader> | undefined {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

/** Structural checks that need no key. Returns the unverified alg, kid and iss. */
export function inspectToken(token: string): { alg: string; kid: string | undefined; iss: string } {
  if (token.length === 0) fail('token_missing', 'No token was sent');
  if (new TextEncoder().encode(token).byteLength > MAX_TOKEN_BYTES) {
    fail('token_too_large', `The token exceeds ${MAX_TOKEN_BYTES} bytes`);
  }
  const parts = token.split('.');
  if (parts.length === 5)
    fail('token_encrypted', 'Encrypted tokens (JWE) are not accepted; send the signed JWT');
  if (parts.length !== 3)
    fail('token_malformed', 'The token is not a compact JWS (three base64url segments)');
  // Header checks come first, so an unsigned token (empty signature) is refused for what it is.
  const header = B64URL.test(parts[0] as string) ? decodeHeader(token) : undefined;
  if (!header) fail('token_malformed', 'The token’s header is not valid base64url JSON');
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none')
    fail('alg_not_allowed', 'Unsigned tokens are never accepted');
  if (header.crit !== undefined)
    fail('crit_unsupported', 'The token requires header extensions Verdict does not process');
  if (!B64URL.test(parts[1] as string) || !B64URL.test(parts[2] as string)) {
    fail('token_malformed', 'The token is not a compact JWS (three base64url segments)');
  }
  if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length > 256)) {
    fail('token_malformed', 'The kid header is not a short string');
  }
  let payload: ReturnType<typeof decodeJwt>;
  try {
    payload = decodeJwt(token);
  } catch {
    fail('token_malformed', 'The token’s payload is not a JSON object in base64url');
  }
  if (typeof payload.iss !== 'string' || payload.iss.length === 0)
    fail('unknown_issuer', 'The token has no issuer');
  return { alg, kid: header.kid, iss: payload.iss };
}

/**
 * The jti as the string a revocation names: a string as is, a JSON number in its
 * canonical decimal form (4242 → "4242"), anything else none. Revocation values are
 * strings, so a numeric jti is matched by revoking "4242".
 */
export function canonicalJti(jti: unknown): string | undefined {
  if (typeof jti === 'string') return jti;
  if (typeof jti === 'number' && Number.isFinite(jti)) return String(jti);
  return undefined;
}

/**
 * The checks after the signature (and the playground's, for claims it maps unverified):
 * a sub, then the provider's claim mappings with their required claims.
 */
export function principalOfClaims(
  payload: Record<string, unknown>,
  provider: Pick<Provider, 'name' | 'issuer' | 'claimMappings'>,
): { ok: true; sub: string; attributes: Record<string, unknown> } | { ok: false; error: TokenError } {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0)
    return { ok: false, error: new TokenError('subject_missing', 'The token has no sub') };
  const principal = principalAttributes(payload, provider);
  if (!principal.ok)
    return {
      ok: false,
      error: new TokenError('claim_missing', `The required claim "${principal.missing}" is missing`),
    };
  return { ok: true, sub, attributes: principal.attributes };
}

/** Verifies `token` against `providers` (one workspace's). Throws TokenError on refusal. */
export async function verifyToken(
  token: string,
  providers: readonly Provider[],
  deps: KeyDeps,
  now: number,
): Promise<VerifiedIdentity> {
  const { alg, kid, iss } = inspectToken(token);
  const provider = providers.find((p) => p.issuer === iss);
  if (!provider) fail('unknown_issuer', NO_PROVIDER_FOR_ISSUER);
  if (!(allowedAlgorithms(provider) as string[]).includes(alg)) {
    fail('alg_not_allowed', `This provider accepts ${allowedAlgorithms(provider).join(', ')}`);
  }

  let key: CryptoKey | Uint8Array;
  let keySet: VerifiedIdentity['keySet'] = null;
  if (alg.startsWith('HS')) {
    if (!provider.hsSecret) fail('alg_not_allowed', 'HMAC tokens need a configured secret');
    key = new TextEncoder().encode(provider.hsSecret);
  } else {
    if (!provider.resolvedJwksUri) fail('jwks_unavailable', 'The provider has no key source');
    const resolved = await resolveKey(deps, provider.resolvedJwksUri, provider.keyFormat, alg, kid, now);
    key = resolved.key;
    keySet = { uri: provider.resolvedJwksUri, id: resolved.keySetId };
  }

  let payload: Record<string, unknown>;
  try {
    const result = await jwtVerify(token, key, {
      algorithms: [alg],
      issuer: provider.issuer,
      clockTolerance: provider.clockToleranceSec,
      currentDate: new Date(now),
      requiredClaims: ['exp'],
      ...(provider.maxTokenAgeSec !== undefined ? { maxTokenAge: provider.maxTokenAgeSec } : {}),
    });
    payload = result.payload as Record<string, unknown>;
  } catch (err) {
    mapJoseError(err);
  }

  const exp = payload.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) fail('claim_invalid', 'exp must be a number');
  const iat = payload.iat;
  if (iat !== undefined && (typeof iat !== 'number' || iat > now / 1000 + provider.clockToleranceSec)) {
    fail('iat_in_future', 'The token was issued in the future');
  }
  const preset = checkPresetClaims(provider, payload);
  if (preset) fail(preset.reason, preset.detail);
  const principal = principalOfClaims(payload, provider);
  if (!principal.ok) throw principal.error;
  const { sub } = principal;
  return {
    sub,
    issuer: provider.issuer,
    providerId: provider.id,
    providerName: provider.name,
    exp,
    jti: canonicalJti(payload.jti),
    attributes: principal.attributes,
    keySet,
  };
}
