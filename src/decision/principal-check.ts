/**
 * What a token or a set of claims becomes for policies, against one provider: the
 * console's "paste a token" and the playground's principal. A token goes through exactly
 * the verification a decision uses (this provider only, its keys, its clock tolerance,
 * presets, claim mappings) and the denylist; a refusal is a value with its reason, never
 * a thrown error, and the token itself is never returned. Claims are not verified (no
 * signature, no expiry): they get the checks a decision makes after the signature (sub,
 * claim mappings, the denylist) so the playground answers what a real token would get.
 */
import type { PrincipalCheck, PrincipalCheckRequest } from '../contract';
import { keyDeps, revocationRefusal } from '../identity/principal';
import { TokenError } from '../identity/reasons';
import {
  canonicalJti,
  NO_PROVIDER_FOR_ISSUER,
  principalOfClaims,
  verifyToken,
} from '../identity/verify-token';
import { notFound, unavailable, VerdictError } from '../lib/errors';
import type { DecisionEnv } from './authorize';
import { isRevoked, snapshotFor } from './snapshot';

export async function checkPrincipal(
  env: DecisionEnv,
  ws: string,
  providerId: string,
  input: PrincipalCheckRequest,
  now: number,
): Promise<PrincipalCheck> {
  const snapshot = await snapshotFor(env, ws, now);
  const provider = snapshot.providers.find((p) => p.id === providerId);
  if (!provider) throw notFound('Auth provider');

  if (input.claims) {
    const principal = principalOfClaims(input.claims, provider);
    if (!principal.ok) return { ok: false, reason: principal.error.reason, detail: principal.error.detail };
    const revoked = revocationRefusal(
      isRevoked(snapshot, principal.sub, canonicalJti(input.claims.jti), now),
    );
    if (revoked) return { ok: false, reason: revoked.reason, detail: revoked.detail };
    return {
      ok: true,
      verified: false,
      subject: principal.sub,
      provider: provider.name,
      attributes: principal.attributes,
    };
  }

  try {
    const identity = await verifyToken(input.token ?? '', [provider], keyDeps(env), now);
    const revoked = revocationRefusal(isRevoked(snapshot, identity.sub, identity.jti, now));
    if (revoked) return { ok: false, reason: revoked.reason, detail: revoked.detail };
    return {
      ok: true,
      verified: true,
      subject: identity.sub,
      provider: identity.providerName,
      attributes: identity.attributes,
    };
  } catch (err) {
    // Anything but a refusal (a key set that cannot be fetched, …) is no answer: a 503.
    if (!(err instanceof TokenError))
      throw err instanceof VerdictError ? err : unavailable('Token verification failed');
    // verifyToken picks among the providers it is given (here only this one): a token of
    // another issuer is "not this provider's"; a token without one keeps its own detail.
    const detail =
      err.reason === 'unknown_issuer' && err.detail === NO_PROVIDER_FOR_ISSUER
        ? `The token’s issuer is not this provider’s (${provider.issuer})`
        : err.detail;
    return { ok: false, reason: err.reason, detail };
  }
}
