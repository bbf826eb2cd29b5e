/**
 * Every KV key Verdict writes, in one place. KV is a cache: each entry can be rebuilt
 * from D1 (policy sets, providers, revocations) or from the IdP (JWKS).
 */
export const kvKeys = {
  /** The compiled policy set of a workspace (CompiledPolicySet JSON). */
  policySet: (ws: string) => `policyset:v1:${ws}`,
  /** The workspace's auth providers as the decision path needs them. */
  providers: (ws: string) => `providers:v1:${ws}`,
  /** The last good JWKS of a JWKS URI, with its fetch time. */
  jwks: (uri: string) => `jwks:v1:${uri}`,
  /** The workspace's revocation denylist. */
  revocations: (ws: string) => `revocations:v1:${ws}`,
  /** The development IdP's signing keys (local only). */
  devIdpKeys: () => 'dev-idp:keys:v1',
};
