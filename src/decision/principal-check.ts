/**
 * What a token or a set of claims becomes for policies, against one provider: the
 * console's "paste a token" and the playground's principal. A token goes through exactly
 * the verification a decision uses (this provider only, its keys, its clock tolerance,
 * presets, claim mappings) and the denylist; a refusal is a value with its reason, never
 * a thrown error, and the token itself is never returned. Claims are mapped, not verified.
 */
import type { PrincipalCheck, PrincipalCheckRequest } from '../contract';
import { principalAttributes } from '../identity/claim-mapping';
import { TokenError } from '../identity/reasons';
import { verifyToken } from '../identity/verify-token';
import { notFound } from '../lib/errors';
import { type DecisionEnv, keyDeps, snapshotFor } from './authorize';
import { isRevoked } from './snapshot';

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
    const mapped = principalAttributes(input.claims, provider);
    if (!mapped.ok)
      return {
        ok: false,
        reason: 'claim_missing',
        detail: `The required claim "${mapped.missing}" is missing`,
      };
    const subject = typeof input.claims.sub === 'string' ? input.claims.sub : null;
    const { sub: _sub, ...rest } = mapped.attributes;
    return {
      ok: true,
      verified: false,
      subject,
      provider: provider.name,
      attributes: subject === null ? rest : mapped.attributes,
    };
  }

  try {
    const identity = await verifyToken(input.token ?? '', [provider], keyDeps(env), now);
    const revoked = isRevoked(snapshot, identity.sub, identity.jti, now);
    if (revoked)
      return {
        ok: false,
        reason: 'token_revoked',
        detail: revoked === 'sub' ? 'This subject has been revoked' : 'This token has been revoked',
      };
    return {
      ok: true,
      verified: true,
      subject: identity.sub,
      provider: identity.providerName,
      attributes: identity.attributes,
    };
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    // verifyToken picks among the providers it is given: here only this one.
    const detail =
      err.reason === 'unknown_issuer'
        ? `The token’s issuer is not this provider’s (${provider.issuer})`
        : err.detail;
    return { ok: false, reason: err.reason, detail };
  }
}
