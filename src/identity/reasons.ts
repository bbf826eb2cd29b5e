/**
 * A refused token as an error: its reason is the contract's closed TokenReason union,
 * and its status comes from the contract's one mapping (tokenStatus).
 */
import { type TokenReason, tokenStatus } from '../contract/refusals';
import { VerdictError } from '../lib/errors';

export type TokenDenyReason = TokenReason;

/** A refused token. `jwks_unavailable` is a 503 (no safe answer); everything else is a 401. */
export class TokenError extends VerdictError {
  readonly reason: TokenDenyReason;

  constructor(reason: TokenDenyReason, detail: string) {
    const status = tokenStatus(reason);
    super(status === 503 ? 'unavailable' : 'invalid_token', status, detail, { extensions: { reason } });
    this.reason = reason;
  }

  /** The same refusal, carrying the audit decision id in the problem document. */
  withDecision(decisionId: string | undefined): TokenError {
    if (decisionId) this.extensions.decisionId = decisionId;
    return this;
  }
}
