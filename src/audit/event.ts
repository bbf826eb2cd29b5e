/**
 * The audit event: one per decision, including refusals of bad tokens and of gateway
 * requests. Never holds the raw token or an API key.
 *
 * Every event is built by `serializeEvent`, the one place that
 * - removes the workspace's `redactKeys` from every place a value could appear: the
 *   context and the attributes (at any depth; a key `card` also covers `ext_card`), and
 *   the reasons, through policy/redaction.ts (the mechanism the answers, traces and impact
 *   samples use too): a condition built from a redacted value keeps no value of it and its
 *   message is rendered again without it;
 * - bounds every field: long strings are cut and marked, long lists and objects are
 *   cut and marked, nesting is capped, and the reasons and the input each stay under a
 *   byte budget, so every decision fits a D1 row and a queue message (README → Audit).
 *
 * Markers are objects no JSON input can be confused with after the fact:
 * `{ "$redacted": true }` and `{ "$truncated": true, "type", "length", … }`. Replay
 * treats a condition that needs a marked value as indeterminate.
 */
import type { z } from 'zod';
import type { AuditEventSchema } from '../contract/audit';
import { isRedacted, isRedactedKey, REDACTED, redactReason, redactReasons } from '../policy/redaction';
/** A stored event: the contract's AuditEvent. */
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/** What a producer knows about a decision, before redaction and bounding. */
export type AuditFacts = Omit<AuditEvent, 'input'> & {
  attributes: Record<string, unknown>;
  context: Record<string, unknown>;
  /**
   * What replaying the decision needs besides attributes and context (absent on
   * refusals, which have no attributes): the record a records route decided on, the
   * workspace timezone the clock attributes used, and every bound policy's version as
   * JSON text (Engine.boundVersionsJson).
   */
  replay?: {
    record?: Record<string, unknown> | undefined;
    timezone: string;
    policiesJson: string;
    /** The API key of the trusted PEP that named the subject (AuthZEN), when no token did. */
    pepKeyId?: string;
  };
};

export const AUDIT_LIMITS = {
  /** Characters kept of any string value (the rest is cut and marked). */
  string: 256,
  /** Characters kept of a reason's message. */
  message: 512,
  /** Items kept of a list, keys kept of an object. */
  items: 64,
  /** Levels of nesting kept. */
  depth: 8,
  /** Serialized bytes allowed for the reasons, and separately for the input. */
  bytes: 16 * 1024,
  /** Characters kept of short identifying fields (subject, resource, action, user agent). */
  field: 512,
} as const;

export { isRedacted, REDACTED };

const truncatedString = (s: string) => ({
  $truncated: true,
  type: 'string',
  length: s.length,
  prefix: s.slice(0, AUDIT_LIMITS.string),
});

