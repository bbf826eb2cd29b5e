/**
 * The one coercion module: how a JSON value (claim, context, record field) reads as the
 * type a policy function compares. The evaluator, the records SQL translation and the
 * write-time type check all use it, so they agree on what a value means.
 *
 * Grammar (README → "Your own workspace and IdP", the policy rules):
 * - A number is a finite JSON number, or a string that is a plain decimal: optional
 *   `-`, digits, optional `.digits`. "1000" reads as 1000; "10abc", "6e4", "0x10",
 *   "1_000", " 1000", "" and anything non-finite do not.
 * - An integer is such a number that is integral and within ±(2^53−1); "60000.0" is a
 *   string with a fraction part, so it is not an integer. Out of range is never rounded.
 * - A boolean is true/false or exactly "true"/"false".
 *
 * A value that is present but does not read (`ok: false`) makes its condition
 * indeterminate; the evaluator decides what that means for the rule (fail closed).
 */

export type Coerced<T> = { ok: true; value: T } | { ok: false; why: string };

const ok = <T>(value: T): Coerced<T> => ({ ok: true, value });
/** A failure whose text is built only when read (explanations), not on every evaluation. */
const fail = (why: () => string): Coerced<never> => ({
  ok: false,
  get why() {
    return why();
  },
});

/** A plain decimal string: optional "-", digits, optional ".digits". Nothing else. */
export const DECIMAL_STRING = /^-?[0-9]+(?:\.[0-9]+)?$/;
/** A plain integer string: optional "-", digits. */
export const INTEGER_STRING = /^-?[0-9]+$/;
const TIME = /^([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$/;
const DATE = /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;
const DATETIME =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$/;

export function describe(v: unknown): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  // Never String() an object: {"toString": 1} has no primitive form and would throw.
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

export function toStr(v: unknown): Coerced<string> {
  return typeof v === 'string' ? ok(v) : fail(() => `expected a string, got ${describe(v)}`);
}

/** Strings longer than this never read as numbers (no real number needs 400 digits). */
const MAX_NUMERIC_STRING = 400;

export function toInteger(v: unknown): Coerced<number> {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return ok(v);
    return fail(() =>
      Number.isInteger(v) ? `${describe(v)} is outside ±(2^53−1)` : `expected an integer, got ${describe(v)}`,
    );
  }
  if (typeof v === 'string' && v.length <= MAX_NUMERIC_STRING && INTEGER_STRING.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? ok(n) : fail(() => `${describe(v)} is outside ±(2^53−1)`);
  }
  return fail(() => `expected an integer, got ${describe(v)}`);
}

export function toDouble(v: unknown): Coerced<number> {
  if (typeof v === 'number')
    return Number.isFinite(v) ? ok(v) : fail(() => `expected a finite number, got ${describe(v)}`);
  if (typeof v === 'string' && v.length <= MAX_NUMERIC_STRING && DECIMAL_STRING.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return ok(n);
  }
  return fail(() => `expected a number, got ${describe(v)}`);
}

/** Whether a string reads as a number / an integer / a boolean (for the write-time type check). */
export const readsAsNumber = (s: string) => toDouble(s).ok;
export const readsAsBoolean = (s: string) => toBoolean(s).ok;

export function toBoolean(v: unknown): Coerced<boolean> {
  if (typeof v === 'boolean') return ok(v);
  if (v === 'true') return ok(true);
  if (v === 'false') return ok(false);
  return fail(() => `expected a boolean, got ${describe(v)}`);
}

/** "HH:MM[:SS]" → seconds since midnight. */
export function toTimeOfDay(v: unknown): Coerced<number> {
  const m = typeof v === 'string' ? TIME.exec(v) : null;
  if (!m) return fail(() => `expected a time HH:MM:SS, got ${describe(v)}`);
  return ok(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** "YYYY-MM-DD" (a real calendar date) → days since the epoch. */
export function toDate(v: unknown): Coerced<number> {
  const m = typeof v === 'string' ? DATE.exec(v) : null;
  if (!m) return fail(() => `expected a date YYYY-MM-DD, got ${describe(v)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCDate() !== Number(m[3])) return fail(() => `${describe(v)} is not a calendar date`);
  return ok(ms / 86_400_000);
}

/** ISO 8601 with a zone ("…Z" or "…+02:00") → epoch ms; a number is a JWT NumericDate (seconds). */
export function toDatetime(v: unknown): Coerced<number> {
  if (typeof v === 'number' && Number.isFinite(v)) return ok(v * 1000);
  if (typeof v === 'string' && DATETIME.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ok(ms);
  }
  return fail(() => `expected an ISO 8601 date-time with a zone, got ${describe(v)}`);
}

export function toList(v: unknown): Coerced<unknown[]> {
  return Array.isArray(v) ? ok(v) : fail(() => `expected a list, got ${describe(v)}`);
}
