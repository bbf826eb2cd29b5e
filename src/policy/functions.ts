/**
 * The policy functions. Each entry says how to coerce the attribute, how to parse the
 * operand (`value` at write time, `value_from_attribute` at evaluation time) and how to
 * compare. Operands are normalized to JSON (numbers, strings) so a compiled policy can
 * be stored in KV; `prepare` turns a normalized constant into its runtime form once.
 */
import { type Cidr, type Ip, ipInCidr, parseCidr, parseIp } from './cidr';
import {
  type Coerced,
  describe,
  toBoolean,
  toDate,
  toDatetime,
  toDouble,
  toInteger,
  toList,
  toStr,
  toTimeOfDay,
} from './coerce';
import { compileGlob, type Glob, MAX_GLOB_LENGTH, MAX_GLOB_STARS } from './glob';

type Coercer = (v: unknown) => Coerced<unknown>;

export type FunctionSpec = {
  /** Coerces the attribute's value. */
  attr: Coercer;
  /** Operand: none, a constant only, or a constant or another attribute. */
  operand: 'none' | 'const' | 'either';
  /** Validates and normalizes a constant `value` (write time). Returns an error text on failure. */
  parseConst?: (v: unknown) => Coerced<unknown>;
  /** Coerces an operand read from another attribute (evaluation time). */
  operandFromAttr?: Coercer;
  /** Turns a normalized constant into its runtime form (once per isolate). */
  prepare?: (normalized: unknown) => unknown;
  test: (attr: never, operand: never) => boolean;
  /**
   * Work units (≈ ns, attributes.ts) for coercing both values and comparing them, from
   * their sizes (a string's length, a list's length, else 1), the prepared constant
   * operand (when there is one) and whether the operand comes from an attribute.
   * Computed before any of that work runs. Default: the smaller size (an equality or
   * ordering reads at most the shorter value).
   */
  cost?: (attrSize: number, operandSize: number, prepared: unknown, fromAttribute: boolean) => number;
  /** The comparison in words, for explanations: "≤", "is in", … */
  words: string;
};

const ok = <T>(value: T): Coerced<T> => ({ ok: true, value });
const fail = (why: string): Coerced<never> => ({ ok: false, why });

function listOf(item: Coercer, what: string, max = 1000): Coercer {
  return (v) => {
    if (!Array.isArray(v)) return fail(`expected a list of ${what}, got ${describe(v)}`);
    if (v.length > max) return fail(`at most ${max} items`);
    const out: unknown[] = [];
    for (const x of v) {
      const c = item(x);
      if (!c.ok) return fail(`list item: ${c.why}`);
      out.push(c.value);
    }
    return ok(out);
  };
}

const scalar: Coercer = (v) =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? ok(v)
    : fail(`expected a string, number or boolean, got ${describe(v)}`);

function range(point: Coercer, what: string): Coercer {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return fail(`expected { "start": …, "end": … } ${what}, got ${describe(v)}`);
    }
    const keys = Object.keys(v);
    if (keys.length !== 2 || !('start' in v) || !('end' in v))
      return fail('expected exactly "start" and "end"');
    const start = point((v as { start: unknown }).start);
    const end = point((v as { end: unknown }).end);
    if (!start.ok) return fail(`start: ${start.why}`);
    if (!end.ok) return fail(`end: ${end.why}`);
    if (start.value === end.value) return fail('start and end are equal: the range is ambiguous');
    return ok({ start: start.value, end: end.value });
  };
}

const glob: Coercer = (v) => {
  if (typeof v !== 'string') return fail(`expected a glob pattern string, got ${describe(v)}`);
  if (v.length > MAX_GLOB_LENGTH) return fail(`pattern longer than ${MAX_GLOB_LENGTH} characters`);
  if ((v.match(/\*/g)?.length ?? 0) > MAX_GLOB_STARS)
    return fail(`more than ${MAX_GLOB_STARS} "*" in the pattern`);
  return ok(v);
};

const ip: Coercer = (v) => {
  const parsed = typeof v === 'string' ? parseIp(v) : undefined;
  return parsed ? ok(parsed) : fail(`expected an IP address, got ${describe(v)}`);
};

/** CIDR constants are stored as canonical strings and parsed once per isolate. */
const cidrList: Coercer = (v) => {
  const items = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(items) || items.length === 0 || items.length > 256) {
    return fail(`expected a CIDR or a list of 1–256 CIDRs, got ${describe(v)}`);
  }
  for (const item of items) {
    if (typeof item !== 'string' || !parseCidr(item)) return fail(`${describe(item)} is not a CIDR`);
  }
  return ok(items);
};

