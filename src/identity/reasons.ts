/**
 * Why a token was refused. A closed union: the authorize response, the audit trail
 * and forward-auth all carry one of these codes, never free text.
 */
import { VerdictError } from '../lib/errors';

export type TokenDenyReason =
  | 'token_missing'
  | 'token_too_large'
  | 'token_malformed'
  | 'token_encrypted'
  | 'unknown_issuer'
  | 'alg_not_allowed'
  | 'crit_unsupported'
  | 'unknown_kid'
  | 'key_ambiguous'
  | 'signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'iat_in_future'
  | 'token_too_old'
  | 'claim_invalid'
  | 'audience_mismatch'
  | 'azp_not_allowed'
  | 'token_use_mismatch'
  | 'claim_missing'
  | 'subject_missing'
  | 'token_revoked'
  | 'jwks_unavailable';

/** A refused token. `jwks_unavailable` is a 503 (no safe answer); everything else is a 401. */
export class TokenError extends VerdictError {
  readonly reason: TokenDenyReason;

  constructor(reason: TokenDenyReason, detail: string) {
    const status = reason === 'jwks_unavailable' ? 503 : 401;
    super(status === 503 ? 'unavailable' : 'invalid_token', status, detail, { extensions: { reason } });
    this.reason = reason;
  }

  /** The same refusal, carrying the audit decision id in the problem document. */
  withDecision(decisionId: string | undefined): TokenError {
    if (decisionId) this.extensions.decisionId = decisionId;
    return this;
  }
}
