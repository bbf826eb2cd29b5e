/**
 * Instants on the wire: epoch milliseconds or ISO 8601, and only ever a valid date. ECMAScript
 * dates span ±8.64e15 ms (years -271821 to 275760); an epoch beyond that is a finite number
 * that `new Date()` turns into "Invalid Date" and `toISOString()` into a RangeError, so every
 * instant the contract accepts is checked here, once, and refused as a 400 otherwise.
 * `Date.parse` already answers NaN outside the range; digit strings and JSON numbers do not.
 */
import { z } from 'zod';

/** The largest |epoch ms| a Date can hold: 100,000,000 days either side of 1970. */
export const MAX_INSTANT_MS = 8.64e15;

/** Whether `ms` is an instant a Date can hold (an integer within ±MAX_INSTANT_MS). */
export const isInstant = (ms: number): boolean => Number.isInteger(ms) && Math.abs(ms) <= MAX_INSTANT_MS;

const RANGE = 'within ±8.64e15 ms of 1970 (years -271821 to 275760)';
/** What a refused instant's error says. */
export const INSTANT_MESSAGE = `an ISO 8601 instant or epoch milliseconds, ${RANGE}`;

/**
 * Epoch ms of an instant given as epoch milliseconds (a number, or digits with an optional -) or ISO
 * 8601 text; undefined when it is neither or not a valid date.
 */
export function instantMs(v: number | string): number | undefined {
  const n = typeof v === 'number' ? v : /^-?[0-9]+$/.test(v) ? Number(v) : Date.parse(v);
  return isInstant(n) ? n : undefined;
}

/** An instant as a query parameter: ISO 8601 or epoch milliseconds, a valid date. */
export const InstantSchema = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const n = instantMs(v);
    if (n === undefined) {
      ctx.addIssue({ code: 'custom', message: INSTANT_MESSAGE });
      return z.NEVER;
    }
    return n;
  });

/** A span back from now in a JSON body: "7d", "12h", "30m" (at most 999,999 units). */
export const SPAN = /^([0-9]{1,6})([dhm])$/;

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration in milliseconds: digits and one unit, "30s", "10m", "2h" or "7d" (a span of the
 * body, or the CLI's `--since`); undefined when `text` is not one. Digits are not bounded
 * here, so the product may be past any instant: callers check the instant they derive.
 */
export function durationMs(text: string): number | undefined {
  const m = /^([0-9]+)([smhd])$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/** An instant in a JSON body: epoch milliseconds, an ISO 8601 string, or a span back from now ("7d", "12h", "30m"). */
export const BodyInstantSchema = z
  .union([z.number().int().min(-MAX_INSTANT_MS).max(MAX_INSTANT_MS), z.string().max(40)])
  .refine((v) => typeof v === 'number' || SPAN.test(v) || instantMs(v) !== undefined, {
    message: `${INSTANT_MESSAGE}, or a span such as "7d", "12h" or "30m"`,
  })
  .describe('Epoch ms, ISO 8601, or a span back from now: "7d", "12h", "30m"');