/** A list operand: a Set when it was a constant (prepared once), else the list as read. */
type Members = Set<unknown> | readonly unknown[];
const toSet = (v: unknown) => new Set(v as unknown[]);
const isMember = (b: Members, x: unknown) => (b instanceof Set ? b.has(x) : b.includes(x));

type Range = { start: number; end: number };
const inRange = (x: number, r: Range) =>
  r.start < r.end ? x >= r.start && x < r.end : x >= r.start || x < r.end;

function comparisons(prefix: string, coerce: Coercer, unit: string): Record<string, FunctionSpec> {
  const mk = (test: (a: number, b: number) => boolean, words: string): FunctionSpec => ({
    attr: coerce,
    operand: 'either',
    parseConst: coerce,
    operandFromAttr: coerce,
    cost: numeric,
    test: test as FunctionSpec['test'],
    words,
  });
  return {
    [`${prefix}_equal`]: mk((a, b) => a === b, `= (${unit})`),
    [`${prefix}_not_equal`]: mk((a, b) => a !== b, `≠ (${unit})`),
    [`${prefix}_less_than`]: mk((a, b) => a < b, '<'),
    [`${prefix}_less_equal`]: mk((a, b) => a <= b, '≤'),
    [`${prefix}_greater_than`]: mk((a, b) => a > b, '>'),
    [`${prefix}_greater_equal`]: mk((a, b) => a >= b, '≥'),
  };
}

function temporal(prefix: string, coerce: Coercer, what: string): Record<string, FunctionSpec> {
  const mk = (test: (a: number, b: number) => boolean, words: string): FunctionSpec => ({
    attr: coerce,
    operand: 'either',
    parseConst: coerce,
    operandFromAttr: coerce,
    cost: temporalCost,
    test: test as FunctionSpec['test'],
    words,
  });
  return {
    [`${prefix}_equal`]: mk((a, b) => a === b, 'is'),
    [`${prefix}_before`]: mk((a, b) => a < b, 'is before'),
    [`${prefix}_after`]: mk((a, b) => a > b, 'is after'),
    [`${prefix}_on_or_before`]: mk((a, b) => a <= b, 'is on or before'),
    [`${prefix}_on_or_after`]: mk((a, b) => a >= b, 'is on or after'),
    [`${prefix}_in_range`]: {
      attr: coerce,
      operand: 'const',
      parseConst: (v) => {
        const r = range(coerce, what)(v);
        if (r.ok && (r.value as Range).start > (r.value as Range).end) return fail('start is after end');
        return r;
      },
      cost: temporalCost,
      test: ((a: number, r: Range) => a >= r.start && a < r.end) as FunctionSpec['test'],
      words: 'is in the range',
    },
  };
}

const str = (
  test: (a: string, b: string) => boolean,
  words: string,
  cost?: FunctionSpec['cost'],
): FunctionSpec => ({
  attr: toStr,
  operand: 'either',
  parseConst: toStr,
  operandFromAttr: toStr,
  test: test as FunctionSpec['test'],
  words,
  ...(cost ? { cost } : {}),
});
// Measured costs (bench/adversarial-units.ts, workerd): case folding ~7 ns/char for
// non-ASCII; V8's substring search is linear up to 250-char needles, then quadratic;
// a list scan ~5 ns/item, a list coercion ~12 ns/item, a Set insert ~25–40 ns/item, a
// Set lookup ~10 ns; numeric strings ~1.3 ns/char; a date parse ~200 ns; an IPv6
// parse ~2 µs, a CIDR test ~40 ns.
const caseFold: FunctionSpec['cost'] = (a, b) => 8 * (a + b);
const search: FunctionSpec['cost'] = (a, b) => a + b + a * Math.max(0, b - 250);
const listScan: FunctionSpec['cost'] = (a) => 6 * a;
/** string_in / string_not_in: a prepared Set lookup, or coerce and scan the operand list. */
const membership: FunctionSpec['cost'] = (_a, b, _prepared, fromAttribute) => (fromAttribute ? 18 * b : 10);
const numeric: FunctionSpec['cost'] = (a, b) => 2 * (a + b);
const temporalCost: FunctionSpec['cost'] = (a, b) => 200 + Math.min(a, b);

