/**
 * Why a request was refused without a policy deciding it: closed unions, and one
 * exhaustive mapping to each wire's status. Adding a reason without deciding how each
 * wire answers it fails the typecheck (the `never` in every switch).
 */

/** Why a token was refused. */
export const TOKEN_REASONS = [
  'token_missing',
  'token_too_large',
  'token_malformed',
  'token_encrypted',
  'unknown_issuer',
  'alg_not_allowed',
  'crit_unsupported',
  'unknown_kid',
  'key_ambiguous',
  'signature_invalid',
  'token_expired',
  'token_not_yet_valid',
  'iat_in_future',
  'token_too_old',
  'claim_invalid',
  'audience_mismatch',
  'azp_not_allowed',
  'token_use_mismatch',
  'claim_missing',
  'subject_missing',
  'token_revoked',
  'jwks_unavailable',
] as const;
export type TokenReason = (typeof TOKEN_REASONS)[number];

/** Why a gateway's request was refused before (or instead of) a policy decision. */
export const GATEWAY_REFUSALS = [
  'no_route',
  'path_refused',
  'conflicting_gateway_headers',
  'gateway_headers_missing',
  /** X-HTTP-Method-Override, X-HTTP-Method or X-Method-Override: an upstream could serve another method. */
  'method_override',
] as const;
export type GatewayRefusal = (typeof GATEWAY_REFUSALS)[number];

const unreachable = (x: never): never => {
  throw new Error(`unmapped refusal ${String(x)}`);
};

/**
 * The HTTP status of a refused token: 401, except when no key set can be had at all
 * (503: no safe answer exists, the client may retry).
 */
export function tokenStatus(reason: TokenReason): 401 | 503 {
  switch (reason) {
    case 'jwks_unavailable':
      return 503;
    case 'token_missing':
    case 'token_too_large':
    case 'token_malformed':
    case 'token_encrypted':
    case 'unknown_issuer':
    case 'alg_not_allowed':
    case 'crit_unsupported':
    case 'unknown_kid':
    case 'key_ambiguous':
    case 'signature_invalid':
    case 'token_expired':
    case 'token_not_yet_valid':
    case 'iat_in_future':
    case 'token_too_old':
    case 'claim_invalid':
    case 'audience_mismatch':
    case 'azp_not_allowed':
    case 'token_use_mismatch':
    case 'claim_missing':
    case 'subject_missing':
    case 'token_revoked':
      return 401;
    default:
      return unreachable(reason);
  }
}

/**
 * The status a gateway contract (forward-auth, ext_authz, RPC authorizeRequest) answers
 * for a refusal: gateways understand only 401 (ask the user to sign in again) and 403.
 * No safe answer (jwks_unavailable) is a 403 there: never an Allow.
 */
export function gatewayStatus(refusal: TokenReason | GatewayRefusal | 'policy_denied' | 'error'): 401 | 403 {
  switch (refusal) {
    case 'no_route':
    case 'path_refused':
    case 'conflicting_gateway_headers':
    case 'gateway_headers_missing':
    case 'method_override':
    case 'policy_denied':
    case 'error':
    case 'jwks_unavailable':
      return 403;
    default:
      return tokenStatus(refusal) === 401 ? 401 : 403;
  }
}
