/**
 * Attribute names a policy may use, and how each resolves against a request.
 * Roots: ext_* (mapped claims), sub, issuer, provider, ip, resource, action,
 * request_metadata (+ metadata_key or a dotted path), record.<field>, and the
 * environment: current_time, current_date, current_datetime, day_of_week, is_weekend.
 */
import { clockAttributes } from './time';

export const ENV_ROOTS = [
  'current_time',
  'current_date',
  'current_datetime',
  'day_of_week',
  'is_weekend',
] as const;
/** The attribute roots every policy can use besides ext_* (record.<field> for records). */
export const BUILTIN_ATTRIBUTES = [
  'sub',
  'issuer',
  'provider',
  'ip',
  'resource',
  'action',
  'request_metadata',
  'record',
  ...ENV_ROOTS,
] as const;
const FIXED_ROOTS = new Set<string>(BUILTIN_ATTRIBUTES);

const SEGMENT = /^[A-Za-z0-9_$-]{1,128}$/;

/** Splits and checks an attribute reference; returns an error text when it names nothing. */
export function parseAttributePath(
  name: string,
  metadataKey?: string,
): { path: string[] } | { error: string } {
  const path = name.split('.');
  const root = path[0] ?? '';
  if (!FIXED_ROOTS.has(root) && !/^ext_[A-Za-z0-9_]{1,120}$/.test(root)) {
    return {
      error: `unknown attribute "${root}": use ext_<attribute> for mapped claims, or one of ${[...FIXED_ROOTS].join(', ')}`,
    };
  }
  if (metadataKey !== undefined) {
    if (root !== 'request_metadata' || path.length > 1) {
      return { error: 'metadata_key applies only to the attribute "request_metadata"' };
    }
    path.push(...metadataKey.split('.'));
  }
  if (path.length > 9) return { error: 'attribute paths are at most 8 levels deep' };
  for (const seg of path)
    if (!SEGMENT.test(seg)) return { error: `invalid path segment "${seg}" in "${name}"` };
  if (root === 'record' && path.length < 2) return { error: 'use record.<field>' };
  if ((ENV_ROOTS as readonly string[]).includes(root) && path.length > 1) {
    return { error: `${root} has no fields` };
  }
  return { path };
}

/**
 * Returned for an attribute the entry point cannot know (the caller's `ip` when the
 * entry point was not told it). Unlike an absent attribute, which makes a condition
 * false, an unknown one makes it indeterminate, so an `ip_not_in_cidr` Deny rule
 * denies rather than being skipped.
 */
export const UNKNOWN: unique symbol = Symbol('unknown');

/**
 * Work allowed for one decision, in units of about one nanosecond of worst-case work,
 * calibrated on workerd (BENCHMARKS.md → Adversarial): a condition costs CONDITION_COST
 * plus SEGMENT_COST per attribute-path segment it reads, plus what its function does
 * with the values (functions.ts, `cost`), charged before the work is done. Exceeding it
 * ends the decision as a Deny (hostile input costs bounded time); the
 * seed policy spends about 200 units.
 */
export const DECISION_BUDGET = 300_000;
export const CONDITION_COST = 48;
export const SEGMENT_COST = 16;
/**
 * Work allowed for all the decisions one request asks for (a batch of 100 checks, an
 * AuthZEN evaluations call): each check gets at most DECISION_BUDGET of what is left.
 */
export const REQUEST_BUDGET = 2 * DECISION_BUDGET;
/** A shared, mutable work budget (one per decision, or one per records page). */
export type Budget = { left: number };

/** What a decision is evaluated against. Everything is an argument, the clock included. */
export type RequestInput = {
  /** ext_* attributes plus sub, issuer, provider (from the verified token). */
  attributes: Record<string, unknown>;
  resource: string;
  action: string;
  context: Record<string, unknown>;
  record?: Record<string, unknown>;
  /** The caller's IP. Absent means the entry point does not know it: ip is then UNKNOWN. */
  ip?: string;
  /** Epoch ms. */
  now: number;
  timezone: string;
};

/** Resolves attribute paths against one request; clock attributes are computed lazily, once. */
/** A coercion, as functions.ts declares them. */
type Coerce = (v: unknown) => { ok: boolean };

export class AttributeResolver {
  private clock: Record<string, unknown> | undefined;
  /** The last value each coercion read, and its result: many conditions read one attribute. */
  private coerced: Map<Coerce, { raw: unknown; result: unknown }> | undefined;
  readonly budget: Budget;
  /** Rule outcomes by slot (0 unknown, else outcome + 1), set when shadows are evaluated too. */
  memo: Uint8Array | undefined = undefined;
  /**
   * Whether memoized outcomes are read (the shadow pass) or only recorded (the live pass,
   * which must spend exactly the budget it would spend without a shadow).
   */
  memoRead = false;

  constructor(
    readonly input: RequestInput,
    budget?: Budget,
  ) {
    this.budget = budget ?? { left: DECISION_BUDGET };
  }

  /** `coerce(raw)`, computed once per decision for the same value (an ip, a numeric string). */
  coerce<R extends { ok: boolean }>(coerce: (v: unknown) => R, raw: unknown): R {
    this.coerced ??= new Map();
    const hit = this.coerced.get(coerce);
    if (hit && hit.raw === raw) return hit.result as R;
    const result = coerce(raw);
    this.coerced.set(coerce, { raw, result });
    return result;
  }

  get(path: readonly string[]): unknown {
    const root = path[0] as string;
    let value: unknown;
    switch (root) {
      case 'request_metadata':
        value = this.input.context;
        break;
      case 'record':
        value = this.input.record;
        break;
      case 'resource':
        return this.input.resource;
      case 'action':
        return this.input.action;
      case 'ip':
        return this.input.ip ?? UNKNOWN;
      case 'current_time':
      case 'current_date':
      case 'current_datetime':
      case 'day_of_week':
      case 'is_weekend':
        this.clock ??= clockAttributes(this.input.now, this.input.timezone);
        return this.clock[root];
      default:
        value = Object.hasOwn(this.input.attributes, root) ? this.input.attributes[root] : undefined;
    }
    for (let i = 1; i < path.length; i++) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      const seg = path[i] as string;
      value = Object.hasOwn(value, seg) ? (value as Record<string, unknown>)[seg] : undefined;
    }
    return value;
  }
}