/** One spec per name of the contract's FUNCTION_NAMES (test/unit/policy-functions.test.ts holds them equal). */
export const FUNCTIONS: Record<string, FunctionSpec> = {
  string_equal: str((a, b) => a === b, 'equals'),
  string_not_equal: str((a, b) => a !== b, 'differs from'),
  string_equal_ignore_case: str(
    (a, b) => a.toLowerCase() === b.toLowerCase(),
    'equals (ignoring case)',
    caseFold,
  ),
  string_starts_with: str((a, b) => a.startsWith(b), 'starts with'),
  string_ends_with: str((a, b) => a.endsWith(b), 'ends with'),
  string_contains: str((a, b) => a.includes(b), 'contains', search),
  string_in: {
    attr: toStr,
    operand: 'either',
    parseConst: listOf(toStr, 'strings'),
    operandFromAttr: listOf(toStr, 'strings'),
    prepare: toSet,
    cost: membership,
    test: ((a: string, b: Members) => isMember(b, a)) as FunctionSpec['test'],
    words: 'is one of',
  },
  string_not_in: {
    attr: toStr,
    operand: 'either',
    parseConst: listOf(toStr, 'strings'),
    operandFromAttr: listOf(toStr, 'strings'),
    prepare: toSet,
    cost: membership,
    test: ((a: string, b: Members) => !isMember(b, a)) as FunctionSpec['test'],
    words: 'is none of',
  },
  string_like: {
    attr: toStr,
    operand: 'const',
    parseConst: glob,
    prepare: (p) => compileGlob(p as string),
    // The matcher is linear: one pass over the text, `words` machine words per character
    // (a word step costs about four character comparisons).
    cost: (attrSize, _operandSize, g) => attrSize * (g as Glob).words * 4,
    test: ((a: string, g: Glob) => g.matches(a)) as FunctionSpec['test'],
    words: 'matches the pattern',
  },
  ...comparisons('integer', toInteger, 'integer'),
  ...comparisons('double', toDouble, 'number'),
  boolean_equal: {
    attr: toBoolean,
    operand: 'either',
    parseConst: (v) => (typeof v === 'boolean' ? ok(v) : fail(`expected true or false, got ${describe(v)}`)),
    operandFromAttr: toBoolean,
    test: ((a: boolean, b: boolean) => a === b) as FunctionSpec['test'],
    words: 'is',
  },
  time_in_range: {
    attr: toTimeOfDay,
    operand: 'const',
    parseConst: range(toTimeOfDay, 'of times HH:MM:SS'),
    cost: temporalCost,
    test: inRange as FunctionSpec['test'],
    words: 'is in the time range',
  },
  ...temporal('date', toDate, 'of dates YYYY-MM-DD'),
  ...temporal('datetime', toDatetime, 'of ISO 8601 date-times'),
  list_contains: {
    attr: toList,
    operand: 'either',
    parseConst: scalar,
    operandFromAttr: scalar,
    cost: listScan,
    test: ((a: unknown[], b: unknown) => a.includes(b)) as FunctionSpec['test'],
    words: 'contains',
  },
  list_not_contains: {
    attr: toList,
    operand: 'either',
    parseConst: scalar,
    operandFromAttr: scalar,
    cost: listScan,
    test: ((a: unknown[], b: unknown) => !a.includes(b)) as FunctionSpec['test'],
    words: 'does not contain',
  },
  list_intersects: {
    attr: toList,
    operand: 'either',
    parseConst: listOf(scalar, 'strings, numbers or booleans'),
    operandFromAttr: toList,
    prepare: toSet,
    // A prepared Set: one lookup per item; from an attribute, a Set is built per evaluation.
    cost: (a, b, _prepared, fromAttribute) => (fromAttribute ? a + 32 * b : 10 * a),
    // Linear: the operand becomes a Set (once per isolate for a constant), then one pass.
    test: ((a: unknown[], b: Members) => {
      const set = b instanceof Set ? b : new Set(b);
      return a.some((x) => set.has(x));
    }) as FunctionSpec['test'],
    words: 'shares an item with',
  },
  is_present: {
    attr: (v) => ok(v),
    operand: 'none',
    test: (() => true) as FunctionSpec['test'],
    words: 'is present',
  },
  is_absent: {
    attr: (v) => ok(v),
    operand: 'none',
    test: (() => true) as FunctionSpec['test'],
    words: 'is absent',
  },
  ip_in_cidr: {
    attr: ip,
    operand: 'const',
    parseConst: cidrList,
    prepare: (v) => (v as string[]).map((c) => parseCidr(c) as Cidr),
    cost: (_a, _b, cidrs) => 2000 + 40 * (cidrs as Cidr[]).length,
    test: ((a: Ip, b: Cidr[]) => b.some((c) => ipInCidr(a, c))) as FunctionSpec['test'],
    words: 'is in',
  },
  ip_not_in_cidr: {
    attr: ip,
    operand: 'const',
    parseConst: cidrList,
    prepare: (v) => (v as string[]).map((c) => parseCidr(c) as Cidr),
    cost: (_a, _b, cidrs) => 2000 + 40 * (cidrs as Cidr[]).length,
    test: ((a: Ip, b: Cidr[]) => !b.some((c) => ipInCidr(a, c))) as FunctionSpec['test'],
    words: 'is not in',
  },
};
