/**
 * Limits on the shape of JSON, checked without recursion and before parsing where the
 * text is at hand, so a 30,000-deep document is a 400 and never a stack overflow, and a
 * body whose objects use thousands of distinct keys (each one a new hidden class for
 * V8's JSON.parse: 7,400 of them cost 3 ms) is refused before it is parsed. Each check
 * stops at the first level or key past its limit.
 */

export type ShapeProblem = 'depth' | 'keys' | 'containers';

/** The limits `jsonTextShape` checks. */
export type ShapeLimits = { depth: number; keys: number; containers: number };

/**
 * One scan of JSON text: nesting deeper than `limits.depth`, more than `limits.keys`
 * distinct object keys, or more than `limits.containers` objects and arrays (each costs
 * JSON.parse ~50–150 ns) is reported; strings are skipped (escapes included).
 */
export function jsonTextShape(text: string, limits: ShapeLimits): ShapeProblem | undefined {
  let depth = 0;
  let containers = 0;
  const keys = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      // A string followed by ":" is an object key.
      let j = i + 1;
      while (
        j < text.length &&
        (text.charCodeAt(j) === 0x20 ||
          text.charCodeAt(j) === 0x0a ||
          text.charCodeAt(j) === 0x0d ||
          text.charCodeAt(j) === 0x09)
      )
        j++;
      if (text.charCodeAt(j) === 0x3a) {
        keys.add(text.slice(start, i + 1));
        if (keys.size > limits.keys) return 'keys';
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.depth) return 'depth';
      if (++containers > limits.containers) return 'containers';
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/**
 * Whether a parsed value nests arrays/objects deeper than `max` (a scalar has depth 0).
 * Iterative, with parallel stacks and no per-node allocation (it runs on every decision).
 */
export function valueDepthExceeds(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const v = nodes.pop() as Record<string, unknown>;
    const d = depths.pop() as number;
    if (d > max) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== null && typeof x === 'object') {
          nodes.push(x);
          depths.push(d + 1);
        }
      }
    } else {
      for (const k in v) {
        const x = v[k];
        if (x !== null && typeof x === 'object') {
          nodes.push(x);
          depths.push(d + 1);
        }
      }
    }
  }
  return false;
}
