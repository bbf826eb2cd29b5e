/**
 * Validation and compilation of a policy document, at write time. Every structural
 * problem is reported here, naming the rule and the condition, so a policy that is
 * accepted cannot fail at evaluation time for structural reasons.
 */

import {
  type ConditionDocument,
  FUNCTION_NAMES,
  type PolicyDocument,
  PolicySchema,
} from '../contract/policy';
import { parseAttributePath } from './attributes';
import type { CompiledCondition, CompiledPolicy, Operand } from './compiled';
import { FUNCTIONS } from './functions';

export type PolicyIssue = { path: string; message: string };

export type CompileResult =
  | { ok: true; policy: CompiledPolicy; document: PolicyDocument }
  | { ok: false; issues: PolicyIssue[] };

function suggest(name: string): string {
  const close = FUNCTION_NAMES.filter((f) => f.startsWith(name.split('_')[0] ?? '')).slice(0, 8);
  return close.length > 0 ? ` (did you mean one of: ${close.join(', ')}?)` : '';
}

function compileCondition(
  cond: ConditionDocument,
  where: string,
  label: string,
  issues: PolicyIssue[],
): CompiledCondition | undefined {
  const spec = FUNCTIONS[cond.function];
  const issue = (field: string, message: string) =>
    issues.push({ path: `${where}.${field}`, message: `${label}: ${message}` });
  if (!spec) {
    issue('function', `unknown function "${cond.function}"${suggest(cond.function)}`);
    return undefined;
  }
  const attr = parseAttributePath(cond.attribute, cond.metadata_key);
  if ('error' in attr) {
    issue(cond.metadata_key !== undefined ? 'metadata_key' : 'attribute', attr.error);
    return undefined;
  }
  const hasValue = cond.value !== undefined;
  const hasFrom = cond.value_from_attribute !== undefined;
  let operand: Operand | undefined;
  if (spec.operand === 'none') {
    if (hasValue || hasFrom) issue('value', `${cond.function} takes no value`);
  } else if (hasValue === hasFrom) {
    issue('value', `${cond.function} needs exactly one of "value" or "value_from_attribute"`);
  } else if (hasFrom) {
    if (spec.operand === 'const') {
      issue('value_from_attribute', `${cond.function} takes a constant "value" only`);
    } else {
      const from = parseAttributePath(cond.value_from_attribute as string);
      if ('error' in from) issue('value_from_attribute', from.error);
      else operand = { kind: 'attr', path: from.path, name: cond.value_from_attribute as string };
    }
  } else {
    const parsed = spec.parseConst?.(cond.value);
    if (parsed?.ok) operand = { kind: 'const', value: parsed.value };
    else issue('value', `invalid value for ${cond.function}: ${parsed?.why ?? 'not accepted'}`);
  }
  const name = cond.metadata_key !== undefined ? `${cond.attribute}.${cond.metadata_key}` : cond.attribute;
  return { fn: cond.function, path: attr.path, name, ...(operand ? { operand } : {}) };
}

/** A value at a zod issue path in the input (for "did you mean" on unknown function names). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  return v;
}

/** Validates `input` (unknown JSON) and compiles it. `version` is stamped into the result. */
/** Any JSON value as text for a message (String() throws on {"toString": 1}). */
const textOf = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));

export function compilePolicy(input: unknown, version: number): CompileResult {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => {
        const path = i.path.join('.') || '(root)';
        if (i.path.at(-1) === 'function' && i.code === 'invalid_value') {
          const name = textOf(valueAt(input, i.path));
          const rule = valueAt(input, i.path.slice(0, -3)) as { rule_id?: unknown } | undefined;
          const label = `rule "${textOf(rule?.rule_id)}", condition ${String(i.path.at(-2))}`;
          return { path, message: `${label}: unknown function "${name}"${suggest(name)}` };
        }
        return { path, message: i.message };
      }),
    };
  }
  const doc = parsed.data;
  const issues: PolicyIssue[] = [];
  const seen = new Set<string>();
  const rules = doc.specification.rules.map((rule, r) => {
    const where = `specification.rules.${r}`;
    if (seen.has(rule.rule_id)) {
      issues.push({ path: `${where}.rule_id`, message: `duplicate rule_id "${rule.rule_id}"` });
    }
    seen.add(rule.rule_id);
    const conditions: CompiledCondition[] = [];
    rule.conditions.forEach((cond, i) => {
      const compiled = compileCondition(
        cond,
        `${where}.conditions.${i}`,
        `rule "${rule.rule_id}", condition ${i}`,
        issues,
      );
      if (compiled) conditions.push(compiled);
    });
    return { id: rule.rule_id, effect: rule.effect, conditions };
  });
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    document: doc,
    policy: {
      name: doc.name,
      version,
      rules,
      default: { id: doc.specification.default.rule_id, effect: doc.specification.default.effect },
    },
  };
}
