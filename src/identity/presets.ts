/**
 * IdP presets: what each provider `type` changes. Encodes the quirks listed in
 * the README ("Your own workspace and IdP") so a user only picks "clerk" or "cognito" and gets the right checks.
 */

import type { ProviderInput } from '../contract/provider';
import type { Provider } from '../storage/providers';
import type { TokenDenyReason } from './reasons';

type Alg = NonNullable<ProviderInput['algorithms']>[number];

const DEFAULT_ALGS: Record<ProviderInput['type'], Alg[]> = {
  clerk: ['RS256'],
  auth0: ['RS256'],
  okta: ['RS256'],
  keycloak: ['RS256', 'ES256', 'PS256'],
  cognito: ['RS256'],
  firebase: ['RS256'],
  supabase: ['ES256', 'RS256'],
  oidc: ['RS256', 'ES256'],
};

export const FIREBASE_CERTS_URL =
  'https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com';

/** The algorithms a provider accepts. HS* only when a secret is configured; never "none". */
export function allowedAlgorithms(p: ProviderInput): Alg[] {
  const algs = p.algorithms ?? [...DEFAULT_ALGS[p.type], ...(p.hsSecret ? (['HS256'] as Alg[]) : [])];
  return algs.filter((a) => !a.startsWith('HS') || p.hsSecret !== undefined);
}

/** Write-time checks a preset imposes. Returns field errors. */
export function presetIssues(p: ProviderInput): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const explicitHs = p.algorithms?.some((a) => a.startsWith('HS')) ?? false;
  if (explicitHs && !p.hsSecret) issues.push({ path: 'algorithms', message: 'HS* algorithms need hsSecret' });
  if (p.hsSecret && p.type !== 'supabase' && p.type !== 'oidc') {
    issues.push({
      path: 'hsSecret',
      message: 'shared-secret (HS256) tokens are accepted only for supabase or oidc providers',
    });
  }
  if (p.type === 'okta' && !/\/oauth2\/[^/]+$/.test(new URL(p.issuer).pathname)) {
    issues.push({
      path: 'issuer',
      message:
        'Okta org authorization server tokens cannot be verified by third parties; use a custom authorization server issuer (…/oauth2/default or …/oauth2/<id>)',
    });
  }
  if (p.type === 'firebase' && !/^https:\/\/securetoken\.google\.com\/[^/]+$/.test(p.issuer)) {
    if (!p.jwksUri)
      issues.push({
        path: 'issuer',
        message: 'Firebase issuers are https://securetoken.google.com/<project-id>',
      });
  }
  if (p.type === 'cognito' && p.audiences.length === 0) {
    issues.push({ path: 'audiences', message: 'Cognito needs the app client id(s) in audiences' });
  }
  if (
    (p.type === 'auth0' ||
      p.type === 'oidc' ||
      p.type === 'okta' ||
      p.type === 'firebase' ||
      p.type === 'supabase') &&
    p.audiences.length === 0
  ) {
    issues.push({
      path: 'audiences',
      message: `${p.type} tokens must be checked against at least one audience`,
    });
  }
  return issues;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * Audience and preset claim checks, after the signature and time claims are verified.
 * Returns the reason for refusal, or undefined.
 */
export function checkPresetClaims(
  p: Provider,
  payload: Record<string, unknown>,
): { reason: TokenDenyReason; detail: string } | undefined {
  switch (p.type) {
    case 'cognito': {
      const use = payload.token_use;
      const want = p.tokenUse ?? 'id';
      if (use !== want) return { reason: 'token_use_mismatch', detail: `token_use must be "${want}"` };
      const client = want === 'access' ? payload.client_id : payload.aud;
      if (typeof client !== 'string' || !p.audiences.includes(client)) {
        return {
          reason: 'audience_mismatch',
          detail: `${want === 'access' ? 'client_id' : 'aud'} is not an accepted app client`,
        };
      }
      return undefined;
    }
    case 'clerk': {
      const azp = payload.azp;
      if (azp === undefined) {
        if (p.azpRequired)
          return { reason: 'azp_not_allowed', detail: 'the token has no azp and this provider requires one' };
      } else if (p.authorizedParties && p.authorizedParties.length > 0) {
        if (typeof azp !== 'string' || !p.authorizedParties.includes(azp)) {
          return { reason: 'azp_not_allowed', detail: 'azp is not an authorized party' };
        }
      }
      // Clerk session tokens carry no aud unless a JWT template sets one.
      if (p.audiences.length > 0) return checkAudience(p.audiences, payload.aud);
      return undefined;
    }
    case 'keycloak': {
      // Keycloak's aud defaults to "account" or is absent; azp names the client.
      if (p.audiences.length === 0) return undefined;
      const aud = checkAudience(p.audiences, payload.aud);
      if (!aud) return undefined;
      return typeof payload.azp === 'string' && p.audiences.includes(payload.azp) ? undefined : aud;
    }
    default:
      if (p.authorizedParties && p.authorizedParties.length > 0 && payload.azp !== undefined) {
        if (typeof payload.azp !== 'string' || !p.authorizedParties.includes(payload.azp)) {
          return { reason: 'azp_not_allowed', detail: 'azp is not an authorized party' };
        }
      }
      return checkAudience(p.audiences, payload.aud);
  }
}

function checkAudience(
  accepted: string[],
  aud: unknown,
): { reason: TokenDenyReason; detail: string } | undefined {
  const values = asList(aud);
  if (values.length === 0) return { reason: 'audience_mismatch', detail: 'the token has no aud' };
  if (!values.every((v) => typeof v === 'string'))
    return { reason: 'claim_invalid', detail: 'aud must be a string or a list of strings' };
  if (!values.some((v) => accepted.includes(v as string))) {
    return { reason: 'audience_mismatch', detail: 'aud is not one of the accepted audiences' };
  }
  return undefined;
}
