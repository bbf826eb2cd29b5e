/**
 * Provider keys at the edge.
 *
 * Semantics, per JWKS URI:
 * - Isolate memory holds the parsed keys and the imported CryptoKeys (bounded LRU of
 *   256 URIs). Fresh for the document's Cache-Control max-age, clamped to 1 min–24 h,
 *   else 10 min; a stale entry triggers a refetch, and the stale keys keep serving if
 *   that refetch fails.
 * - KV (`jwks:v1:<uri>`) holds the last good document so a cold isolate does not call
 *   the IdP. It is written only after a successful fetch whose keys changed or whose
 *   KV copy is older than half the freshness window: never more than once per fetch,
 *   and fetches are single-flight, so no KV write storm (KV allows ~1 write/s/key).
 * - A `kid` that is not in the set triggers at most one refetch per URI per 30 s
 *   cooldown in this isolate (single-flight); otherwise the token is refused.
 * - If the IdP is down, the last known keys keep serving (isolate, else KV). With no
 *   keys at all the answer is `jwks_unavailable` (503), never an Allow.
 * Keys are never fetched from a URL found in a token (jku, x5u) nor taken from it (jwk, x5c).
 * Each distinct key set an isolate loads gets a new id; a verification is valid only
 * while its URI's current key set still has that id (see keySetId).
 */
import type { CryptoKey } from 'jose';
import { Lru } from '../lib/lru';
import { kvKeys } from '../storage/kv-keys';
import type { FetchResult } from './fetch-json';
import { importKey, keyFitsAlg, type PublishedKey, parseJwks, parseX509Map } from './key-set';
import { TokenError } from './reasons';

export const REFETCH_COOLDOWN_MS = 30_000;
const DEFAULT_FRESH_MS = 10 * 60_000;

export type KeyFetcher = (uri: string) => Promise<FetchResult>;
export type KeyDeps = { CACHE: KVNamespace; fetchKeys: KeyFetcher };

type Entry = {
  /** This isolate's id for the key set; kept when a refetch returns the same keys. */
  id: number;
  keys: PublishedKey[];
  fetchedAt: number;
  freshMs: number;
  imported: Map<string, Promise<CryptoKey>>;
  lastRefetch: number;
  inflight?: Promise<Entry | undefined>;
};

type Stored = { keys: PublishedKey[]; fetchedAt: number; freshMs: number };

const entries = new Lru<string, Entry>(256);
let lastKeySetId = 0;

/** The id of the key set this isolate currently holds for `uri`, if any. */
export function keySetId(uri: string): number | undefined {
  return entries.get(uri)?.id;
}

function parse(format: 'jwks' | 'x509', json: unknown): PublishedKey[] {
  return format === 'x509' ? parseX509Map(json) : parseJwks(json);
}

const sameKeys = (a: PublishedKey[], b: PublishedKey[]) => JSON.stringify(a) === JSON.stringify(b);

async function fetchIntoEntry(
  deps: KeyDeps,
  uri: string,
  format: 'jwks' | 'x509',
  now: number,
  prev?: Entry,
): Promise<Entry | undefined> {
  const res = await deps.fetchKeys(uri);
  if (!res.ok) return undefined;
  const keys = parse(format, res.json);
  if (keys.length === 0) return undefined;
  const freshMs =
    res.maxAgeSec === undefined
      ? DEFAULT_FRESH_MS
      : Math.min(Math.max(res.maxAgeSec * 1000, 60_000), 86_400_000);
  const unchanged = prev !== undefined && sameKeys(prev.keys, keys);
  const entry: Entry = {
    id: unchanged ? prev.id : ++lastKeySetId,
    keys,
    fetchedAt: now,
    freshMs,
    imported: unchanged ? prev.imported : new Map(),
    lastRefetch: now,
  };
  if (!unchanged || now - (prev?.fetchedAt ?? 0) > freshMs / 2) {
    const stored: Stored = { keys, fetchedAt: now, freshMs };
    await deps.CACHE.put(kvKeys.jwks(uri), JSON.stringify(stored)).catch(() => {});
  }
  entries.set(uri, entry);
  return entry;
}

