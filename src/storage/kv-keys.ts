/**
 * Every KV key Verdict writes, in one place. KV is a cache: each entry can be rebuilt
 * from D1 (policy sets, providers, revocations) or from the IdP (JWKS).
 */
export const kvKeys = {
  /**
   * A workspace's snapshot: compiled policy set, providers, revocations and the settings
   * the decision path reads (StoredSnapshot JSON, src/decision/snapshot.ts). v2: settings
   * carry the cursor key, so v1 entries (without it) are never read.
   */
  policySet: (ws: string) => `policyset:v2:${ws}`,
  /** The last good JWKS of a JWKS URI, with its fetch time. */
  jwks: (uri: string) => `jwks:v1:${uri}`,
  /** The development IdP's signing keys (local only). */
  devIdpKeys: () => 'dev-idp:keys:v1',
};
