/**
 * Glob patterns (`*` any run, `?` one character) for `string_like`. Not a regex: the
 * matcher is iterative with one backtrack point, O(pattern × text) at worst, and
 * patterns are bounded at write time, so no input can make it run away.
 */
export const MAX_GLOB_LENGTH = 256;
export const MAX_GLOB_STARS = 8;

export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === text[t])) {
      p++;
      t++;
    } else if (pc === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