/** Single-flight refetch: concurrent callers share one request to the IdP. */
function refetch(
  deps: KeyDeps,
  uri: string,
  format: 'jwks' | 'x509',
  now: number,
  prev?: Entry,
): Promise<Entry | undefined> {
  if (prev?.inflight) return prev.inflight;
  const p = fetchIntoEntry(deps, uri, format, now, prev).finally(() => {
    if (prev) prev.inflight = undefined;
  });
  if (prev) {
    prev.inflight = p;
    prev.lastRefetch = now;
  }
  return p;
}

async function loadEntry(deps: KeyDeps, uri: string, format: 'jwks' | 'x509', now: number): Promise<Entry> {
  let entry = entries.get(uri);
  if (!entry) {
    const stored = await deps.CACHE.get<Stored>(kvKeys.jwks(uri), 'json').catch(() => null);
    if (stored && Array.isArray(stored.keys) && stored.keys.length > 0) {
      entry = {
        id: ++lastKeySetId,
        keys: stored.keys,
        fetchedAt: stored.fetchedAt,
        freshMs: stored.freshMs,
        imported: new Map(),
        lastRefetch: 0,
      };
      entries.set(uri, entry);
    }
  }
  if (!entry) {
    const fetched = await fetchIntoEntry(deps, uri, format, now);
    if (!fetched)
      throw new TokenError(
        'jwks_unavailable',
        'The identity provider’s keys cannot be fetched and none are cached',
      );
    return fetched;
  }
  if (now - entry.fetchedAt > entry.freshMs) {
    // Stale: refresh, but keep serving the known keys if the IdP is down.
    return (await refetch(deps, uri, format, now, entry)) ?? entry;
  }
  return entry;
}

function pick(entry: Entry, alg: string, kid: string | undefined): PublishedKey | 'ambiguous' | undefined {
  if (kid !== undefined) return entry.keys.find((k) => k.kid === kid && keyFitsAlg(k, alg));
  const candidates = entry.keys.filter((k) => keyFitsAlg(k, alg));
  if (candidates.length > 1) return 'ambiguous';
  return candidates[0];
}

/**
 * The verification key for (alg, kid) from the provider's own key set, and that set's id.
 * Throws TokenError: unknown_kid, key_ambiguous, jwks_unavailable.
 */
export async function resolveKey(
  deps: KeyDeps,
  uri: string,
  format: 'jwks' | 'x509',
  alg: string,
  kid: string | undefined,
  now: number,
): Promise<{ key: CryptoKey; keySetId: number }> {
  let entry = await loadEntry(deps, uri, format, now);
  let key = pick(entry, alg, kid);
  if (key === undefined && now - entry.lastRefetch >= REFETCH_COOLDOWN_MS) {
    entry = (await refetch(deps, uri, format, now, entry)) ?? entry;
    key = pick(entry, alg, kid);
  }
  if (key === 'ambiguous')
    throw new TokenError('key_ambiguous', 'The token has no kid and several keys could verify it');
  if (key === undefined)
    throw new TokenError('unknown_kid', 'No key of this provider matches the token’s kid and alg');
  const cacheKey = `${key.kid ?? ''}\u0000${alg}`;
  let imported = entry.imported.get(cacheKey);
  if (!imported) {
    imported = importKey(key, alg);
    entry.imported.set(cacheKey, imported);
    imported.catch(() => entry.imported.delete(cacheKey));
  }
  try {
    return { key: await imported, keySetId: entry.id };
  } catch {
    throw new TokenError('signature_invalid', 'The provider’s key for this token cannot be used');
  }
}

/** Drops this isolate's copy of a URI's keys (tests; provider deletion). */
export function forgetKeys(uri: string): void {
  entries.delete(uri);
}
