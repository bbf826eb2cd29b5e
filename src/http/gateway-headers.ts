/**
 * Which request a forward-auth call is about, read from the headers its gateway's
 * contract names (README → Gateways and standards), never from a family a client could add.
 */

import type { GatewayRefusal } from '../contract';

/** The header families gateways use to say which request they forward. */
const FAMILIES = {
  nginx: { uri: 'x-original-uri', method: 'x-original-method' },
  traefik: { uri: 'x-forwarded-uri', method: 'x-forwarded-method' },
} as const;
export type ForwardAuthMode = keyof typeof FAMILIES | 'auto';

/**
 * The original request as the gateway's contract states it:
 * - nginx (`auth_request`): only X-Original-URI / X-Original-Method, set by the config;
 * - Traefik (ForwardAuth, which overwrites them): only X-Forwarded-Uri / X-Forwarded-Method;
 * - auto (the unsuffixed endpoint): exactly one family must be present.
 * A request carrying the other family is refused (a client added it), as is one
 * missing its own.
 */
export function forwardedRequest(
  headers: Headers,
  mode: ForwardAuthMode,
): { ok: true; method: string; target: string } | { ok: false; reason: GatewayRefusal } {
  const present = (f: (typeof FAMILIES)[keyof typeof FAMILIES]) =>
    headers.has(f.uri) || headers.has(f.method);
  const nginx = present(FAMILIES.nginx);
  const traefik = present(FAMILIES.traefik);
  let family: (typeof FAMILIES)[keyof typeof FAMILIES];
  if (mode === 'auto') {
    if (nginx && traefik) return { ok: false, reason: 'conflicting_gateway_headers' };
    family = nginx ? FAMILIES.nginx : FAMILIES.traefik;
  } else {
    if (mode === 'nginx' ? traefik : nginx) return { ok: false, reason: 'conflicting_gateway_headers' };
    family = FAMILIES[mode];
  }
  const method = headers.get(family.method);
  const target = headers.get(family.uri);
  if (method === null || target === null) return { ok: false, reason: 'gateway_headers_missing' };
  return { ok: true, method, target };
}
