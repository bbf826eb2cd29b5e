/**
 * Parsing a provider's published keys into the keys Verdict will use. Refused keys:
 * `use: "enc"`, any private member, duplicated `kid`s (every key sharing the kid),
 * unknown key types, RSA moduli under 2048 bits, and symmetric keys (a JWKS must never
 * be able to turn a token into an HMAC check). Keys are imported lazily, per algorithm.
 */
import { type CryptoKey, importJWK, importX509, type JWK } from 'jose';

export type PublishedKey = { kid: string | undefined; jwk?: JWK; x509?: string };

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function base64urlByteLength(s: string): number {
  return Math.floor((s.replace(/=+$/, '').length * 3) / 4);
}

function usableJwk(k: unknown): k is JWK {
  if (typeof k !== 'object' || k === null || Array.isArray(k)) return false;
  const jwk = k as Record<string, unknown>;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return false;
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) return false;
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return false;
  switch (jwk.kty) {
    case 'RSA':
      return typeof jwk.n === 'string' && typeof jwk.e === 'string' && base64urlByteLength(jwk.n) >= 256;
    case 'EC':
      return typeof jwk.crv === 'string' && typeof jwk.x === 'string' && typeof jwk.y === 'string';
    case 'OKP':
      return jwk.crv === 'Ed25519' && typeof jwk.x === 'string';
    default:
      return false;
  }
}

function dropDuplicateKids(keys: PublishedKey[]): PublishedKey[] {
  const counts = new Map<string | undefined, number>();
  for (const k of keys) counts.set(k.kid, (counts.get(k.kid) ?? 0) + 1);
  return keys.filter((k) => k.kid === undefined || counts.get(k.kid) === 1);
}

/** A JWKS document → usable keys. Anything that is not a JWKS yields no keys. */
export function parseJwks(doc: unknown): PublishedKey[] {
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) return [];
  const keys = (doc as { keys: unknown[] }).keys.filter(usableJwk).slice(0, 100);
  return dropDuplicateKids(keys.map((jwk) => ({ kid: jwk.kid, jwk })));
}

/** Firebase-style `{ kid: "-----BEGIN CERTIFICATE-----…" }` → keys. */
export function parseX509Map(doc: unknown): PublishedKey[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return [];
  return Object.entries(doc as Record<string, unknown>)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].includes('BEGIN CERTIFICATE'))
    .slice(0, 100)
    .map(([kid, x509]) => ({ kid, x509 }));
}

const KTY_FOR_ALG: Record<string, string> = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP' };
const CRV_FOR_ALG: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Whether a published key may verify `alg` (kty, curve and the JWK's own `alg` must agree). */
export function keyFitsAlg(key: PublishedKey, alg: string): boolean {
  if (key.x509) return alg.startsWith('RS') || alg.startsWith('PS') || alg.startsWith('ES');
  const jwk = key.jwk;
  if (!jwk) return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (KTY_FOR_ALG[alg.slice(0, 2)] !== jwk.kty) return false;
  const crv = CRV_FOR_ALG[alg];
  return crv === undefined || jwk.crv === crv;
}

/** Imports a key for one algorithm. Throws when the key material is invalid. */
export async function importKey(key: PublishedKey, alg: string): Promise<CryptoKey> {
  if (key.x509) return importX509(key.x509, alg);
  return (await importJWK({ ...key.jwk, ext: false }, alg)) as CryptoKey;
}
