/**
 * Glob patterns (`*` any run, `?` one UTF-16 unit, anything else literal) for
 * `string_like`. Not a regex, and not a backtracking matcher: a pattern compiles once
 * per isolate to a bit-parallel NFA (shift-and, with a self-loop on each `*`), and
 * matching is one pass over the text at ⌈(pattern length + 1) / 32⌉ machine words per
 * character, whatever the pattern and the text. A backtracking matcher took 5–6 s for
 * 16 rules of `*aaa…ab` against a 60 KB string; this one is linear in the text.
 * Patterns are still bounded at write time, which bounds the words per character.
 */
export const MAX_GLOB_LENGTH = 256;
export const MAX_GLOB_STARS = 8;

export type Glob = {
  /** Machine words per text character: the matcher's cost factor. */
  readonly words: number;
  matches(text: string): boolean;
};

/**
 * State i means "the first i pattern items matched". Reading character c:
 *   next = ((state & accepts[c]) << 1) | (state & star)
 * then each `*` may match nothing: next |= (next & star) << 1 (runs of `*` are
 * collapsed, so one step closes it). The pattern matches when state m is set at the end.
 */
export function compileGlob(pattern: string): Glob {
  const items: string[] = [];
  for (const ch of pattern.split('')) {
    if (ch === '*' && items[items.length - 1] === '*') continue;
    items.push(ch);
  }
  const m = items.length;
  const words = Math.ceil((m + 1) / 32);
  const star = new Uint32Array(words);
  const any = new Uint32Array(words);
  const byChar = new Map<number, Uint32Array>();
  const set = (mask: Uint32Array, i: number) => {
    mask[i >>> 5] = (mask[i >>> 5] as number) | (1 << (i & 31));
  };
  items.forEach((item, i) => {
    if (item === '*') set(star, i);
    else if (item === '?') set(any, i);
  });
  items.forEach((item, i) => {
    if (item === '*' || item === '?') return;
    const code = item.charCodeAt(0);
    let mask = byChar.get(code);
    if (!mask) {
      mask = Uint32Array.from(any);
      byChar.set(code, mask);
    }
    set(mask, i);
  });
  const acceptWord = m >>> 5;
  const acceptBit = 1 << (m & 31);

  /** next = (state & mask) << 1 | (state & star), then the `*` closure; returns whether any bit is set. */
  const step = (state: Uint32Array, mask: Uint32Array): boolean => {
    let carry = 0;
    let alive = 0;
    for (let w = 0; w < words; w++) {
      const s = state[w] as number;
      const kept = (mask[w] as number) & s;
      state[w] = (kept << 1) | carry | (s & (star[w] as number));
      carry = kept >>> 31;
    }
    closeStars(state);
    for (let w = 0; w < words; w++) alive |= state[w] as number;
    return alive !== 0;
  };
  const closeStars = (state: Uint32Array) => {
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const s = (state[w] as number) & (star[w] as number);
      const add = (s << 1) | carry;
      carry = (s >>> 31) & 1;
      state[w] = (state[w] as number) | add;
    }
  };

  if (words === 1) {
    // Patterns under 32 items (nearly all): the same automaton in one number.
    const star0 = star[0] as number;
    const any0 = any[0] as number;
    const byChar0 = new Map<number, number>();
    for (const [code, mask] of byChar) byChar0.set(code, mask[0] as number);
    const close = (s: number) => s | ((s & star0) << 1);
    return {
      words,
      matches(text: string): boolean {
        let state = close(1);
        for (let t = 0; t < text.length; t++) {
          const mask = byChar0.get(text.charCodeAt(t)) ?? any0;
          state = close(((state & mask) << 1) | (state & star0));
          if (state === 0) return false;
        }
        return (state & acceptBit) !== 0;
      },
    };
  }

  return {
    words,
    matches(text: string): boolean {
      const state = new Uint32Array(words);
      state[0] = 1;
      closeStars(state);
      for (let t = 0; t < text.length; t++) {
        const mask = byChar.get(text.charCodeAt(t)) ?? any;
        if (!step(state, mask)) return false;
      }
      return ((state[acceptWord] as number) & acceptBit) !== 0;
    },
  };
}
