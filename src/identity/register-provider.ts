/**
 * Registration checks, so a bad provider is refused with a clear 422 when it is
 * written, not at the first user request: https issuer (http only on loopback with
 * ALLOW_HTTP_ISSUERS), preset rules, discovery whose `issuer` equals the registered
 * issuer exactly, and a key set that holds at least one usable key.
 */

import type { ProviderInput } from '../contract/provider';
import { VerdictError } from '../lib/errors';
import { randomId } from '../lib/ids';
import type { Provider } from '../storage/providers';
import { DEV_IDP_ISSUER, DEV_IDP_JWKS } from './dev-idp';
import { type FetchResult, fetchJson } from './fetch-json';
import { keyFitsAlg, parseJwks, parseX509Map } from './key-set';
import { allowedAlgorithms, FIREBASE_CERTS_URL, presetIssues } from './presets';

export type RegisterOptions = {
  allowHttp: boolean;
  devIdp: boolean;
  fetcher?: (url: string) => Promise<FetchResult>;
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const invalid = (path: string, message: string) =>
  new VerdictError('invalid_provider', 422, message, { errors: [{ path, message }] });

function checkUrl(raw: string, path: string, allowHttp: boolean): void {
  const url = new URL(raw);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && allowHttp && LOOPBACK.has(url.hostname)) return;
  throw invalid(
    path,
    allowHttp ? 'must be https:// (http:// only on localhost / 127.0.0.1)' : 'must be https://',
  );
}

/** Validates `input` against the network and returns the provider to store. Throws 422 VerdictErrors. */
export async function registerProvider(
  input: ProviderInput,
  id: string | undefined,
  opts: RegisterOptions,
): Promise<Provider> {
  const fetcher = opts.fetcher ?? ((url: string) => fetchJson(url));
  const issues = presetIssues(input);
  if (issues.length > 0) {
    throw new VerdictError('invalid_provider', 422, issues[0]?.message ?? 'invalid provider', {
      errors: issues,
    });
  }
  // `$schema` is for editors; it is not part of the stored provider.
  const { $schema: _editorSchema, ...document } = input;
  const base = { ...document, id: id ?? `prov_${randomId(16)}` };

  if (opts.devIdp && input.issuer === DEV_IDP_ISSUER) {
    return { ...base, resolvedJwksUri: DEV_IDP_JWKS, keyFormat: 'jwks' };
  }
  checkUrl(input.issuer, 'issuer', opts.allowHttp);

  const algs = allowedAlgorithms(input);
  if (algs.length === 0) throw invalid('algorithms', 'no usable algorithm');
  if (algs.every((a) => a.startsWith('HS'))) return { ...base, resolvedJwksUri: null, keyFormat: 'jwks' };

  const keyFormat = input.type === 'firebase' && !input.jwksUri ? 'x509' : 'jwks';
  let jwksUri = input.jwksUri ?? (input.type === 'firebase' ? FIREBASE_CERTS_URL : undefined);
  if (!jwksUri) {
    const discoveryUrl = `${input.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const discovery = await fetcher(discoveryUrl);
    if (!discovery.ok) throw invalid('issuer', `Discovery failed: ${discovery.error}`);
    const doc = discovery.json as { issuer?: unknown; jwks_uri?: unknown };
    if (
      typeof doc !== 'object' ||
      doc === null ||
      typeof doc.issuer !== 'string' ||
      typeof doc.jwks_uri !== 'string'
    ) {
      throw invalid('issuer', `${discoveryUrl} is not an OpenID discovery document`);
    }
    if (doc.issuer !== input.issuer) {
      throw invalid(
        'issuer',
        `The discovery document says the issuer is "${doc.issuer}"; register exactly that (tokens are compared byte for byte)`,
      );
    }
    jwksUri = doc.jwks_uri;
  }
  checkUrl(jwksUri, 'jwksUri', opts.allowHttp);
  const keys = await fetcher(jwksUri);
  if (!keys.ok) throw invalid('jwksUri', `Fetching the keys failed: ${keys.error}`);
  const parsed = keyFormat === 'x509' ? parseX509Map(keys.json) : parseJwks(keys.json);
  if (!parsed.some((k) => algs.some((a) => keyFitsAlg(k, a)))) {
    throw invalid('jwksUri', `The key set has no usable signing key for ${algs.join(', ')}`);
  }
  return { ...base, resolvedJwksUri: jwksUri, keyFormat };
}
