// The linear glob matcher agrees with a regex built from the same pattern (the
// reference: `*` → [\s\S]*, `?` → one UTF-16 unit, everything else literal) on random
// patterns and texts, including patterns that make a backtracking matcher quadratic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/policy/glob';

function reference(pattern: string, text: string): boolean {
  let re = '';
  for (const ch of pattern.split('')) {
    if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else re += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
  return new RegExp(`^${re}$`).test(text);
}

const alphabet = fc.constantFrom('a', 'b', '*', '?', 'é', '\ud835', '\udd04', '.', '\\');
const textChars = fc.constantFrom('a', 'b', 'é', '\ud835', '\udd04', '.', '*', '?', '\\');

describe('glob matcher', () => {
  it('agrees with the reference on random patterns and texts', () => {
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 12 }).map((a) => a.join('')),
        fc.array(textChars, { maxLength: 24 }).map((a) => a.join('')),
        (pattern, text) => {
          expect(compileGlob(pattern).matches(text)).toBe(reference(pattern, text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees on long patterns spanning several machine words', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom('a', 'b', '?', '*'), { minLength: 30, maxLength: 256 })
          .map((a) => a.join('')),
        fc.array(fc.constantFrom('a', 'b'), { minLength: 0, maxLength: 300 }).map((a) => a.join('')),
        (pattern, text) => {
          const stars = pattern.split('*').length - 1;
          fc.pre(stars <= 8);
          expect(compileGlob(pattern).matches(text)).toBe(reference(pattern, text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the adversarial pattern: * + 254×a + b against a long run of a', () => {
    const pattern = `*${'a'.repeat(254)}b`;
    const g = compileGlob(pattern);
    expect(g.words).toBe(9); // 256 items + the start state
    expect(g.matches('a'.repeat(60_000))).toBe(false);
    expect(g.matches(`${'a'.repeat(60_000)}b`)).toBe(true);
  });
});
