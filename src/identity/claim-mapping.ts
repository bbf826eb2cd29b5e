/**
 * Claim mapping, the seed's format: `{ jwtPath, attribute, required, defaultValue }`.
 * A dotted `jwtPath` walks nested claims (`realm_access.roles`, `public_metadata.role`);
 * values keep their JSON types; results are exposed to policies as `ext_<attribute>`.
 * Pure: takes the verified payload, returns attributes or the first missing required claim.
 */
import type { ClaimMapping } from '../contract/provider';

export function readPath(payload: Record<string, unknown>, path: string): unknown {
  let value: unknown = payload;
  for (const seg of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, seg) ? (value as Record<string, unknown>)[seg] : undefined;
  }
  return value;
}

export type MappingResult =
  | { ok: true; attributes: Record<string, unknown> }
  | { ok: false; missing: string };

export function mapClaims(
  payload: Record<string, unknown>,
  mappings: readonly ClaimMapping[],
): MappingResult {
  const attributes: Record<string, unknown> = {};
  for (const m of mappings) {
    const value = readPath(payload, m.jwtPath);
    if (value !== undefined && value !== null) {
      attributes[`ext_${m.attribute}`] = value;
    } else if (m.required) {
      return { ok: false, missing: m.jwtPath };
    } else if (m.defaultValue !== undefined) {
      attributes[`ext_${m.attribute}`] = m.defaultValue;
    }
  }
  return { ok: true, attributes };
}

/**
 * A verified token's claims as policies see them: the mapped ext_* attributes plus sub,
 * issuer and provider. The verifier and the CLI's offline tests both build them here.
 */
export function principalAttributes(
  payload: Record<string, unknown>,
  provider: { name: string; issuer: string; claimMappings: readonly ClaimMapping[] },
): { ok: true; sub: string; attributes: Record<string, unknown> } | { ok: false; missing: string } {
  const mapped = mapClaims(payload, provider.claimMappings);
  if (!mapped.ok) return mapped;
  const sub = payload.sub as string;
  return {
    ok: true,
    sub,
    attributes: { ...mapped.attributes, sub, issuer: provider.issuer, provider: provider.name },
  };
}
