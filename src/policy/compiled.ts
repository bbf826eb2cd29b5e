/**
 * The compiled, normalized policy: JSON-serializable (stored in KV), with functions
 * resolved, constants parsed and attribute paths split. `evaluate.ts` turns it into
 * closures once per isolate.
 */
import type { Effect } from '../contract/policy';

export type Operand = { kind: 'const'; value: unknown } | { kind: 'attr'; path: string[]; name: string };

export type CompiledCondition = {
  fn: string;
  /** Attribute path: ["ext_role"], ["request_metadata", "amount"], ["record", "owner"]. */
  path: string[];
  /** The attribute as written ("request_metadata.amount" for metadata_key "amount"). */
  name: string;
  operand?: Operand;
};

export type CompiledRule = { id: string; effect: Effect; conditions: CompiledCondition[] };

export type CompiledPolicy = {
  name: string;
  version: number;
  rules: CompiledRule[];
  default: { id: string; effect: Effect };
};

/** Everything the decision path needs for one workspace, versioned as a whole. */
export type CompiledPolicySet = {
  /** Monotonic per workspace; bumps on every policy or binding change. */
  version: number;
  timezone: string;
  policies: Record<string, CompiledPolicy>;
  /** `${resource}\u0000${action}` (either may be "*") → policy names. */
  bindings: Record<string, string[]>;
};

export const bindingKey = (resource: string, action: string) => `${resource}\u0000${action}`;

/** The binding keys that apply to (resource, action): exact, then "*" on either side, then both. */
export const bindingKeysFor = (resource: string, action: string) => [
  bindingKey(resource, action),
  bindingKey(resource, '*'),
  bindingKey('*', action),
  bindingKey('*', '*'),
];
