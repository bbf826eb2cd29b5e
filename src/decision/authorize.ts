/**
 * authorize(): token + (resource, action, context) → Decision, for every entry point
 * (HTTP, batch, forward-auth, RPC, records). Fails closed: a refused token is a 401
 * with its reason, a missing dependency is a 503, nothing on this path ends in Allow
 * by accident. Returns the audit events for the caller to send after the response.
 */
import { type AuditFacts, attributesJsonOf, type SerializedEvent, serializeEvent } from '../audit/event';
import { type Check as ContractCheck, type Decision, WORKSPACE_ID } from '../contract';
import { flag } from '../env';
import { principalAttributes } from '../identity/claim-mapping';
import { DEV_IDP_JWKS, devIdpJwks } from '../identity/dev-idp';
import { fetchJson } from '../identity/fetch-json';
import { type KeyDeps, keySetId } from '../identity/jwks-cache';
import { TokenError } from '../identity/reasons';
import { type VerifiedIdentity, verifyToken } from '../identity/verify-token';
import { badRequest, notFound, unavailable, VerdictError } from '../lib/errors';
import { sha256Hex } from '../lib/hash';
import { valueDepthExceeds } from '../lib/json-depth';
import { Lru } from '../lib/lru';
import { type Budget, DECISION_BUDGET, REQUEST_BUDGET, type RequestInput } from '../policy/attributes';
import type { EngineDecision } from '../policy/evaluate';
import { redactReasons } from '../policy/redaction';
import { getRecord } from '../storage/records';
import { DEFAULT_REVALIDATE_MS, isRevoked, loadSnapshot, type Snapshot } from './snapshot';

/** A check as the engine takes it: the contract's Check, plus the record for records routes. */
export type Check = ContractCheck & { record?: Record<string, unknown> };

export type { Decision };

export type DecisionEnv = {
  DB: D1Database;
  CACHE: KVNamespace;
  DEV_IDP?: string;
  POLICY_REVALIDATE_MS?: string;
};

/**
 * Facts about the caller that every decision for one request shares, whatever the
 * entry point (a records list decides each row with exactly these). `ip` undefined
 * means the entry point does not know it: ip conditions are then indeterminate.
 */
export type Caller = { ip?: string | undefined; userAgent?: string | undefined };

export type AuthorizeOutcome =
  | { ok: true; identity: VerifiedIdentity; decisions: Decision[]; events: SerializedEvent[] }
  | { ok: false; error: TokenError; events: SerializedEvent[] };

export const MAX_CONTEXT_DEPTH = 8;

/**
 * Verified tokens, keyed by workspace, snapshot version and the token's SHA-256.
 * Held until the token's exp or 60 s, whichever is sooner; a provider or policy change
 * bumps the snapshot version, and an entry is used only while this isolate still holds
 * the key set that verified it, so none outlives a provider or key-set change.
 */
const verified = new Lru<string, VerifiedIdentity>(10_000);
const VERIFIED_TTL_MS = 60_000;

/** Time-ordered and unique: base-36 milliseconds, then 64 random bits in hex. */
export const newDecisionId = () => {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return `dec_${Date.now().toString(36)}${(r[0] ?? 0).toString(16).padStart(8, '0')}${(r[1] ?? 0).toString(16).padStart(8, '0')}`;
};

/** A subject named by a trusted PEP (AuthZEN with an `authzen:pep` key), not by a token. */
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

export type PepSubject = {
  id: string;
  properties?: Record<string, unknown> | undefined;
  keyId: string;
  directory: SubjectDirectory;
};

/** The provider name PEP-named subjects carry (policies see it as `provider`). */
const PEP_PROVIDER = 'authzen-pep';

/**
 * The identity of a PEP-named subject: the workspace's subject source (PepSubjects) —
 * its records collection's row for the id, over the request's subject.properties —
 * mapped through the source's claim mappings, as a token's claims would be. A required
 * mapping the source does not provide refuses the subject (claim_missing).
 */
