/**
 * Redaction of explanations: the one mechanism by which a workspace's `redactKeys` leave no
 * trace in anything that explains a decision — the answer to the caller, the audit event
 * (and so the export), the simulator's trace and impact samples.
 *
 * An explanation's text is built from its values: a condition's message shows `actual` and
 * `expected` (through `display`, and a coercion failure's description of them). So a
 * condition is redacted as a whole: its values are walked at every depth and each value
 * under a redacted key is replaced by the marker; if anything was replaced, or the condition
 * reads a redacted path, its message is rendered again from what is left, and every message
 * that quoted it (the reason's) is rendered again too. A message is never searched for the
 * values it might contain. Pure: no bindings, no I/O.
 */
import type { ConditionExplanation } from '../contract';

export const REDACTED = Object.freeze({ $redacted: true as const });

export function isRedacted(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { $redacted?: unknown }).$redacted === true;
}

/** A key that redaction removes: a listed key, and `ext_<key>` for a listed key (a claim mapped from it). */
export function isRedactedKey(k: string, keys: ReadonlySet<string>): boolean {
  return keys.has(k) || (k.startsWith('ext_') && keys.has(k.slice(4)));
}

/** Whether an attribute reference ("request_metadata.card", "ext_card", "record.x.card") names a redacted key. */
export function touchesRedacted(path: unknown, keys: ReadonlySet<string>): boolean {
  return typeof path === 'string' && path.split('.').some((seg) => isRedactedKey(seg, keys));
}

/**
 * A JSON value with every redacted key's value replaced by the marker, at any depth.
 * `hit.redacted` becomes true when anything was replaced. Iterative: an explanation's values
 * are already bounded by the evaluator's `display`, but this never recurses on input depth.
 */
export function redactValue(v: unknown, keys: ReadonlySet<string>, hit: { redacted: boolean }): unknown {
  if (v === null || typeof v !== 'object' || keys.size === 0) return v;
  const root: { value: unknown } = { value: v };
  const stack: [holder: Record<string, unknown> | unknown[], key: string | number][] = [
    [root as never, 'value'],
  ];
  while (stack.length > 0) {
    const [holder, key] = stack.pop() as [Record<string, unknown>, string];
    const value = holder[key];
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      const copy = value.slice();
      holder[key] = copy;
      for (let i = 0; i < copy.length; i++) stack.push([copy, i]);
      continue;
    }
    const copy: Record<string, unknown> = {};
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      if (isRedactedKey(k, keys)) {
        copy[k] = REDACTED;
        hit.redacted = true;
      } else {
        copy[k] = (value as Record<string, unknown>)[k];
        stack.push([copy, k]);
      }
    }
    holder[key] = copy;
  }
  return root.value;
}

/** The message of a condition whose values were redacted: what was asked and the outcome, no value. */
const redactedMessage = (c: ConditionExplanation) =>
  `${c.function} on ${c.attribute}: ${c.result} (values redacted)`;

/**
 * A condition explanation with nothing redaction removes: values walked at every depth, and
 * the message rendered again without values when anything it was built from was redacted.
 */
export function redactCondition(c: ConditionExplanation, keys: ReadonlySet<string>): ConditionExplanation {
  if (keys.size === 0) return c;
  const hit = { redacted: false };
  const out: ConditionExplanation = { ...c };
  const readsRedacted = touchesRedacted(c.attribute, keys);
  const operandRedacted = touchesRedacted(c.operandAttribute, keys);
  if ('actual' in c) out.actual = readsRedacted ? REDACTED : redactValue(c.actual, keys, hit);
  if ('expected' in c) out.expected = operandRedacted ? REDACTED : redactValue(c.expected, keys, hit);
  if (hit.redacted || readsRedacted || operandRedacted) out.message = redactedMessage(c);
  return out;
}

/** A trace's rules with every condition redacted (the simulator's trace). */
export function redactTrace<T extends { conditions: ConditionExplanation[] }>(
  rules: readonly T[],
  keys: ReadonlySet<string>,
): T[] {
  if (keys.size === 0) return rules as T[];
  return rules.map((r) => ({ ...r, conditions: r.conditions.map((c) => redactCondition(c, keys)) }));
}

/**
 * A reason with nothing redaction removes. A reason's message quotes its condition's
 * message; when the condition's is rendered again, so is the reason's. Any JSON value is
 * taken (stored reasons are read back as unknown); what is not a reason with a condition is
 * returned as it is.
 */
export function redactReason<R>(reason: R, keys: ReadonlySet<string>): R {
  if (keys.size === 0 || typeof reason !== 'object' || reason === null) return reason;
  const r = reason as { condition?: unknown; message?: unknown; rule?: unknown };
  const before = r.condition as ConditionExplanation | undefined;
  if (typeof before !== 'object' || before === null) return reason;
  const condition = redactCondition(before, keys);
  if (condition.message === before.message) return { ...reason, condition };
  const message =
    typeof r.message === 'string' && r.message.includes(before.message)
      ? r.message.replace(before.message, () => condition.message)
      : `rule "${typeof r.rule === 'string' ? r.rule : '?'}": ${condition.message}`;
  return { ...reason, condition, message };
}

export function redactReasons<R>(reasons: readonly R[], keys: ReadonlySet<string>): R[] {
  return keys.size === 0 ? (reasons as R[]) : reasons.map((r) => redactReason(r, keys));
}
