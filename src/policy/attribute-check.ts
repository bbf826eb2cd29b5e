/**
 * Checks a compiled policy against the attributes a workspace's claim mappings
 * produce. An `ext_*` attribute no mapping produces is a warning (a typo such as
 * `ext_aproval_limit` would otherwise deny silently); a function applied to an
 * attribute whose mapped type is certain and wrong is an error. Pure.
 */
import type { CompiledPolicy } from './compiled';
import { FUNCTIONS } from './functions';

/** What the claim mappings say about an attribute: its JSON type, and the defaults they give. */
export type KnownAttribute = { name: string; type: string; defaults: readonly unknown[] };
export type AttributeIssue = { path: string; message: string };

/**
 * Whether `fn` can read `a`, judged by the same coercion the evaluator applies
 * (coerce.ts): certain only when the mappings pin a type and give defaults; every
 * default must read. A string default of "1000" fits integer_*, "1000.5" does not.
 */
function fits(fn: string, a: KnownAttribute, field: 'attribute' | 'value_from_attribute'): boolean {
  const spec = FUNCTIONS[fn];
  if (!spec || a.type === 'unknown' || a.defaults.length === 0) return true;
  const coerce = field === 'attribute' ? spec.attr : spec.operandFromAttr;
  if (!coerce) return true;
  return a.defaults.every((d) => coerce(d).ok);
}

/** Levenshtein distance, for "did you mean" hints (names are short). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

export function checkAttributes(
  policy: CompiledPolicy,
  known: readonly KnownAttribute[],
): { warnings: AttributeIssue[]; errors: AttributeIssue[] } {
  const byName = new Map(known.map((k) => [k.name, k]));
  const warnings: AttributeIssue[] = [];
  const errors: AttributeIssue[] = [];
  policy.rules.forEach((rule, r) => {
    rule.conditions.forEach((cond, i) => {
      const where = `specification.rules.${r}.conditions.${i}`;
      // [root, field, whether the whole attribute is read (no .field path below it)]
      const refs: [string, string, boolean][] = [
        [cond.path[0] as string, 'attribute', cond.path.length === 1],
      ];
      if (cond.operand?.kind === 'attr')
        refs.push([cond.operand.path[0] as string, 'value_from_attribute', cond.operand.path.length === 1]);
      for (const [root, field, whole] of refs) {
        if (!root.startsWith('ext_')) continue;
        const attr = byName.get(root);
        if (!attr) {
          const close = known.map((k) => k.name).filter((n) => editDistance(n, root) <= 2);
          warnings.push({
            path: `${where}.${field}`,
            message: `rule "${rule.id}", condition ${i}: no auth provider maps ${root}${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; the condition will never hold`,
          });
          continue;
        }
        if (whole && !fits(cond.fn, attr, field as 'attribute' | 'value_from_attribute')) {
          errors.push({
            path: `${where}.${field}`,
            message: `rule "${rule.id}", condition ${i}: ${cond.fn} cannot read ${root}, mapped as a ${attr.type} (default ${attr.defaults.map((d) => JSON.stringify(d)).join(', ')})`,
          });
        }
      }
    });
  });
  return { warnings, errors };
}