async function pepIdentity(snapshot: Snapshot, pep: PepSubject, now: number): Promise<VerifiedIdentity> {
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

/** What the audit event says of a shadow evaluation: its answer, and whether it differs from the live one. */
function shadowFacts(
  live: EngineDecision,
  shadow: { policies: string[]; decision: EngineDecision },
): NonNullable<AuditFacts['shadow']> {
  const d = shadow.decision;
  return {
    policies: shadow.policies,
    decision: d.effect,
    policy: d.policy,
    ruleId: d.ruleId,
    diverged: d.effect !== live.effect || d.ruleId !== live.ruleId || d.policy !== live.policy,
  };
}

/** Context nesting limit, checked without recursion (a 30,000-deep context is a 400, not a 500). */
export function assertContext(context: unknown): void {
  if (valueDepthExceeds(context, MAX_CONTEXT_DEPTH))
    throw badRequest(`context is nested deeper than ${MAX_CONTEXT_DEPTH} levels`);
}

/** What the engine evaluates for one check: the same caller facts on every entry point. */
export function decisionInput(
  identity: VerifiedIdentity,
  check: Check,
  caller: Caller,
  now: number,
  timezone: string,
): RequestInput {
  return {
    attributes: identity.attributes,
    resource: check.resource,
    action: check.action,
    context: check.context ?? {},
    ...(check.record ? { record: check.record } : {}),
    ...(caller.ip ? { ip: caller.ip } : {}),
    now,
    timezone,
  };
}

/** The denylist's refusal of this subject or token (jti), if it names either. */
export function revocationOf(
  snapshot: Snapshot,
  sub: string,
  jti: string | undefined,
  now: number,
): TokenError | undefined {
  const revoked = isRevoked(snapshot, sub, jti, now);
  if (!revoked) return undefined;
  return new TokenError(
    'token_revoked',
    revoked === 'sub' ? 'This subject has been revoked' : 'This token has been revoked',
  );
}

/** Where verification gets key sets: the development IdP's own keys (when enabled) or the published JWKS. */
export function keyDeps(env: DecisionEnv): KeyDeps {
  const dev = flag(env.DEV_IDP);
  return {
    CACHE: env.CACHE,
    fetchKeys: async (uri) => {
      if (uri === DEV_IDP_JWKS) {
        return dev
          ? { ok: true, json: await devIdpJwks(env.CACHE), maxAgeSec: 3600 }
          : { ok: false, error: 'dev IdP disabled' };
      }
      return fetchJson(uri);
    },
  };
}

async function identify(
  env: DecisionEnv,
  ws: string,
  snapshot: Snapshot,
  token: string,
  now: number,
): Promise<VerifiedIdentity> {
  const cacheKey = `${ws}\u0000${snapshot.version}\u0000${await sha256Hex(token)}`;
  const hit = verified.get(cacheKey, now);
  if (hit && (hit.keySet === null || keySetId(hit.keySet.uri) === hit.keySet.id)) return hit;
  const identity = await verifyToken(token, snapshot.providers, keyDeps(env), now);
  verified.set(cacheKey, identity, Math.min(identity.exp * 1000, now + VERIFIED_TTL_MS));
  return identity;
}

export async function snapshotFor(env: DecisionEnv, ws: string, now: number): Promise<Snapshot> {
  // A malformed id names no workspace; refusing it here keeps it out of KV keys and D1.
  if (!WORKSPACE_ID.test(ws)) throw badRequest('The workspace id is not valid');
  let snapshot: Snapshot;
  try {
    const revalidate = Number(env.POLICY_REVALIDATE_MS ?? DEFAULT_REVALIDATE_MS);
    snapshot = await loadSnapshot(
      env,
      ws,
      now,
      Number.isFinite(revalidate) ? revalidate : DEFAULT_REVALIDATE_MS,
    );
  } catch {
    throw unavailable('Policies cannot be loaded right now; no decision was made');
  }
  if (!snapshot.exists) throw notFound('Workspace');
  return snapshot;
}

/**
 * Decides every check with one token verification. `budget` is the request's work
 * budget, shared by its checks (and by several calls for one HTTP request, e.g. an
 * AuthZEN evaluations call); each check gets at most DECISION_BUDGET of what is left.
 */
export async function authorize(
  env: DecisionEnv,
  workspaceId: string,
  token: string | undefined,
  checks: readonly Check[],
  caller: Caller,
  now = Date.now(),
  budget: Budget = { left: REQUEST_BUDGET },
  pep?: PepSubject,
): Promise<AuthorizeOutcome> {
  const started = performance.now();
  for (const check of checks) assertContext(check.context ?? {});
  const snapshot = await snapshotFor(env, workspaceId, now);
  let lastAttributes: Record<string, unknown> | undefined;
  let lastAttributesJson = '';
  const event = (
    check: Check,
    facts: Pick<
      AuditFacts,
      | 'decisionId'
      | 'subject'
      | 'provider'
      | 'decision'
      | 'policy'
      | 'policyVersion'
      | 'ruleId'
      | 'reasons'
      | 'replay'
      | 'shadow'
    >,
    attributes: Record<string, unknown>,
  ): SerializedEvent => {
    // The principal's attributes are the same for every check of the call: redacted and
    // serialized once.
    if (attributes !== lastAttributes) {
      lastAttributes = attributes;
      lastAttributesJson = attributesJsonOf(attributes, snapshot.redact);
    }
    return serializeEvent(
      {
        ...facts,
        workspaceId,
        time: now,
        resource: check.resource,
        action: check.action,
        attributes,
        context: check.context ?? {},
        latencyMs: Math.round(performance.now() - started),
        ip: caller.ip ?? null,
        userAgent: caller.userAgent ?? null,
      },
      snapshot.redact,
      lastAttributesJson,
    );
  };

  let identity: VerifiedIdentity;
  try {
    if (pep && !token) identity = await pepIdentity(snapshot, pep, now);
    else if (!token)
      throw new TokenError(
        'token_missing',
        'Send the end-user token in the body or as Authorization: Bearer',
      );
    else identity = await identify(env, workspaceId, snapshot, token, now);
    // The denylist is checked on every decision, after any cached verification.
    const revoked = revocationOf(snapshot, identity.sub, identity.jti, now);
    if (revoked) throw revoked;
  } catch (err) {
    if (!(err instanceof TokenError))
      throw err instanceof VerdictError ? err : unavailable('Token verification failed');
    const events = checks.map((check) =>
      event(
        check,
        {
          decisionId: newDecisionId(),
          subject: null,
          provider: null,
          decision: 'Deny',
          policy: null,
          policyVersion: null,
          ruleId: null,
          reasons: [{ code: err.reason, message: err.detail }],
        },
        {},
      ),
    );
    return { ok: false, error: err, events };
  }

  const decisions: Decision[] = [];
  const events: SerializedEvent[] = [];
  for (const check of checks) {
    const allowance = Math.max(0, Math.min(DECISION_BUDGET, budget.left));
    const spent = { left: allowance };
    const input = decisionInput(identity, check, caller, now, snapshot.set.timezone);
    let result: EngineDecision;
    let shadow: AuditFacts['shadow'];
    if (snapshot.engine.hasShadows) {
      const both = snapshot.engine.decideWithShadow(input, spent);
      result = both.live;
      if (both.shadow) shadow = shadowFacts(both.live, both.shadow);
    } else {
      result = snapshot.engine.decide(input, spent);
    }
    budget.left -= allowance - spent.left;
    const decision: Decision = {
      allowed: result.effect === 'Allow',
      decision: result.effect,
      decisionId: newDecisionId(),
      policy: result.policy,
      policyVersion: result.policyVersion,
      ruleId: result.ruleId,
      // Redacted once, here: the caller's answer and the audit event carry the same reasons.
      reasons: redactReasons(result.reasons, snapshot.redact),
      subject: identity.sub,
    };
    decisions.push(decision);
    events.push(
      event(
        check,
        {
          decisionId: decision.decisionId,
          subject: identity.sub,
          provider: identity.providerName,
          decision: decision.decision,
          policy: decision.policy,
          policyVersion: decision.policyVersion,
          ruleId: decision.ruleId,
          reasons: decision.reasons,
          ...(shadow ? { shadow } : {}),
          replay: {
            record: check.record,
            timezone: snapshot.set.timezone,
            policiesJson: snapshot.engine.boundVersionsJson(check.resource, check.action),
            ...(pep && !token ? { pepKeyId: pep.keyId } : {}),
          },
        },
        identity.attributes,
      ),
    );
  }
  return { ok: true, identity, decisions, events };
}
