/**
 * The audit event: one per decision, including refusals of bad tokens. Never holds
 * the raw token or an API key; the context is size-capped and redacted per workspace.
 */
export type AuditEvent = {
  decisionId: string;
  workspaceId: string;
  /** Epoch ms. */
  time: number;
  subject: string | null;
  provider: string | null;
  resource: string;
  action: string;
  decision: 'Allow' | 'Deny';
  policy: string | null;
  policyVersion: number | null;
  ruleId: string | null;
  reasons: unknown[];
  /** Normalized input after redaction: the attributes policies saw and the context. */
  input: { attributes: Record<string, unknown>; context: Record<string, unknown> };
  latencyMs: number;
  ip: string | null;
  userAgent: string | null;
};

export const MAX_AUDIT_CONTEXT_BYTES = 4096;
const REDACTED = '[redacted]';

/** Replaces redacted keys (at any depth) and caps the serialized size. */
export function redactContext(
  context: Record<string, unknown>,
  redactKeys: readonly string[],
): Record<string, unknown> {
  const keys = new Set(redactKeys);
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 8 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = keys.has(k) ? REDACTED : walk(x, depth + 1);
    return out;
  };
  const redacted = walk(context, 0) as Record<string, unknown>;
  const size = JSON.stringify(redacted).length;
  return size > MAX_AUDIT_CONTEXT_BYTES ? { _truncated: true, _bytes: size } : redacted;
}
