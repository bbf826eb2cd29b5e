/** The drizzle handle over D1. One per request is cheap (no connection state). */
import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

export type Db = ReturnType<typeof database>;

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** True when a D1 error is a UNIQUE / PRIMARY KEY constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  const text = String((err as { cause?: unknown })?.cause ?? '') + String(err);
  return /UNIQUE constraint failed|PRIMARY KEY/i.test(text);
}