/** Redacts keys and bounds sizes in a JSON value (iterative depth cap, no recursion past it). */
function scrub(v: unknown, keys: ReadonlySet<string>, depth: number): unknown {
  if (typeof v === 'string') return v.length > AUDIT_LIMITS.string ? truncatedString(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (depth >= AUDIT_LIMITS.depth)
    return { $truncated: true, type: Array.isArray(v) ? 'list' : 'object', depth };
  if (Array.isArray(v)) {
    const items = v.slice(0, AUDIT_LIMITS.items).map((x) => scrub(x, keys, depth + 1));
    if (v.length > AUDIT_LIMITS.items) items.push({ $truncated: true, type: 'list', length: v.length });
    return items;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    if (n >= AUDIT_LIMITS.items) {
      // Not counted further: the marker says only that keys were left out.
      out.$truncated = { type: 'object', keys: `more than ${AUDIT_LIMITS.items}` };
      break;
    }
    n++;
    const key = k.length > AUDIT_LIMITS.string ? k.slice(0, AUDIT_LIMITS.string) : k;
    out[key] = isRedactedKey(k, keys) ? REDACTED : scrub((v as Record<string, unknown>)[k], keys, depth + 1);
  }
  return out;
}

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}… [cut, ${s.length} chars]` : s);

/**
 * A reason as stored: redacted by the one mechanism every explanation goes through
 * (policy/redaction.ts: values at every depth, and a message built from a redacted value
 * rendered again without it), then its strings and values bounded.
 */
function scrubReason(reason: unknown, keys: ReadonlySet<string>): unknown {
  if (typeof reason !== 'object' || reason === null) return reason;
  const r = { ...redactReason(reason, keys) } as Record<string, unknown>;
  const condition = r.condition as Record<string, unknown> | undefined;
  if (condition && typeof condition === 'object') {
    const message = condition.message;
    r.condition = scrub(condition, keys, 1);
    if (typeof message === 'string')
      (r.condition as Record<string, unknown>).message = cut(message, AUDIT_LIMITS.message);
  }
  if (typeof r.message === 'string') r.message = cut(r.message, AUDIT_LIMITS.message);
  for (const [k, v] of Object.entries(r)) {
    if (k !== 'condition' && k !== 'message') r[k] = scrub(v, keys, 1);
  }
  return r;
}

/**
 * The reasons as JSON text, keeping as many as fit the byte budget and then saying how
 * many were left out. Each reason is serialized once: the text measured is the text sent.
 */
function boundReasonsJson(reasons: unknown[]): string {
  const parts: string[] = [];
  let bytes = 2;
  for (let i = 0; i < reasons.length; i++) {
    const text = JSON.stringify(reasons[i]) ?? 'null';
    if (bytes + text.length + 1 > AUDIT_LIMITS.bytes - 128) {
      parts.push(
        JSON.stringify({
          code: 'reasons_truncated',
          message: `${reasons.length - i} more reasons left out of the audit`,
        }),
      );
      break;
    }
    parts.push(text);
    bytes += text.length + 1;
  }
  return `[${parts.join(',')}]`;
}

/** An object as JSON text, or a marker when its text is over the byte budget. */
function boundObjectJson(o: unknown): string {
  const text = JSON.stringify(o) ?? '{}';
  return text.length > AUDIT_LIMITS.bytes
    ? JSON.stringify({ $truncated: true, type: 'object', bytes: text.length })
    : text;
}

/** An event ready to send: its decision id and its JSON text, serialized once. */
export type SerializedEvent = { decisionId: string; json: string };

/** A principal's attributes as an event stores them: redacted and bounded (one text per principal). */
export function attributesJsonOf(attributes: Record<string, unknown>, keys: ReadonlySet<string>): string {
  return boundObjectJson(scrub(attributes, keys, 0));
}

/**
 * The stored form of one decision, redacted and every field bounded, as the JSON text the
 * outbox packs (the measuring for the bounds and the serializing are one pass). Pure.
 * `redactKeys` is best a set built once (the snapshot's); `attributesJson`, when given, is
 * attributesJsonOf(facts.attributes, the same keys), shared by a batch's events.
 */
export function serializeEvent(
  facts: AuditFacts,
  redactKeys: ReadonlySet<string> | readonly string[],
  attributesJson?: string,
): SerializedEvent {
  const keys: ReadonlySet<string> = redactKeys instanceof Set ? redactKeys : new Set(redactKeys);
  const { attributes, context, reasons, replay, ...rest } = facts;
  const field = (s: string) => cut(s, AUDIT_LIMITS.field);
  const head = JSON.stringify({
    ...rest,
    subject: rest.subject === null ? null : field(rest.subject),
    resource: field(rest.resource),
    action: field(rest.action),
    userAgent: rest.userAgent === null ? null : rest.userAgent.slice(0, 256),
  });
  const reasonsJson = boundReasonsJson(reasons.slice(0, 64).map((r) => scrubReason(r, keys)));
  const attributesText = attributesJson ?? attributesJsonOf(attributes, keys);
  const contextJson = boundObjectJson(scrub(context, keys, 0));
  let replayJson = '';
  if (replay) {
    if (replay.record) replayJson += `,"record":${boundObjectJson(scrub(replay.record, keys, 0))}`;
    replayJson += `,"timezone":${JSON.stringify(replay.timezone)},"policies":${replay.policiesJson}`;
    if (replay.pepKeyId) replayJson += `,"pep":{"keyId":${JSON.stringify(replay.pepKeyId)}}`;
  }
  return {
    decisionId: facts.decisionId,
    json: `${head.slice(0, -1)},"reasons":${reasonsJson},"input":{"attributes":${attributesText},"context":${contextJson}${replayJson}}}`,
  };
}

/** The same event as an object (tests, and readers of stored rows). */
export function auditEvent(facts: AuditFacts, redactKeys: readonly string[]): AuditEvent {
  return JSON.parse(serializeEvent(facts, redactKeys).json) as AuditEvent;
}

/**
 * A stored event as it is read back: its reasons through the one redaction again, with the
 * workspace's keys as they are now (an event stored before a key was added, or before
 * explanations were redacted at the root, shows no value the keys name).
 */
export function redactStored(e: AuditEvent, keys: ReadonlySet<string>): AuditEvent {
  return keys.size === 0 ? e : { ...e, reasons: redactReasons(e.reasons, keys) };
}
