/**
 * The attribute schema a workspace's providers imply: every `ext_<attribute>` some
 * claim mapping produces, with the JSON type its `defaultValue` pins (when one is
 * given and all providers agree). Used to check policies when they are written and
 * served to editors at GET /v1/workspaces/:ws/attributes.
 */

import type { ClaimMapping } from '../contract/provider';
import { readsAsBoolean, readsAsNumber } from '../policy/coerce';

export type AttributeType = 'string' | 'number' | 'boolean' | 'list' | 'object' | 'unknown';

export type MappedAttribute = {
  name: string;
  type: AttributeType;
  /** For strings: whether the default reads as a number / a boolean (policy/coerce.ts's grammar). */
  numeric: boolean;
  booleanLike: boolean;
  /** Every mapping's defaultValue (when given): what the write-time type check coerces. */
  defaults: unknown[];
  required: boolean;
  providers: string[];
  jwtPaths: string[];
};

function typeOf(v: unknown): AttributeType {
  if (v === undefined || v === null) return 'unknown';
  if (Array.isArray(v)) return 'list';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' ? t : t === 'object' ? 'object' : 'unknown';
}

export function attributeSchema(
  providers: readonly { name: string; claimMappings: readonly ClaimMapping[] }[],
): MappedAttribute[] {
  const byName = new Map<string, MappedAttribute>();
  for (const p of providers) {
    for (const m of p.claimMappings) {
      const name = `ext_${m.attribute}`;
      const type = typeOf(m.defaultValue);
      const numeric = typeof m.defaultValue === 'string' && readsAsNumber(m.defaultValue);
      const booleanLike = typeof m.defaultValue === 'string' && readsAsBoolean(m.defaultValue);
      const defaults = m.defaultValue === undefined || m.defaultValue === null ? [] : [m.defaultValue];
      const prev = byName.get(name);
      if (!prev) {
        byName.set(name, {
          name,
          type,
          numeric,
          booleanLike,
          defaults,
          required: m.required,
          providers: [p.name],
          jwtPaths: [m.jwtPath],
        });
        continue;
      }
      prev.providers.push(p.name);
      prev.jwtPaths.push(m.jwtPath);
      prev.required &&= m.required;
      if (prev.type !== type) prev.type = 'unknown';
      prev.numeric &&= numeric;
      prev.booleanLike &&= booleanLike;
      prev.defaults.push(...defaults);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
