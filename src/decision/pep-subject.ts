/**
 * Subjects a trusted PEP names (AuthZEN with an `authzen:pep` key) instead of a token:
 * their identity comes from the workspace's subject source (settings.pepSubjects) — its
 * records collection's row for the id, over the request's subject.properties — mapped
 * through the source's claim mappings, as a token's claims would be.
 */
import { principalAttributes } from '../identity/claim-mapping';
import { TokenError } from '../identity/reasons';
import type { VerifiedIdentity } from '../identity/verify-token';
import { unavailable } from '../lib/errors';
import { getRecord } from '../storage/records';
import type { Snapshot } from './snapshot';

/** Reads directory rows for one call, each (collection, id) once: an AuthZEN batch names one subject many times. */
export type SubjectDirectory = (collection: string, id: string) => ReturnType<typeof getRecord>;

/** A directory reader scoped to one call (a failed read is not kept: the next item reads again). */
export function subjectDirectory(db: D1Database, ws: string): SubjectDirectory {
  const rows = new Map<string, ReturnType<typeof getRecord>>();
  return (collection, id) => {
    const key = `${collection}\u0000${id}`;
    let row = rows.get(key);
    if (!row) {
      row = getRecord(db, ws, collection, id);
      rows.set(key, row);
      row.catch(() => rows.delete(key));
    }
    return row;
  };
}

/** A subject named by a trusted PEP, not by a token. */
export type PepSubject = {
  id: string;
  properties?: Record<string, unknown> | undefined;
  keyId: string;
  directory: SubjectDirectory;
};

/** The provider name PEP-named subjects carry (policies see it as `provider`). */
const PEP_PROVIDER = 'authzen-pep';

/** The identity of a PEP-named subject. A required mapping the source does not provide refuses it (claim_missing). */
export async function pepIdentity(
  snapshot: Snapshot,
  pep: PepSubject,
  now: number,
): Promise<VerifiedIdentity> {
  const source = snapshot.settings.pepSubjects ?? { claimMappings: [] };
  let claims: Record<string, unknown> = { ...(pep.properties ?? {}) };
  if (source.collection) {
    let row: Awaited<ReturnType<typeof getRecord>>;
    try {
      row = await pep.directory(source.collection, pep.id);
    } catch {
      throw unavailable('Subject attributes cannot be read right now; no decision was made');
    }
    if (row) claims = { ...claims, ...row.data };
  }
  const principal = principalAttributes(
    { ...claims, sub: pep.id },
    { name: PEP_PROVIDER, issuer: `pep:${pep.keyId}`, claimMappings: source.claimMappings },
  );
  if (!principal.ok)
    throw new TokenError(
      'claim_missing',
      `The subject has no "${principal.missing}" (required by the subject source)`,
    );
  return {
    sub: pep.id,
    issuer: `pep:${pep.keyId}`,
    providerId: PEP_PROVIDER,
    providerName: PEP_PROVIDER,
    exp: Math.floor(now / 1000) + 60,
    jti: undefined,
    attributes: principal.attributes,
    keySet: null,
  };
}
