/** The development IdP's fixed issuer (DEV_IDP=true only), apart from its keys so the CLI can name it. */
export const DEV_IDP_ISSUER = 'http://localhost:8787/dev-idp';
/** The internal key-source marker stored as a dev provider's JWKS URI. */
export const DEV_IDP_JWKS = 'dev-idp:internal';
