/** Random identifiers. */

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random lowercase alphanumeric string (unbiased: rejection sampling). */
export function randomId(length = 16): string {
  let out = '';
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b < 252 && out.length < length) out += ALPHABET[b % 36];
    }
  }
  return out;
}

/** base64url of `n` random bytes. */
export function randomSecret(n = 32): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Lowercase hex of `n` random bytes. */
export function randomHex(n = 32): string {
  return [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A decision id: time-ordered and unique (base-36 milliseconds, then 64 random bits in hex). */
export const newDecisionId = () => {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return `dec_${Date.now().toString(36)}${(r[0] ?? 0).toString(16).padStart(8, '0')}${(r[1] ?? 0).toString(16).padStart(8, '0')}`;
};
